"""Refuse a stale session until the user unlocks it (see bastion/accounts/idle.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from bastion.accounts import idle
from bastion.core.tenancy import MFA_NEEDED, mfa_missing

# A form sent from a locked session is answered by process_view, after CsrfViewMiddleware has
# checked it: only a genuine form of ours is kept and offered to be sent again.
_PRESERVE = "_idle_preserve_post"


def wants_json(request) -> bool:
    return bool(
        request.headers.get("HX-Request")
        or request.headers.get("X-Requested-With") == "fetch"
        or "application/json" in request.headers.get("Accept", "")
    )


def is_poll(request) -> bool:
    """A page refreshing itself on a timer (htmx `every`), not a person: not activity.

    Pages mark such requests with the header X-Bastion-Poll (hx-headers on the polling element).
    """
    return bool(request.headers.get("X-Bastion-Poll"))


class IdleLockMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # These answer a locked session themselves (unlock, status, ping, sign out).
        self.exempt = (
            settings.STATIC_URL,
            "/accounts/unlock/",
            "/accounts/idle/",
            "/accounts/logout/",
        )

    def __call__(self, request):
        if request.user.is_authenticated and not request.path.startswith(self.exempt):
            if idle.is_locked(request):
                idle.lock(request)
                if request.method == "POST" and not wants_json(request):
                    setattr(request, _PRESERVE, True)
                else:
                    return self.refuse(request)
            elif not is_poll(request):
                idle.mark_active(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(request, _PRESERVE, False):
            # Ask for the password on a page that carries what was typed, so nothing is lost
            # (no script needed for this path). The view itself never runs.
            from bastion.accounts.views import unlock_with_preserved_post

            return unlock_with_preserved_post(request)
        return None

    def refuse(self, request):
        unlock = reverse("account_unlock")
        if wants_json(request):
            return JsonResponse({"locked": True, "unlock_url": unlock}, status=401)
        return redirect(f"{unlock}?{urlencode({'next': request.get_full_path()})}")


class MFAEnrolmentMiddleware:
    """Every page, in one place: a user whose role needs two-factor authentication (the
    operator, a trust admin, a school's SIRO, DPO or IT lead) reaches nothing but the account
    pages (sign-in, sign-out, setting up MFA, the password) until they have set it up."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.exempt = (settings.STATIC_URL, "/accounts/", "/sign/")

    def __call__(self, request):
        if (
            request.user.is_authenticated
            and not request.path.startswith(self.exempt)
            and mfa_missing(request)
        ):
            messages.warning(request, MFA_NEEDED)
            if wants_json(request):
                return JsonResponse({"mfa_needed": True, "url": reverse("mfa_index")}, status=403)
            return redirect("mfa_index")
        return self.get_response(request)


class NoStoreMiddleware:
    """A signed-in page is never kept by the browser: on a shared staffroom computer the back
    button after sign-out must not show the Single Central Record again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Asked before the view runs: the page that signs someone out was theirs too.
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if signed_in:
            response["Cache-Control"] = "no-store"
        return response
