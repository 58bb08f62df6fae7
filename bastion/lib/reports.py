"""What an error report may show of a request: never a password, whoever forgot to mark it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter


class ExceptionReporterFilter(SafeExceptionReporterFilter):
    """Every form field named like a secret (password, passphrase, token, key) is hidden from
    error reports, as Django hides such settings, whether or not its view marked it with
    sensitive_post_parameters."""

    def get_post_parameters(self, request: HttpRequest | None) -> dict[str, Any]:
        params = super().get_post_parameters(request)
        if request is None or not self.is_active(request):
            return params
        cleansed = params.copy()
        for key in cleansed:
            if self.hidden_settings.search(key):
                cleansed[key] = self.cleansed_substitute
        return cleansed
