"""Password strength: an estimate of how hard a password is to guess, not just its length."""

from __future__ import annotations

import re

from django.contrib.auth.password_validation import UserAttributeSimilarityValidator
from django.core.exceptions import ValidationError
from zxcvbn import zxcvbn

PERSONAL_ATTRIBUTES = ("email", "first_name", "last_name")
# Words every Bastion password guesser would try first.
SITE_WORDS = ("bastion", "school")


def personal_words(user) -> list[str]:
    """The pieces of the user's name and e-mail address, lower-cased, long enough to matter."""
    if user is None:
        return []
    words = []
    for attribute in PERSONAL_ATTRIBUTES:
        value = str(getattr(user, attribute, "") or "").lower()
        words += [part for part in re.split(r"[\W_]+", value) if len(part) >= 3]
    return sorted(set(words), key=len, reverse=True)


class StrengthValidator:
    """Refuse passwords whose zxcvbn score is below `min_score` (0-4), or that are made of the
    user's own name or e-mail address with a few digits and symbols around it, saying why."""

    def __init__(self, min_score: int = 3):
        self.min_score = min_score

    def validate(self, password: str, user=None) -> None:
        words = personal_words(user)
        if words and self._mostly_personal(password, words, user):
            raise ValidationError(
                "This password is too like your name or e-mail address. Choose words that have "
                "nothing to do with you.",
                code="password_too_personal",
            )
        result = zxcvbn(password[:100], user_inputs=[*words, *SITE_WORDS])
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

    @staticmethod
    def _mostly_personal(password: str, words: list[str], user) -> bool:
        try:
            UserAttributeSimilarityValidator(PERSONAL_ATTRIBUTES).validate(password, user)
        except ValidationError:
            return False  # Django's own similarity check already says so, in its words.
        rest = password.lower()
        for word in words:
            rest = rest.replace(word, "")
        return len(re.sub(r"[\W\d_]+", "", rest)) < 4

    def get_help_text(self) -> str:
        return "Your password must be hard to guess: a few unrelated words together work well."
