from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render

from bastion.accounts.models import Invitation
from bastion.accounts.services import invitation_create, member_deactivate
from bastion.core.forms import InviteForm, RolesForm, SchoolSettingsForm
from bastion.core.models import AuditEvent, Membership, School
from bastion.core.querystring import text_param
from bastion.core.services import membership_set_roles, school_update
from bastion.core.tenancy import get_for_school, school_view
from bastion.lib.forms import posted


@login_required
def home(request):
    schools = list(School.objects.for_user(request.user).select_related("trust"))
    if len(schools) == 1:
        return redirect("school-home", school=schools[0].slug)
    last = request.session.get("current_school")
    return render(request, "core/home.html", {"schools": schools, "last_school": last})


@school_view()
def school_home(request):
    school = request.school
    officers = (
        Membership.objects.filter(school=school, active=True)
        .filter(Q(is_siro=True) | Q(is_dpo=True))
        .select_related("user")
    )
    return render(
        request,
        "core/school_home.html",
        {
            "school": school,
            "siro": next((m for m in officers if m.is_siro), None),
            "dpo": next((m for m in officers if m.is_dpo), None),
        },
    )


@school_view("school.settings")
def school_settings(request):
    school = request.school
    # A copy of the school for the form: invalid input must not reach the page's header.
    form = SchoolSettingsForm(posted(request), instance=School.objects.get(pk=school.pk))
    if request.method == "POST" and form.is_valid():
        school_update(actor=request.user, school=school, data=form.cleaned_data, request=request)
        messages.success(request, "The school's settings are saved.")
        return redirect("school-settings", school=school.slug)
    return render(request, "core/school_settings.html", {"form": form, "school": school})


@school_view("members.view")
def member_list(request):
    school = request.school
    show = request.GET.get("show", "current")
    members = Membership.objects.filter(school=school).select_related("user")
    members = members.filter(active=(show != "left"))
    query = text_param(request, "q")
    if query:
        members = members.filter(
            Q(user__email__icontains=query)
            | Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
        )
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    invitations = Invitation.objects.filter(
        school=school, accepted_at=None, revoked_at=None
    ).select_related("invited_by")[:50]
    return render(
        request,
        "core/member_list.html",
        {"page": page, "school": school, "show": show, "query": query, "invitations": invitations},
    )


@school_view("members.invite")
def member_invite(request):
    school = request.school
    form = InviteForm(posted(request))
    if not request.access.can("school.roles"):
        # Office staff invite colleagues; only the SIRO hands out the senior roles.
        form.fields["roles"].choices = [
            c for c in form.fields["roles"].choices if c[0] in {"staff", "governor", "office"}
        ]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        invitation_create(
            actor=request.user,
            school=school,
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            roles=sorted(data["roles"]),
            job_title=data["job_title"],
            request=request,
        )
        messages.success(request, f"An invitation is on its way to {data['email']}.")
        return redirect("member-list", school=school.slug)
    return render(request, "core/member_invite.html", {"form": form, "school": school})


@school_view("school.roles")
def member_edit(request, pk):
    school = request.school
    membership = get_for_school(Membership.objects.select_related("user"), school, pk=pk)
    form = RolesForm(
        posted(request),
        initial={"roles": sorted(membership.roles), "job_title": membership.job_title},
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership_set_roles(
                actor=request.user,
                school=school,
                membership=membership,
                roles=form.cleaned_data["roles"],
                job_title=form.cleaned_data["job_title"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error("roles", exc)
        else:
            messages.success(request, f"Roles saved for {membership.user}.")
            return redirect("member-list", school=school.slug)
    return render(
        request, "core/member_edit.html", {"form": form, "member": membership, "school": school}
    )


@school_view("members.deactivate", methods=("POST",))
def member_deactivate_view(request, pk):
    school = request.school
    membership = get_for_school(Membership.objects.select_related("user"), school, pk=pk)
    if membership.user_id == request.user.pk:
        messages.error(request, "You cannot mark yourself as having left.")
    else:
        member_deactivate(actor=request.user, school=school, membership=membership, request=request)
        messages.success(
            request, f"{membership.user} is marked as having left. Their history stays."
        )
    return redirect("member-list", school=school.slug)


AUDIT_KINDS = [
    ("auth.", "Sign-ins and sign-outs"),
    ("mfa.", "Two-factor authentication"),
    ("member.", "People and roles"),
    ("school.", "School settings"),
]


@school_view("audit.view")
def audit_log(request):
    school = request.school
    # The school's own events, and the sign-ins (and failed ones) and MFA changes of its members.
    members = Membership.objects.filter(school=school)
    events = AuditEvent.objects.filter(
        Q(school=school)
        | Q(school__isnull=True, actor__in=members.values("user_id"))
        | Q(
            school__isnull=True,
            actor__isnull=True,
            action__in=["auth.login_failed", "auth.login_throttled"],
            actor_label__in=members.values("user__email"),
        )
    )
    action = request.GET.get("action", "")
    if action and action not in dict(AUDIT_KINDS):
        messages.info(request, "That kind of event is not one of the choices: showing them all.")
        action = ""
    if action:
        events = events.filter(action__startswith=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit_log.html",
        {"page": page, "school": school, "action": action, "action_choices": AUDIT_KINDS},
    )


def about(request):
    """What Bastion is; also the benchmark's floor (the lightest page through the full stack)."""
    return render(request, "core/about.html", {"version": settings.BASTION_VERSION})
