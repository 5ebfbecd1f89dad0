"""The one password policy: long enough, not common or breached, not about its owner.

Every new password goes through `password_problem` — the account page, `crm create-user` and
the demo loader alike — so one rule holds everywhere (OWASP ASVS 5.0, V6.2):

- at least 12 characters, and up to 200 (anything from 128 up must be allowed; the sign-in form
  takes 200, so a longer one could never be used);
- no composition rules (a digit, a capital…): they make passwords harder to remember, not to guess;
- refused when it holds the owner's e-mail address or name, the first things an attacker tries;
- refused when it is common or breached, or built from such a password. The check is zxcvbn's
  (Dropbox's estimator, PyPI `zxcvbn`, MIT licence): it works offline against its ranked lists —
  30,000 passwords seen most often in breaches, plus English words, names and surnames from
  film, television and Wikipedia — and also sees what a list alone misses: a common password with
  digits added ("password1234"), letters swapped for look-alikes ("p@ssw0rd"), keyboard walks
  ("qwertyuiop123"), repeats, sequences and dates. A password it estimates to fall in fewer than
  10^8 guesses (its score under 3) is refused, with its reason.

zxcvbn's time grows quickly with length (its look-alike matching tries every substitution): a
random 128-character password takes seconds. Only the first `ESTIMATED_LENGTH` characters are
estimated, which bounds the time to a fraction of a second; a longer password whose beginning is
already hard to guess is harder still, and one that begins with a repeat or a common password is
refused for it.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
# zxcvbn's score: 3 is "safely unguessable" (at least 10^8 guesses), 4 is "very unguessable".
MIN_SCORE = 3
ESTIMATED_LENGTH = 32
# A name part or e-mail local part shorter than this is too likely to occur by chance
# ("al", "jo"); zxcvbn still counts it among the owner's words.
MIN_PERSONAL_LENGTH = 4

COMMON_MESSAGE = (
    "This password is too common: it is on the lists of breached passwords that attackers try "
    "first, or is one of them with a little added. Choose another — a few unrelated words work "
    "well."
)


@cache
def _estimator() -> Any:
    """zxcvbn, imported on first use: its ranked lists are built once per process."""
    from zxcvbn import zxcvbn

    return zxcvbn


def _squash(text: str) -> str:
    """Lower case, letters and digits only: "Ada.Lovelace" and "ada lovelace" are the same."""
    return re.sub(r"[\W_]+", "", text.casefold())


def _personal_words(email: str, name: str) -> list[str]:
    local = email.partition("@")[0]
    words = [email, local, name, *re.split(r"[\W_\d]+", local), *re.split(r"[\W_\d]+", name)]
    return [w for w in dict.fromkeys(w.casefold() for w in words) if w]


def _holds(squashed: str, text: str) -> bool:
    """Whether the password (squashed) is `text`, holds it whole, or holds each of its words."""
    whole = _squash(text)
    # Words of one or two letters ("A. B. Li") would turn up in too many unrelated passwords.
    words = [w for w in re.split(r"[\W_\d]+", text.casefold()) if len(w) >= 3]
    return bool(whole) and (
        whole == squashed
        or (len(whole) >= MIN_PERSONAL_LENGTH and whole in squashed)
        or (len(words) > 1 and all(w in squashed for w in words))
    )


def _personal_problem(password: str, email: str, name: str) -> str | None:
    squashed = _squash(password)
    if _holds(squashed, name):
        return "Leave your name out of your password: it is the first thing an attacker tries."
    if _holds(squashed, email.partition("@")[0]):
        return (
            "Leave your e-mail address out of your password: it is the first thing an attacker "
            "tries."
        )
    return None


def _guessable_problem(password: str, email: str, name: str) -> str | None:
    estimate = _estimator()(
        password[:ESTIMATED_LENGTH],
        user_inputs=_personal_words(email, name),
        max_length=ESTIMATED_LENGTH,
    )
    if estimate["score"] >= MIN_SCORE:
        return None
    matches = estimate["sequence"]
    if any(m.get("dictionary_name") == "passwords" for m in matches):
        return COMMON_MESSAGE
    if any(m.get("dictionary_name") == "user_inputs" for m in matches):
        return (
            "This password is too easy to guess: it is built from your name or e-mail address. "
            "Choose something unrelated to you."
        )
    feedback = estimate["feedback"]
    reasons = [feedback["warning"], *feedback["suggestions"]]
    why = " ".join(r.strip() for r in reasons if r and r.strip())
    return "This password is too easy to guess." + (f" {why}" if why else "")


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why `password` may not be used by the account with this e-mail and name, or None.

    The message says why, in words fit to show next to the field.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    return _personal_problem(password, email, name) or _guessable_problem(password, email, name)
