"""Coverage: counts against a hand-built school, the unsigned list, query counts, who may see."""

from __future__ import annotations

import pytest

from bastion.agreements import coverage, services
from bastion.agreements.models import Method
from bastion.people.models import Kind, Person
from tests.agreements.helpers import add, build, parent_of, pupil, sign

pytestmark = pytest.mark.django_db


def test_counts_by_audience_match_the_hand_built_school(school, other_school):
    build(school)
    build(other_school)  # another school's people never count here
    rows = coverage.by_audience(school)
    found = {k: (r.signed, r.total) for k, r in rows.items()}
    assert found == {
        "staff": (3, 4),
        "governor": (1, 2),
        "volunteer": (0, 2),
        "parent": (2, 5),
        "pupil_younger": (2, 3),
        "pupil_older": (3, 6),
    }
    assert rows["staff"].percent == 75
    assert rows["volunteer"].percent == 0


def test_pupils_are_counted_by_class_and_year_group(school):
    build(school)
    classes = coverage.pupils_by_class(school)
    assert [(r.label, r.signed, r.total) for r in classes] == [
        ("Reception, class RA", 2, 3),
        ("Year 3, class 3A", 1, 4),
        ("Year 3, class 3B", 2, 2),
    ]
    years = coverage.by_year(classes)
    assert [(r.label, r.signed, r.total, r.percent) for r in years] == [
        ("Reception", 2, 3, 66),
        ("Year 3", 3, 6, 50),
    ]


def test_parents_count_under_each_year_group_of_their_children(school):
    build(school)
    rows = coverage.parents_by_year(school)
    # Rafe has a child in Reception and one in Year 3: he counts in both.
    assert [(r.label, r.signed, r.total) for r in rows] == [("Reception", 2, 2), ("Year 3", 1, 4)]


def test_a_parent_of_two_children_in_one_year_group_counts_once_there(school):
    data = build(school)
    twin = pupil(school, "3", "3B", "Twin")  # Tess's second child, in the other Year 3 class
    parents = data["parents"]
    from bastion.people.models import ParentLink

    ParentLink.objects.create(school=school, parent=parents[2], child=twin)
    rows = coverage.parents_by_year(school)
    assert [(r.label, r.signed, r.total) for r in rows] == [("Reception", 2, 2), ("Year 3", 1, 4)]
    assert rows[1].unsigned_query == "audience=parent&year_group=3"


def test_the_unsigned_list_filters_by_group_and_class(school):
    data = build(school)
    everyone = set(coverage.unsigned(school))
    assert data["staff"][3] in everyone
    assert data["leaver"] not in everyone and data["contractor"] not in everyone
    y3a = set(coverage.unsigned(school, class_name="3A"))
    # Pupils of 3A not signed, and parents of 3A pupils who have not signed.
    assert y3a == {*data["y3a"][1:], data["parents"][2], data["parents"][3]}
    assert set(coverage.unsigned(school, audience="parent", year_group="R")) == set()


@pytest.mark.parametrize("younger_up_to", ["2", "4"])
def test_the_unsigned_of_each_audience_are_those_the_audience_rule_gives(school, younger_up_to):
    """The unsigned list filters an audience by its columns (kind, year group); it must pick
    the same people as the audience worked out in SQL, under the default setting and another."""
    from bastion.agreements.models import Audience

    build(school)
    pupil(school, "", "")  # no year group: the older pupils' agreement
    services.settings_update(
        actor=None,
        school=school,
        data={
            "younger_up_to": younger_up_to,
            "parents_sign_for_children": True,
            "link_days": 30,
            "chase_interval_days": 14,
            "chase_automatically": False,
        },
    )
    up_to = coverage.up_to_map([school])
    unsigned = coverage.people([school], up_to=up_to).filter(is_signed=False)
    for audience in Audience.values:
        expected = set(unsigned.filter(audience=audience))
        assert expected, audience  # every audience has someone unsigned here
        assert set(coverage.unsigned(school, audience=audience, up_to=up_to)) == expected


def test_the_younger_year_groups_follow_the_schools_setting(school):
    data = build(school)
    services.settings_update(
        actor=None,
        school=school,
        data={
            "younger_up_to": "4",
            "parents_sign_for_children": True,
            "link_days": 30,
            "chase_interval_days": 14,
            "chase_automatically": False,
        },
    )
    rows = coverage.by_audience(school)
    # Year 3 now signs the younger agreement: their older-agreement signatures no longer count.
    assert (rows["pupil_younger"].signed, rows["pupil_younger"].total) == (2, 9)
    assert rows["pupil_older"].total == 0
    assert coverage.audience_of(data["y3a"][0], "4") == "pupil_younger"


def test_a_pupil_without_a_year_group_signs_the_older_agreement(school):
    lone = pupil(school, "", "")
    assert coverage.audience_of(lone, "2") == "pupil_older"
    assert coverage.by_audience(school)["pupil_older"].total == 1


def _grow(school, n):
    a = {x.audience: x for x in services.agreements_for(school)}
    for i in range(n):
        child = pupil(school, "3", f"3{'AB'[i % 2]}", f"Kid{i}")
        parent = parent_of(school, child)
        add(school, Kind.STAFF, f"Extra{i}")
        if i % 2:
            sign(parent, a["parent"], Method.LINK)


