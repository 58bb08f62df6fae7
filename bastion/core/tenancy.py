"""The one place a request finds its school, the user's roles there, and what they may do.

A school URL is /s/<school-slug>/...; a user who has no place in that school gets 404, exactly
as if the school did not exist. Objects are fetched with `get_for_school`, which 404s for rows
of another school.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect

from bastion.accounts import idle
from bastion.core.models import PRIVILEGED_ROLES, Membership, School, Trust, TrustAdmin
from bastion.core.permissions import allowed

MFA_NEEDED = (
    "Your role needs two-factor authentication. Set up an authenticator app or a passkey to "
    "continue."
)


@dataclass
class Access:
    school: School
    membership: Membership | None
    trust_admin: bool
    roles: set[str] = field(default_factory=set)

    def can(self, action: str) -> bool:
        return allowed(self.roles, action, trust_admin=self.trust_admin)


def access_for(user, school: School | str) -> Access | None:
    """The user's access to a school (given as object or slug), or None when they have none."""
    if not user.is_authenticated or not user.is_active:
        return None
    if isinstance(school, str):
        school = School.objects.select_related("trust").filter(slug=school).first()
        if school is None:
            return None
    # order_by(): one row at most, so skip the default ordering's join on the user table.
    membership = Membership.objects.filter(user=user, school=school, active=True).order_by().first()
    trust_admin = (
        school.trust_id is not None
        and TrustAdmin.objects.filter(user=user, trust_id=school.trust_id).exists()
    )
    if membership is None and not trust_admin:
        return None
    roles = membership.roles if membership else set()
    return Access(school=school, membership=membership, trust_admin=trust_admin, roles=roles)


def mfa_missing(request) -> bool:
    """Whether the signed-in user holds a role that needs MFA and has not set it up.

    The roles: the operator (a superuser), a trust admin, or the SIRO, DPO or IT lead of any
    school they are an active member of. A session signed in with a second factor has one;
    otherwise one query answers both questions.
    """
    from allauth.account.authentication import get_authentication_records
    from allauth.mfa.models import Authenticator

    user = request.user
    if any(r.get("method") == "mfa" for r in get_authentication_records(request, user)):
        return False
    roles = [Q(**{Membership.ROLE_FIELDS[role]: True}) for role in sorted(PRIVILEGED_ROLES)]
    privileged = Membership.objects.filter(
        Q(*roles, _connector=Q.OR), user=OuterRef("pk"), active=True
    )
    enrolled = Authenticator.objects.filter(
        user=OuterRef("pk"), type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    )
    found = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            needs=Exists(privileged) | Exists(TrustAdmin.objects.filter(user=OuterRef("pk"))),
            has=Exists(enrolled),
        )
        .values_list("needs", "has")
        .first()
    )
    if found is None:
        return False
    needs, has = found
    return (user.is_superuser or needs) and not has


def school_view(action: str = "school.view", *, methods: tuple[str, ...] | None = None):
    """Decorate a view taking `school` (a slug): resolve it, check the role, or 404/403.

    Anyone whose Bastion password is older than the school allows is sent to change it (MFA
    enrolment is required earlier, for every page, by MFAEnrolmentMiddleware). `methods`
    (e.g. ("POST",)) refuses other methods with 405, after the school check: put school_view
    outermost (or use this) so another school's URL is a 404 whatever the method.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, school: str, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access = access_for(request.user, school)
            if access is None:
                raise Http404("No such school.")
            if request.user.password_expired_for(access.school):
                messages.warning(
                    request,
                    f"{access.school.name} asks staff to change their Bastion password every "
                    f"{access.school.password_max_age_days} days. Please choose a new one.",
                )
                return redirect("account_change_password")
            # Set before the role check: the 403 page of a member shows their school's menu.
            request.school = access.school
            request.access = access
            if not access.can(action):
                raise PermissionDenied("Your role in this school does not allow this.")
            if methods is not None and request.method not in methods:
                return HttpResponseNotAllowed(methods)
            # Written only when they change: a modified session is saved to the database.
            if request.session.get("current_school") != access.school.slug:
                request.session["current_school"] = access.school.slug
            idle.set_limit(request, access.school.idle_lock_minutes)
            return view(request, *args, **kwargs)

        wrapper.school_action = action
        return wrapper

    return decorator


def get_for_school[M: Model](queryset: QuerySet[M] | type[M], school: School, **lookup) -> M:
    """One row of `school`, or 404 (never another school's row, never a 500 on a bad id)."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    try:
        return qs.get(school=school, **lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found.") from None


def trust_view(*, methods: tuple[str, ...] = ("GET", "HEAD")):
    """Decorate a view taking `trust` (a slug) for the trust's central team: anyone else gets
    404, as if the trust did not exist; the view receives the Trust as `request.trust`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, trust: str, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            found = Trust.objects.filter(slug=trust, admins__user=request.user).first()
            if found is None:
                raise Http404("No such trust.")
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            request.trust = found
            return view(request, *args, **kwargs)

        wrapper.trust_view = True
        return wrapper

    return decorator


def operator_view(*, methods: tuple[str, ...] = ("GET", "HEAD")):
    """Decorate a view of the installation's operator (a superuser): anyone else gets 404."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (request.user.is_active and request.user.is_superuser):
                raise Http404("No such page.")
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, *args, **kwargs)

        wrapper.operator_view = True
        return wrapper

    return decorator
