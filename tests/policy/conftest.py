"""Helpers for the policy tests: the school's registers filled as the seed policy describes."""

from __future__ import annotations

import pytest

from bastion.equipment.models import Contractor, Device
from bastion.policy.services import policy_for
from bastion.systems.models import Kind, RecipientKind, System
from tests.notify.conftest import run_schedule  # noqa: F401  (a fixture for the reminder tests)


@pytest.fixture
def policy(school):
    return policy_for(school)


def fill_registers(school) -> None:
    """The seed policy's products, as the systems and equipment registers would hold them."""
    systems = [
        ("SIMS", Kind.MIS, "", []),
        ("LGfL USO admin site", Kind.LOGIN_ADMIN, "", []),
        ("Pan-London Admissions", Kind.ADMISSIONS, "", []),
        ("LGfL RAv3 / VPN", Kind.REMOTE_ACCESS, "", []),
        ("DfE S2S", Kind.SECURE_TRANSFER, "", [RecipientKind.DFE, RecipientKind.SCHOOL]),
        ("LGfL USO-FX2", Kind.SECURE_TRANSFER, "", [RecipientKind.SCHOOL]),
        ("LGfL myDrive", Kind.CLOUD_STORAGE, "", []),
        ("LGfL GridStore", Kind.OFFSITE_BACKUP, "", []),
        ("LGfL AutoUpdate", Kind.OTHER, "Creates staff and pupil accounts from the MIS", []),
    ]
    for name, kind, description, approved in systems:
        System.objects.create(
            school=school, name=name, kind=kind, description=description, approved_for=approved
        )
    Contractor.objects.create(
        school=school, name="Greenbox IT Recycling", waste_carrier_registration="CBDU1234"
    )
    Device.objects.create(school=school, kind=Device.Kind.OTP_TOKEN, make="LGfL", model="OTP tag")
