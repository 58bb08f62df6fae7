"""`make run` serves the demo trust that `seed_demo` creates: check it, and that it runs twice."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from bastion.accounts.models import User
from bastion.core.demo import DEMO_PASSWORD
from bastion.core.models import Membership, School, TrustAdmin
from bastion.people.models import Kind, Person

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_ashmole_primary_is_set_up_as_the_seed_policy_describes_it():
    seed()
    school = School.objects.get(slug="ashmole-primary")
    assert school.name == "Ashmole Primary"
    # The seed policy was reviewed in September 2023; the demo's policy was reviewed (and
    # signed off) last September, so the demo opens with its review in date.
    today = dt.date.today()
    september = dt.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    assert school.policy_review_date == september
    assert school.next_review_date == september.replace(year=september.year + 1)
    assert school.reviewed_by == "Keith Bridges"
    dpo = Membership.objects.get(school=school, is_dpo=True).user
    siro = Membership.objects.get(school=school, is_siro=True)
    assert dpo.get_full_name() == "Keith Bridges"
    assert siro.job_title == "Head Teacher" and siro.user != dpo


def test_the_demo_trust_has_two_schools_and_a_trust_admin():
    seed()
    assert School.objects.filter(trust__slug="harbour-learning").count() == 2
    assert TrustAdmin.objects.filter(trust__slug="harbour-learning").exists()


def test_the_printed_sign_ins_work_with_the_printed_password():
    output = seed()
    assert DEMO_PASSWORD in output
    emails = [line.split()[0] for line in output.splitlines() if line.startswith("  ")]
    assert "head@ashmole.example.org" in emails
    for email in emails:
        assert User.objects.get(email=email).check_password(DEMO_PASSWORD), email


def test_the_directory_holds_the_school_and_the_demo_accounts_are_in_it():
    seed()
    school = School.objects.get(slug="ashmole-primary")
    people = Person.objects.filter(school=school)
    assert people.filter(kind=Kind.PUPIL).count() == 210
    assert people.filter(kind=Kind.STAFF).count() >= 30
    head = people.get(user__email="head@ashmole.example.org")
    assert head.job_title == "Head Teacher" and head.scr.complete is not None


def test_running_it_again_creates_nothing_new():
    seed()
    counts = (User.objects.count(), School.objects.count(), Person.objects.count())
    seed()
    assert (User.objects.count(), School.objects.count(), Person.objects.count()) == counts


def test_the_demo_school_has_equipment_and_a_breach_log_with_work_to_show():
    from bastion.equipment.models import BackupSet, Device, RestoreTest
    from bastion.incidents.models import Incident

    seed()
    school = School.objects.get(slug="ashmole-primary")
    devices = Device.objects.filter(school=school)
    assert devices.filter(kind=Device.Kind.SERVER, manager__isnull=False).count() == 2
    assert devices.filter(kind=Device.Kind.FLASH_DRIVE, encrypted=True).count() == 4
    # Left wrong on purpose, so the registers show what they catch.
    assert [d.asset_tag for d in devices if d.unencrypted_portable] == ["ASH-LT-09"]
    assert BackupSet.objects.filter(school=school, off_site=True).count() == 1
    assert RestoreTest.objects.filter(school=school).count() == 2
    incidents = Incident.objects.filter(school=school)
    assert set(incidents.values_list("status", flat=True)) == {"closed", "triaged", "reported"}


def test_seeding_twice_adds_nothing():
    from bastion.equipment.models import Device
    from bastion.incidents.models import Incident

    seed()
    counts = (Person.objects.count(), Device.objects.count(), Incident.objects.count())
    seed()
    assert (Person.objects.count(), Device.objects.count(), Incident.objects.count()) == counts


def test_the_demo_policy_names_the_seed_policys_products_from_the_registers():
    from bastion.policy import document, formats
    from bastion.policy.services import policy_for

    seed()
    school = School.objects.get(slug="ashmole-primary")
    text = " ".join(formats.to_markdown(document.build(policy_for(school))).split())
    for product in (
        "RAv3",
        "two-factor authentication",
        "DfE S2S",
        "Pan-London Admissions",
        "OTP tag",
        "LGfL AutoUpdate",
        "USO-FX2",
        "LGfL myDrive",
        "GridStore",
        "lock-out after 10 minutes",
        "cross-cut shredder",
        "Keith Bridges",
    ):
        assert product in text, product
