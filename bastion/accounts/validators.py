"""Password strength: an estimate of how hard a password is to guess, not just its length."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from zxcvbn import zxcvbn


class StrengthValidator:
    """Refuse passwords whose zxcvbn score is below `min_score` (0-4), saying why."""

    def __init__(self, min_score: int = 3):
        self.min_score = min_score

    def validate(self, password: str, user=None) -> None:
        inputs = []
        if user is not None:
            inputs = [
                v
                for v in (
                    getattr(user, "email", ""),
                    getattr(user, "first_name", ""),
                    getattr(user, "last_name", ""),
                )
                if v
            ]
            inputs += [part for v in inputs for part in v.replace("@", " ").split()]
        result = zxcvbn(password[:100], user_inputs=[*inputs, "bastion", "school"])
        if result["score"] < self.min_score:
            feedback = result.get("feedback") or {}
            hint = feedback.get("warning") or ""
            tips = " ".join(feedback.get("suggestions") or [])
            reason = " ".join(part for part in (hint, tips) if part)
            raise ValidationError(
                "This password is too easy to guess. %(reason)s",
                code="password_too_weak",
                params={"reason": reason or "Try a few unrelated words together."},
            )

    def get_help_text(self) -> str:
        return "Your password must be hard to guess: a few unrelated words together work well."
