"""Refuse a stale session until the user unlocks it (see bastion/accounts/idle.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from bastion.accounts import idle


def wants_json(request) -> bool:
    return bool(
        request.headers.get("HX-Request")
        or request.headers.get("X-Requested-With") == "fetch"
        or "application/json" in request.headers.get("Accept", "")
    )


class IdleLockMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.exempt = (
            settings.STATIC_URL,
            "/accounts/unlock/",
            "/accounts/idle/",
            "/accounts/logout/",
        )

    def __call__(self, request):
        if request.user.is_authenticated:
            exempt = request.path.startswith(self.exempt)
            if idle.is_locked(request):
                idle.lock(request)
                if not exempt:
                    return self.refuse(request)
            elif not exempt:
                idle.mark_active(request)
        return self.get_response(request)

    def refuse(self, request):
        unlock = reverse("account_unlock")
        if wants_json(request):
            return JsonResponse({"locked": True, "unlock_url": unlock}, status=401)
        if request.method == "POST":
            # A form sent from a locked session: ask for the password on a page that carries
            # what was typed, so nothing is lost (no script needed for this path).
            from bastion.accounts.views import unlock_with_preserved_post

            return unlock_with_preserved_post(request)
        return redirect(f"{unlock}?{urlencode({'next': request.get_full_path()})}")
