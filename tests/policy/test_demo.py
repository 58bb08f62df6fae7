"""The demo school's generated policy carries every commitment of the seed policy
(../shared/seed/e-security-policy.txt), with its products from the registers."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.core.demo import seed_demo
from bastion.core.models import School
from bastion.policy import document, formats
from bastion.policy.demo import seed_policy
from bastion.policy.models import PolicyVersion
from tests.policy.conftest import fill_registers

pytestmark = pytest.mark.django_db

# The seed policy's commitments, as key phrases (case and spacing aside).
COMMITMENTS = [
    "Ashmole Primary",
    "Keith Bridges",  # the DPO, and who reviewed the policy
    "The Head Teacher, Amelia Hart, is the Senior Information Risk Owner (SIRO)",
    "Data Protection Officer (DPO), with responsibility for data protection compliance",
    "must not be held by the same person",
    "key contacts for key school information",
    "(the Information Asset Owners)",
    "information asset owners in our information asset register, which we keep as a spreadsheet",
    "know to immediately report, and who to report to",
    "passwords for sensitive systems or devices are lost or stolen",
    "All staff are DBS checked and records are held in one central record",
    "sign an Acceptable Use Agreement",
    "We have a system so we know who has signed",
    "- staff - governors - pupils - parents - volunteers",
    "responsibilities and expectations with regard to data security",
    "approved educational web filtering across our wired and wireless networks",
    "additional layer of monitoring software across our network system",
    "We monitor school e-mails, blogs, online platforms",
    "we may also monitor the content of e-mails",
    "guidelines for the transfer of any data, such as MIS data or reports of children",
    "Children's Services / Family Services, Health, Welfare and Social Services",
    "own unique username and private password to access school systems",
    "responsible for keeping their passwords private",
    "strong passwords for access into our MIS",
    "change their passwords into the MIS, LGfL USO admin site and other secure systems",
    "at least twice a year",
    "must be encrypted if the material is to be removed from the school",
    "limit such data removal",
    "approved remote access solution (LGfL RAv3 / VPN)",
    "access sensitive and other data from home, without need to take data home",
    "work within the approved system and follow the security processes",
    "house-keeping checks at least annually to review, remove and destroy",
    "secure areas on the network to store sensitive documents or photographs",
    "log out of systems when leaving their computer",
    "enforce lock-out after 10 minutes",
    "encrypted flash drives if any member of staff has to take any sensitive information off site",
    "We use LGfL RAv3 / VPN with its two-factor authentication for remote access",
    "We use DfE S2S to securely transfer CTF pupil data files to the DfE and other schools",
    "We use Pan-London Admissions to transfer admissions data",
    "also use a one-time-password tag (LGfL OTP tag) as an extra precaution",
    "We use LGfL AutoUpdate for creation of online user accounts for access to services",
    "LGfL USO-FX2 to transfer documents to other schools,",
    "such as references and reports of children",
    "We use LGfL myDrive for online document storage",
    "lockable storage cabinets in a lockable storage area",
    "All servers are in lockable locations and managed by DBS-checked staff",
    "back-up tapes in a secure, fire-proof cabinet",
    "Back-ups are encrypted",
    "No back-up tapes leave the site on mobile devices",
    "We use LGfL GridStore for remote secure back-up for disaster recovery",
    "network / admin and curriculum servers",
    "WEEE directive on equipment disposal",
    "an approved disposal company (Greenbox IT Recycling) for disposal of IT equipment",
    "(such as servers and photocopiers), we get a certificate of secure deletion",
    "Portable equipment loaned by the school",
    "is disposed of through the same procedure",
    "shredded, using a cross-cut shredder",
]


def _flat(text: str) -> str:
    return " ".join(text.replace("\n- ", " - ").split()).casefold()


@pytest.fixture
def demo():
    seed_demo()
    school = School.objects.get(slug="ashmole-primary")
    fill_registers(school)
    policy = seed_policy(school, today=dt.date(2026, 3, 10))
    school.refresh_from_db()
    policy.school = school
    return school, policy


def test_the_demo_policy_carries_every_commitment_of_the_seed_policy(demo):
    _, policy = demo
    text = _flat(formats.to_markdown(document.build(policy)))
    missing = [c for c in COMMITMENTS if _flat(c) not in text]
    assert not missing, f"the generated policy lacks: {missing}"


def test_the_demo_has_last_septembers_review_signed_off_by_the_siro(demo):
    school, policy = demo
    version = PolicyVersion.objects.get(policy=policy)
    assert (version.number, version.status) == (1, "signed_off")
    assert version.review_date == dt.date(2025, 9, 1)
    assert version.next_review_date == dt.date(2026, 9, 1)
    assert (version.reviewed_by, version.signed_off_name) == ("Keith Bridges", "Amelia Hart")
    assert (school.policy_review_date, school.next_review_date) == (
        dt.date(2025, 9, 1),
        dt.date(2026, 9, 1),
    )
    archived = document.from_snapshot(version.snapshot)
    assert archived.review_date == "1 September 2025"


def test_the_demo_comparison_shows_what_changed_since_the_review(demo):
    _, policy = demo
    version = PolicyVersion.objects.get(policy=policy)
    changes = document.compare(document.from_snapshot(version.snapshot), document.build(policy))
    kinds = sorted(c.kind for c in changes if c.kind != document.SAME)
    assert kinds == ["changed", "changed", "removed"]


def test_seeding_twice_changes_nothing(demo):
    school, policy = demo
    assert seed_policy(school, today=dt.date(2026, 3, 10)).pk == policy.pk
    assert PolicyVersion.objects.filter(policy=policy).count() == 1
