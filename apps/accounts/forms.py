from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from apps.accounts import services
from apps.accounts.errors import LoginThrottled
from apps.accounts.models import User
from apps.core import dates
from apps.core.http import client_ip


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        required=True, help_text="For password resets. Never shown to other users."
    )

    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]
        model = User
        fields = ("username", "email")

    def save(self, commit: bool = True) -> User:
        # Account creation is the service's job; the form only validates.
        raise NotImplementedError("use apps.accounts.services.user_create")


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form, refusing to check passwords once the throttle trips.

    Failed attempts count per submitted account name and per client address.
    The messages are the same whether or not the account exists.
    """

    throttled = False

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = client_ip(self.request) if self.request else "unknown"
        try:
            services.login_throttle_check(username=username, address=address)
        except LoginThrottled as exc:
            self.throttled = True
            raise forms.ValidationError(exc.message, code="throttled") from exc
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            services.login_failure_record(username=username, address=address)
            raise
        services.login_success_record(username=username)
        return cleaned


def _zone_choices() -> list[tuple[str, str]]:
    return [("", "Automatic: this browser's time zone")] + [(n, n) for n in dates.zone_names()]


class ProfileForm(forms.ModelForm):
    time_zone = forms.TypedChoiceField(
        choices=_zone_choices,
        required=False,
        empty_value="",
        help_text="Every date and time on the site is shown in this zone.",
    )

    class Meta:
        model = User
        fields = ("display_name", "email", "time_zone")
        help_texts = {"email": "Used for password resets only."}
