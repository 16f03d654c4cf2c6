"""Forms of code labs: the shape of input only; the services decide the rest."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.labs.models import CODE_LENGTH, DEFAULT_STUCK_FAILURES, DEFAULT_STUCK_MINUTES


class JoinForm(forms.Form):
    code = forms.CharField(
        label="Lab code",
        max_length=20,
        help_text=f"The {CODE_LENGTH} letters and digits on the instructor's screen.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data["code"]).split()).upper()
        if len(code) != CODE_LENGTH or not code.isascii() or not code.isalnum():
            raise forms.ValidationError(f"A lab code has {CODE_LENGTH} letters and digits.")
        return code


class StartForm(forms.Form):
    exercises = forms.CharField(
        label="Exercises, in order",
        help_text="One exercise's slug per line (or separated by commas), in the order the "
        "room works through them.",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )
    title = forms.CharField(label="Title (optional)", max_length=200, required=False)
    stuck_minutes = forms.IntegerField(
        label="Stuck after minutes without a new passing test",
        min_value=1,
        max_value=120,
        initial=DEFAULT_STUCK_MINUTES,
    )
    stuck_failures = forms.IntegerField(
        label="… or after the same test fails this many runs in a row",
        min_value=2,
        max_value=50,
        initial=DEFAULT_STUCK_FAILURES,
    )

    classroom = forms.TypedChoiceField(
        label="For a class (optional)",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Only the class's members may join; leave empty for anyone signed in.",
    )

    def __init__(self, *args: Any, classes: list[tuple[int, str]] | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        field = self.fields["classroom"]
        field.choices = [("", "Anyone with the code"), *(classes or [])]  # type: ignore[attr-defined]
        if not classes:
            field.widget = forms.HiddenInput()

    def clean_exercises(self) -> list[str]:
        raw = self.cleaned_data["exercises"].replace(",", "\n")
        return [line.strip() for line in raw.splitlines() if line.strip()]
