"""What every page's layout needs: the current school and the user's other schools."""

from __future__ import annotations

from bastion.core.models import School
from bastion.core.permissions import PERMISSIONS


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    school = getattr(request, "school", None)
    access = getattr(request, "access", None)
    return {
        # {"members_view": True, ...}: what the user may do here, for menus and buttons.
        "may": {a.replace(".", "_"): access.can(a) for a in PERMISSIONS} if access else {},
        "current_school": school,
        "access": access,
        # Evaluated lazily by the template: one query, only on pages that show the switcher.
        "my_schools": School.objects.for_user(user).only("name", "slug"),
    }
