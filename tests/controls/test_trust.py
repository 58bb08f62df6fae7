"""The trust's matrix: schools by controls, the worst gaps; trust admins only; fixed queries."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.controls.models import KeptEvaluation
from bastion.core.models import School, Trust
from bastion.equipment.models import Device
from bastion.people.models import Person
from tests.conftest import add_member, make_user


def url(trust) -> str:
    return f"/trust/{trust.slug}/controls/"


def _schools(trust, start: int, n: int):
    for i in range(start, start + n):
        school = School.objects.create(trust=trust, name=f"School {i:03d}", slug=f"school-{i:03d}")
        user = make_user(f"head{i}@example.org", "Head", f"{i}")
        add_member(user, school, "siro", job_title="Head Teacher")
        person = Person.objects.create(
            school=school, kind="staff", first_name="A", last_name=f"{i}"
        )
        Device.objects.create(
            school=school, kind="flash_drive", holds_personal_data=True, assigned_to=person
        )


def test_trust_admins_see_schools_by_controls_and_the_worst_gaps(
    trust, school, trust_admin, client_for
):
    Device.objects.create(school=school, kind="laptop", holds_personal_data=True)
    _schools(trust, 1, 2)
    response = client_for(trust_admin).get(url(trust))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ashmole Primary" in page and "School 001" in page
    rows = response.context["rows"]
    assert len(rows) == 3 and all(row["cells"].count("<td") == 31 for row in rows)
    assert f'href="/s/{school.slug}/controls/T3/"' in page
    t3 = next(g for g in response.context["gaps"] if g["code"] == "T3")
    assert t3["schools"] == 3
    assert "T3 at School 001: Needs attention" in page


def test_another_trusts_matrix_is_404_and_members_have_none(
    trust, school, siro, trust_admin, other_school, client_for
):
    other = Trust.objects.get(slug="elsewhere")
    assert client_for(trust_admin).get(url(other)).status_code == 404
    assert client_for(trust_admin).get("/trust/no-such-trust/controls/").status_code == 404
    assert client_for(siro).get(url(trust)).status_code == 404
    assert client_for(trust_admin).post(url(trust)).status_code == 405
    assert client_for(trust_admin).post(url(other)).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(trust, client):
    response = client.get(url(trust))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_matrix_of_50_schools_takes_as_many_queries_as_of_5(
    trust, trust_admin, client_for, all_evaluators
):
    client = client_for(trust_admin)
    _schools(trust, 1, 5)
    client.get(url(trust))
    KeptEvaluation.objects.all().delete()  # measure the evaluation, not its reuse
    with CaptureQueriesContext(connection) as five:
        assert client.get(url(trust)).status_code == 200
    _schools(trust, 6, 45)
    KeptEvaluation.objects.all().delete()
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(url(trust))
    assert len(response.context["rows"]) == 50
    assert len(fifty.captured_queries) == len(five.captured_queries)


def test_a_trust_admin_without_two_factor_is_sent_to_set_it_up(trust, client_for):
    from bastion.core.models import TrustAdmin

    user = make_user("new.admin@harbour.example.org")
    TrustAdmin.objects.create(user=user, trust=trust)
    response = client_for(user).get(url(trust))
    assert response.status_code == 302 and response.url == "/accounts/2fa/"