def test_the_coverage_page_uses_the_same_number_of_queries_for_more_people(
    school, office, client_for, django_assert_num_queries
):
    services.ensure_defaults(school)
    client = client_for(office)
    _grow(school, 5)
    client.get("/s/ashmole/agreements/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bastion.controls.models import KeptEvaluation

    KeptEvaluation.objects.all().delete()  # count, rather than reuse the counts
    with CaptureQueriesContext(connection) as small:
        assert client.get("/s/ashmole/agreements/").status_code == 200
    _grow(school, 15)
    KeptEvaluation.objects.all().delete()
    with django_assert_num_queries(len(small)):
        response = client.get("/s/ashmole/agreements/?audience=parent")
    assert response.status_code == 200


def _staff_signs(school, staff, me) -> None:
    """`me`, the staff member's record, signs the staff agreement, as the signing page does."""
    from bastion.agreements.signing import agreement_sign

    agreement = next(a for a in services.agreements_for(school) if a.audience == "staff")
    agreement_sign(
        actor=staff,
        school=school,
        person=me,
        agreement=agreement,
        typed_name=str(staff.get_full_name()),
    )


def test_the_counts_are_reused_until_something_is_recorded_at_the_school(
    school, office, staff, client_for
):
    from bastion.people.models import Person

    build(school)
    client = client_for(office)
    assert "11 of 22 people have signed" in client.get("/s/ashmole/agreements/").content.decode()
    me = Person.objects.create(
        school=school, kind=Kind.STAFF, first_name="Sam", last_name="Staff", user=staff
    )
    # Not recorded (made here behind the services' back): the kept counts still stand ...
    assert "11 of 22 people" in client.get("/s/ashmole/agreements/").content.decode()
    _staff_signs(school, staff, me)
    # ... and a signature, recorded, shows at once.
    assert "12 of 23 people have signed" in client.get("/s/ashmole/agreements/").content.decode()


def test_after_a_signature_the_refresh_job_has_the_counts_ready_for_the_next_page(
    school, office, staff, client_for, monkeypatch
):
    from bastion.controls.jobs import controls_refresh
    from bastion.people.models import Person

    build(school)
    me = Person.objects.create(
        school=school, kind=Kind.STAFF, first_name="Sam", last_name="Staff", user=staff
    )
    client = client_for(office)
    client.get("/s/ashmole/agreements/")
    _staff_signs(school, staff, me)
    controls_refresh()  # run_schedule's next run, seconds after the signature
    counted = []
    real = coverage.summary
    monkeypatch.setattr(coverage, "summary", lambda *a, **k: counted.append(1) or real(*a, **k))
    text = client.get("/s/ashmole/agreements/").content.decode()
    assert counted == []
    assert "12 of 23 people have signed" in text


def test_the_coverage_page_shows_counts_and_the_unsigned(school, office, client_for):
    data = build(school)
    response = client_for(office).get("/s/ashmole/agreements/?audience=staff")
    text = response.content.decode()
    assert response.status_code == 200
    assert "11 of 22 people have signed" in text
    assert data["staff"][3].first_name in text
    assert data["staff"][0].first_name not in text  # signed: not in the unsigned list


@pytest.mark.parametrize("persona,status", [("dpo", 200), ("staff", 403), ("governor", 403)])
def test_who_may_see_coverage(request, school, client_for, persona, status):
    user = request.getfixturevalue(persona)
    assert client_for(user).get("/s/ashmole/agreements/").status_code == status


def test_a_persons_history_shows_each_version_they_signed(school, office, client_for):
    data = build(school)
    a = data["agreements"]
    person = data["staff"][0]
    services.agreement_publish(
        actor=office,
        school=school,
        agreement=a["staff"],
        text="New text.",
        effective_on=a["staff"].current.effective_on,
        everyone_signs_again=True,
    )
    response = client_for(office).get(f"/s/ashmole/agreements/people/{person.pk}/")
    text = response.content.decode()
    assert "Version 1" in text and "Not signed" in text


def test_another_schools_person_is_not_found(school, other_school, office, client_for):
    stranger = add(other_school, Kind.STAFF, "Far")
    assert client_for(office).get(f"/s/ashmole/agreements/people/{stranger.pk}/").status_code == 404


def test_the_summary_counts_as_the_audience_and_class_queries_do(school):
    build(school)
    audiences, classes = coverage.summary(school)
    assert audiences == coverage.by_audience(school)
    assert classes == coverage.pupils_by_class(school)


@pytest.mark.parametrize(
    "query",
    ["", "audience=staff", "audience=parent", "audience=pupil_older", "year_group=3"],
)
def test_the_unsigned_count_agrees_with_the_list(school, office, client_for, query):
    build(school)
    response = client_for(office).get(f"/s/ashmole/agreements/?{query}")
    page = response.context["page"]
    chosen = response.context["chosen"]
    assert page.paginator.count == coverage.unsigned(school, **chosen).count()


def test_a_school_of_one_person_reads_singular(school, siro, client_for):
    Person.objects.create(school=school, kind="staff", first_name="Ada", last_name="Okafor")
    page = client_for(siro).get(f"/s/{school.slug}/agreements/").content.decode()
    assert "0 of 1 person has signed their current Acceptable Use Agreement" in page
