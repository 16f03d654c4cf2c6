"""Guest nicknames: readable, not offensive, unique within a session.

Rules: 2–20 characters after Unicode NFKC normalisation and whitespace collapsing;
letters (any script), digits, spaces and ``_ - .``; no control or invisible
characters; not made of digits alone. A small blocklist is matched after folding
case, accents, look-alike digits (``0→o 1→i 3→e 4→a 5→s 7→t @→a $→s``) and
separators, so ``B.4.d-W0rd`` is caught like ``badword``. Duplicates get `` 2``,
`` 3`` … appended.
"""

from __future__ import annotations

import re
import unicodedata

from apps.live.errors import BadNickname

MIN_LENGTH, MAX_LENGTH = 2, 20
_ALLOWED = re.compile(r"^[\w .\-]+$", re.UNICODE)
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
# Kept short and generic on purpose; operators extend it with LIVE_EXTRA_BLOCKED_WORDS.
BLOCKED = (
    "fuck", "shit", "cunt", "bitch", "asshole", "bastard", "dick", "cock", "pussy",
    "slut", "whore", "nigger", "nigga", "faggot", "fag", "retard", "rape", "nazi",
    "hitler", "wank", "twat", "spic", "kike", "chink", "tranny",
)  # fmt: skip


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LEET))
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z]", "", letters.translate(_LEET))


def is_offensive(text: str, extra: tuple[str, ...] = ()) -> bool:
    folded = _folded(text)
    squeezed = re.sub(r"(.)\1+", r"\1", folded)  # "fuuuck" → "fuck"
    return any(word in folded or word in squeezed for word in (*BLOCKED, *extra))


def clean_nickname(raw: object, extra_blocked: tuple[str, ...] = ()) -> str:
    if not isinstance(raw, str):
        raise BadNickname("Choose a nickname.")
    text = unicodedata.normalize("NFKC", raw)
    if any(unicodedata.category(c) in {"Cc", "Cf", "Co", "Cs"} for c in text):
        raise BadNickname("Nicknames cannot contain control or invisible characters.")
    text = re.sub(r"\s+", " ", text).strip()
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH:
        raise BadNickname(f"Nicknames are {MIN_LENGTH} to {MAX_LENGTH} characters long.")
    if not _ALLOWED.match(text) or ("_" in text and not text.replace("_", "")):
        raise BadNickname("Use letters, digits, spaces, dots, dashes and underscores only.")
    if text.replace(" ", "").isdigit():
        raise BadNickname("A nickname needs at least one letter.")
    if is_offensive(text, extra_blocked):
        raise BadNickname("Please choose another nickname.")
    return text


def unique_nickname(wanted: str, taken: set[str]) -> str:
    """``wanted``, or ``wanted 2``, ``wanted 3``… (trimmed to fit) if it is taken."""
    folded_taken = {name.casefold() for name in taken}
    if wanted.casefold() not in folded_taken:
        return wanted
    n = 2
    while True:
        suffix = f" {n}"
        candidate = wanted[: MAX_LENGTH - len(suffix)].rstrip() + suffix
        if candidate.casefold() not in folded_taken:
            return candidate
        n += 1
