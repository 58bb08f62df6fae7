from __future__ import annotations

import math

from allauth.account.internal.flows.login import record_authentication
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_POST

from bastion.accounts import idle
from bastion.accounts.forms import AcceptInvitationForm, UnlockForm
from bastion.accounts.middleware import wants_json
from bastion.accounts.models import User
from bastion.accounts.services import (
    InvitationUnusable,
    has_second_factor,
    invitation_accept,
    invitation_for_token,
    session_unlock,
)
from bastion.lib.forms import posted

REPLAY_PREFIX = "_replay__"


def _safe_next(request, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("home")


def _invitation_unusable(request, status: str):
    return render(request, "accounts/invitation_unusable.html", {"status": status}, status=410)


def invitation(request, token: str):
    """Accept an invitation: a new member chooses a password; an existing one signs in first."""
    invite = invitation_for_token(token)
    if invite is None or not invite.is_usable:
        return _invitation_unusable(request, invite.status if invite else "unknown")
    signed_in = request.user if request.user.is_authenticated else None
    if signed_in is not None and signed_in.email.lower() != invite.email.lower():
        return render(request, "accounts/invitation_other_account.html", {"invitation": invite})
    existing = User.objects.filter(email__iexact=invite.email, is_active=True).first()
    if existing is not None:
        # They already have a Bastion account: joining needs that account's sign-in.
        if signed_in is None:
            messages.info(request, f"Sign in as {invite.email} to join {invite.school.name}.")
            return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
        if request.method == "POST":
            try:
                invitation_accept(invitation=invite, password=None, request=request)
            except (InvitationUnusable, ValidationError):
                return _invitation_unusable(request, "conflict")
            messages.success(request, f"You have joined {invite.school.name}.")
            return redirect("school-home", school=invite.school.slug)
        return render(request, "accounts/invitation_join.html", {"invitation": invite})
    form = AcceptInvitationForm(posted(request), invitation=invite)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                invitation=invite, password=form.cleaned_data["password1"], request=request
            )
        except InvitationUnusable as exc:
            return _invitation_unusable(request, str(exc))
        except ValidationError:
            return _invitation_unusable(request, "conflict")
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        # Recorded as allauth records a password sign-in (its MFA pages read these records).
        record_authentication(request, user, method="password", email=user.email)
        messages.success(request, f"Welcome to Bastion. You have joined {invite.school.name}.")
        return redirect("school-home", school=invite.school.slug)
    return render(request, "accounts/invitation.html", {"invitation": invite, "form": form})


def _replay_fields(post) -> list[tuple[str, str]]:
    return [
        (key, value)
        for key in post
        if key != "csrfmiddlewaretoken" and not key.startswith(REPLAY_PREFIX)
        for value in post.getlist(key)
    ]


def _replayed_fields(post) -> list[tuple[str, str]]:
    """The fields a preserved form carried through the unlock page (`_replay__f_<name>`)."""
    prefix = f"{REPLAY_PREFIX}f_"
    return [
        (key[len(prefix) :], value)
        for key in post
        if key.startswith(prefix) and len(key) > len(prefix)
        for value in post.getlist(key)
    ]


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


def _unlock_page(request, context: dict, status: int = 200):
    context = {"needs_code": has_second_factor(request.user), "unlock_page": True, **context}
    return render(request, "accounts/unlock.html", context, status=status)


def unlock_with_preserved_post(request):
    """The unlock page for a form sent from a locked session, carrying what was typed."""
    return _unlock_page(
        request,
        {
            "form": UnlockForm(),
            "replay_path": request.get_full_path(),
            "replay_fields": _replay_fields(request.POST),
            "had_files": bool(request.FILES),
        },
        status=401,
    )


def _signed_out_json(error: str = "You are signed out.") -> JsonResponse:
    return JsonResponse(
        {"ok": False, "signed_out": True, "error": error, "login_url": reverse("account_login")},
        status=403,
    )


def unlock(request):
    """Give the password (and a second factor) again to carry on in an idle-locked session.

    HTML for the page (and the no-script path that keeps a posted form); JSON for the dialog.
    """
    as_json = wants_json(request)
    if not request.user.is_authenticated:
        return _signed_out_json() if as_json else redirect("account_login")
    if request.method != "POST":
        next_url = request.GET.get("next", "")
        if not idle.is_locked(request):
            return redirect(_safe_next(request, next_url))
        safe = _safe_next(request, next_url) == next_url
        return _unlock_page(request, {"form": UnlockForm(), "next": next_url if safe else ""})
    form = UnlockForm(request.POST)
    if form.is_valid():
        error = session_unlock(
            request, password=form.cleaned_data["password"], code=form.cleaned_data["code"]
        )
    else:
        error = _first_error(form)
    signed_out = not request.user.is_authenticated
    if as_json:
        if signed_out:
            return _signed_out_json(error)
        if error:
            return JsonResponse({"ok": False, "error": error, "signed_out": False}, status=400)
        return JsonResponse({"ok": True, **idle.status(request)})
    if signed_out:
        messages.error(request, error)
        return redirect("account_login")
    replay_path = request.POST.get(f"{REPLAY_PREFIX}path", "")
    replay_fields = _replayed_fields(request.POST)
    if error:
        if form.is_valid():
            form.add_error("password", error)
        return _unlock_page(
            request,
            {
                "form": form,
                "next": request.POST.get("next", ""),
                "replay_path": replay_path,
                "replay_fields": replay_fields,
            },
            status=400,
        )
    if replay_path:
        return render(
            request,
            "accounts/unlock_replay.html",
            {"replay_path": _safe_next(request, replay_path), "replay_fields": replay_fields},
        )
    return redirect(_safe_next(request, request.POST.get("next")))


@require_GET
def idle_status(request):
    """How long until the lock (does not count as activity); `needs_code` for the dialog."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_out": True, "login_url": reverse("account_login")}, status=403)
    return JsonResponse({**idle.status(request), "needs_code": has_second_factor(request.user)})


@require_POST
def idle_ping(request):
    """The page reports that its user is typing or moving: that is activity, not idleness.

    `idle_for` says how many seconds ago the last activity was (the page reports it at most
    about once a minute).
    """
    if not request.user.is_authenticated:
        return JsonResponse({"signed_out": True, "login_url": reverse("account_login")}, status=403)
    if idle.is_locked(request):
        idle.lock(request)
        return JsonResponse(idle.status(request), status=401)
    try:
        seconds_ago = float(request.POST.get("idle_for", 0))
    except ValueError:
        seconds_ago = 0.0
    if not math.isfinite(seconds_ago):
        seconds_ago = 0.0
    idle.mark_active(request, force=True, seconds_ago=seconds_ago)
    return JsonResponse(idle.status(request))


def email_change_refused(request):
    """A Bastion account's e-mail address is its identity: only the school changes it, by a new
    invitation, so a borrowed session cannot move the account to another address."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    messages.info(
        request,
        "Your e-mail address is your Bastion account. To change it, ask your school's office.",
    )
    return redirect("account_change_password")
