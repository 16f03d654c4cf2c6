from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from apps.accounts import selectors, services
from apps.accounts.forms import ProfileForm, SignUpForm, ThrottledAuthenticationForm
from apps.accounts.models import User
from apps.core import ratelimit
from apps.core.errors import ApplicationError
from apps.core.http import client_ip

SIGNUP_LIMIT = ratelimit.Limit("signup", 10, 3600)
PASSWORD_RESET_LIMIT = ratelimit.Limit("password-reset", 5, 900)


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form: ThrottledAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_invalid(form)
        response.status_code = 429 if form.throttled else 400
        return response


class PasswordResetView(auth_views.PasswordResetView):
    success_url = reverse_lazy("accounts:password_reset_done")
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        verdict = ratelimit.hit(PASSWORD_RESET_LIMIT, client_ip(request))
        if not verdict.allowed:
            form = self.get_form()
            form.is_valid()
            form.add_error(None, "Too many reset requests from your address. Try again later.")
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    status = 200
    if request.method == "POST":
        form = SignUpForm(request.POST)
        if not ratelimit.hit(SIGNUP_LIMIT, client_ip(request)).allowed:
            form.is_valid()
            form.add_error(None, "Too many sign-ups from your address. Try again later.")
            status = 429
        elif form.is_valid():
            user = services.user_create(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
            )
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.public_name}! Your account is ready.")
            target = request.GET.get("next") if _safe_next(request) else None
            return redirect(target or _first_stop())
        else:
            status = 400
    else:
        form = SignUpForm()
    return render(request, "accounts/signup.html", {"form": form}, status=status)


def _first_stop() -> str:
    """Where a new learner starts without a ``next``: the course when there is one, the
    catalog when there are several (not the profile page and its API tokens)."""
    from apps.courses.selectors import course_list_published  # accounts sit below courses

    courses = list(course_list_published()[:2])
    if len(courses) == 1:
        return courses[0].get_absolute_url()
    return str(reverse_lazy("courses:catalog"))


def _safe_next(request: HttpRequest) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.GET.get("next")
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    status = 200
    new_key = ""
    if request.method == "POST" and request.POST.get("action") in {"create_token", "revoke_token"}:
        try:
            if request.POST["action"] == "create_token":
                _, new_key = services.api_token_create(user=user, name=request.POST.get("name", ""))
            else:
                services.api_token_revoke(
                    user=user, token_id=int(request.POST.get("token", "0") or 0)
                )
                messages.success(request, "Token revoked.")
                return redirect("accounts:profile")
        except (ApplicationError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", "That token request is not valid."))
            status = 400
        form = ProfileForm(instance=user)
    elif request.method == "POST":
        form = ProfileForm(request.POST, instance=user)
        if form.is_valid():
            try:
                services.user_update_profile(
                    user=user,
                    display_name=form.cleaned_data["display_name"],
                    email=form.cleaned_data["email"],
                    time_zone=form.cleaned_data["time_zone"],
                )
            except ApplicationError as exc:
                form.add_error("time_zone", exc.message)
                status = 400
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
            else:
                messages.success(request, "Profile saved.")
                return redirect("accounts:profile")
        else:
            status = 400
    else:
        form = ProfileForm(instance=user)
    roles = sorted(user.groups.values_list("name", flat=True))
    tokens = list(selectors.api_token_list(user=user))
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "roles": roles, "tokens": tokens, "new_key": new_key},
        status=status,
    )
