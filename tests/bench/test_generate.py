"""The benchmark's dataset generator, at a tiny scale, so the benchmark cannot rot."""

import pytest
from allauth.mfa.models import Authenticator

from bastion.accounts.models import User
from bastion.core.models import Membership, School, TrustAdmin
from bastion.people.models import Kind, ParentLink, Person, SCRCheck, SCREntry
from bench.generate import SCALES, generate

pytestmark = pytest.mark.django_db


def test_the_tiny_dataset_has_the_counts_its_scale_promises():
    counts = generate("tiny")
    scale = SCALES["tiny"]
    assert School.objects.count() == scale.schools == counts["schools"]
    assert Person.objects.filter(kind=Kind.STAFF).count() == scale.staff
    assert Person.objects.filter(kind=Kind.PUPIL).count() == scale.pupils
    assert Person.objects.filter(kind=Kind.PARENT).count() == scale.parents
    assert Person.objects.filter(kind=Kind.GOVERNOR).count() == scale.governors_per_school


def test_every_parent_is_linked_to_a_pupil_of_the_same_school():
    generate("tiny")
    links = ParentLink.objects.select_related("parent", "child")
    assert links.count() == Person.objects.filter(kind=Kind.PARENT).count()
    for link in links:
        assert link.parent.kind == Kind.PARENT and link.child.kind == Kind.PUPIL
        assert link.parent.school_id == link.child.school_id == link.school_id


def test_the_single_central_record_is_computed_with_some_gaps():
    generate("tiny")
    in_scope = Person.objects.in_scr_scope()
    assert SCREntry.objects.count() == in_scope.count()
    assert SCRCheck.objects.exists()
    assert SCREntry.objects.filter(complete=True).exists()
    assert SCREntry.objects.filter(complete=False).exists()


def test_each_school_has_the_accounts_the_pages_are_measured_as():
    generate("tiny")
    for school in School.objects.all():
        members = Membership.objects.filter(school=school)
        assert members.filter(is_siro=True).count() == 1
        assert members.filter(is_dpo=True).count() == 1
        assert members.filter(is_office=True).count() == 1
        siro = members.get(is_siro=True).user
        assert Authenticator.objects.filter(user=siro, type=Authenticator.Type.TOTP).exists()
    assert TrustAdmin.objects.count() == 1
    admin = User.objects.get(email="trust@bench.example.org")
    assert Authenticator.objects.filter(user=admin, type=Authenticator.Type.TOTP).exists()
    assert User.objects.get(email="trust@bench.example.org").check_password(
        "bench-copper-lantern-9931"
    )


def test_the_trust_scale_promises_the_issue_s_figures():
    trust = SCALES["trust"]
    assert (trust.schools, trust.staff, trust.pupils, trust.parents) == (50, 4000, 25000, 40000)


def test_the_later_registers_are_filled_for_every_school():
    from bastion.agreements.models import Agreement, Signature
    from bastion.assets.models import InformationAsset
    from bastion.controls.models import StatusSnapshot
    from bastion.policy.models import Statement
    from bastion.systems.models import Account, PasswordChange, System, Transfer

    counts = generate("tiny")
    scale = SCALES["tiny"]
    school = School.objects.get()
    assert InformationAsset.objects.filter(school=school).count() == scale.assets_per_school
    assert counts["assets"] == scale.assets_per_school
    staff = Person.objects.filter(school=school, kind=Kind.STAFF).count()
    mis = System.objects.get(school=school, kind="mis")
    assert Account.objects.filter(system=mis).count() == staff
    assert PasswordChange.objects.filter(system=mis).count() == staff
    transfers = Transfer.objects.filter(school=school)
    assert transfers.count() == scale.transfers_per_school
    assert transfers.filter(flagged=True).exists()
    # Two versions of each agreement: last year's signatures stay on the old version.
    for agreement in Agreement.objects.filter(school=school):
        assert agreement.current.number == 2
        numbers = set(
            Signature.objects.filter(agreement=agreement).values_list("number", flat=True)
        )
        assert numbers <= {1, 2}
    assert Signature.objects.filter(number=1).exists() and Signature.objects.filter(number=2)
    assert Signature.objects.filter(school=school).count() == counts["signatures"]
    assert Statement.objects.filter(school=school).exists()
    assert StatusSnapshot.objects.filter(school=school).exists()


def test_every_school_has_had_changes_as_after_a_term_of_use():
    from bastion.core.generations import generations

    generate("tiny")
    school = School.objects.get()
    assert generations([school])[school.pk] > 0
