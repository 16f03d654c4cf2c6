"""Forms of live sessions: the shape of input only; the services decide the rest."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.live.models import CODE_LENGTH, ScoringMode
from apps.live.nicknames import MAX_LENGTH as NICKNAME_MAX


def normalise_code(raw: str) -> str:
    """Join codes are case-insensitive and may be typed with spaces."""
    return "".join(str(raw).split()).upper()


class JoinForm(forms.Form):
    code = forms.CharField(
        label="Game code",
        max_length=20,
        help_text=f"The {CODE_LENGTH} letters and digits on the host's screen.",
        widget=forms.TextInput(
            attrs={
                "class": "live-code-input",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "autocorrect": "off",
                "spellcheck": "false",
                "inputmode": "text",
                "enterkeyhint": "go",
            }
        ),
    )
    nickname = forms.CharField(
        label="Nickname",
        max_length=NICKNAME_MAX + 10,  # the service normalises, then allows 2–20 characters
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "nickname", "maxlength": NICKNAME_MAX, "spellcheck": "false"}
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        nickname = self.fields["nickname"]
        if user.is_authenticated:
            nickname.label = "Nickname (optional)"
            nickname.help_text = (
                f"Leave it empty to play as {user.public_name}. 2 to 20 letters, digits, "
                "spaces, dots, dashes or underscores."
            )
        else:
            nickname.required = True
            nickname.error_messages["required"] = "Choose a nickname to play under."
            nickname.help_text = (
                "Shown to the room. 2 to 20 letters, digits, spaces, dots, dashes or underscores."
            )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if len(code) != CODE_LENGTH or not code.isascii() or not code.isalnum():
            raise forms.ValidationError(
                f"A game code has {CODE_LENGTH} letters and digits.", code="invalid"
            )
        return code


class HostForm(forms.Form):
    quiz = forms.SlugField(max_length=100)
    seconds_per_question = forms.IntegerField(
        label="Seconds per question", min_value=5, max_value=300, initial=20, required=False
    )

    scoring_mode = forms.ChoiceField(
        label="Scoring", choices=ScoringMode.choices, required=False, initial=ScoringMode.SPEED
    )

    def clean_scoring_mode(self) -> str:
        return self.cleaned_data.get("scoring_mode") or ScoringMode.SPEED

    def clean_seconds_per_question(self) -> int:
        value = self.cleaned_data.get("seconds_per_question")
        return 20 if value is None else value
