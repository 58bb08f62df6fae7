from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from bastion.accounts import idle
from bastion.accounts.forms import AcceptInvitationForm, UnlockForm
from bastion.accounts.middleware import wants_json
from bastion.accounts.services import (
    has_second_factor,
    invitation_accept,
    invitation_for_token,
    session_unlock,
)

REPLAY_PREFIX = "_replay__"


def _safe_next(request, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("home")


def invitation(request, token: str):
    invite = invitation_for_token(token)
    if invite is None or not invite.is_usable:
        status = invite.status if invite else "unknown"
        return render(request, "accounts/invitation_unusable.html", {"status": status}, status=410)
    existing = (
        invite.__class__._meta.apps.get_model("accounts", "User")
        .objects.filter(email__iexact=invite.email)
        .first()
    )
    form = AcceptInvitationForm(request.POST or None, invitation=invite)
    if existing is not None:
        # They already have a Bastion account: joining needs that account's sign-in.
        if not request.user.is_authenticated or request.user.pk != existing.pk:
            messages.info(request, f"Sign in as {invite.email} to join {invite.school.name}.")
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if request.method == "POST":
            invitation_accept(invitation=invite, password=None, request=request)
            messages.success(request, f"You have joined {invite.school.name}.")
            return redirect("school-home", school=invite.school.slug)
        return render(request, "accounts/invitation_join.html", {"invitation": invite})
    if request.method == "POST" and form.is_valid():
        user = invitation_accept(
            invitation=invite, password=form.cleaned_data["password1"], request=request
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
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


def unlock_with_preserved_post(request):
    """The unlock page for a form sent from a locked session, carrying what was typed."""
    form = UnlockForm()
    return render(
        request,
        "accounts/unlock.html",
        {
            "form": form,
            "needs_code": has_second_factor(request.user),
            "replay_path": request.get_full_path(),
            "replay_fields": _replay_fields(request.POST),
            "had_files": bool(request.FILES),
        },
        status=401,
    )


def unlock(request):
    if not request.user.is_authenticated:
        if wants_json(request):
            return JsonResponse(
                {"signed_out": True, "login_url": reverse("account_login")}, status=403
            )
        return redirect("account_login")
    needs_code = has_second_factor(request.user)
    if request.method != "POST":
        if not idle.is_locked(request):
            return redirect(_safe_next(request, request.GET.get("next")))
        form = UnlockForm()
        return render(
            request,
            "accounts/unlock.html",
            {"form": form, "needs_code": needs_code, "next": request.GET.get("next", "")},
        )
    form = UnlockForm(request.POST)
    error = (
        "Enter your password."
        if not form.is_valid()
        else session_unlock(
            request, password=form.cleaned_data["password"], code=form.cleaned_data["code"]
        )
    )
    signed_out = not request.user.is_authenticated
    if wants_json(request):
        if error:
            return JsonResponse({"ok": False, "error": error, "signed_out": signed_out}, status=400)
        return JsonResponse({"ok": True, **idle.status(request)})
    if signed_out:
        messages.error(request, error)
        return redirect("account_login")
    replay_path = request.POST.get(f"{REPLAY_PREFIX}path", "")
    replay_fields = [
        (key[len(REPLAY_PREFIX) + 2 :], value)
        for key in request.POST
        if key.startswith(f"{REPLAY_PREFIX}f_")
        for value in request.POST.getlist(key)
    ]
    if error:
        form.add_error("password", error)
        return render(
            request,
            "accounts/unlock.html",
            {
                "form": form,
                "needs_code": needs_code,
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
    if not request.user.is_authenticated:
        return JsonResponse({"signed_out": True}, status=403)
    return JsonResponse(idle.status(request))


@require_POST
def idle_ping(request):
    """The page reports that its user is typing or moving: that is activity, not idleness."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_out": True}, status=403)
    if idle.is_locked(request):
        idle.lock(request)
        return JsonResponse(idle.status(request), status=401)
    idle.mark_active(request, force=True)
    return JsonResponse(idle.status(request))
