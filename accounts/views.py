from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.addresses import client_address
from accounts.forms import AccountSettingsForm, SignUpForm
from accounts.selectors import login_retry_after
from config.types import AuthedRequest


def _after_login_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _too_many_attempts_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed attempts. Try again in {minutes} {unit}."


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_after_login_url(request))
    context: dict[str, object] = {"next": request.POST.get("next") or request.GET.get("next", "")}
    if request.method != "POST":
        context["form"] = AuthenticationForm(request)
        return render(request, "accounts/login.html", context)

    username = request.POST.get("username", "")
    address = client_address(request, trusted_proxy_count=settings.TRUSTED_PROXY_COUNT)
    retry_after = login_retry_after(username=username, address=address)
    if retry_after is not None:
        # Refused before the password is checked, so a locked account cannot be probed.
        context["form"] = AuthenticationForm(request, initial={"username": username})
        context["refusal"] = _too_many_attempts_message(retry_after)
        response = render(request, "accounts/login.html", context, status=429)
        response["Retry-After"] = str(retry_after)
        return response

    form = AuthenticationForm(request, data=request.POST)
    if form.is_valid():
        services.clear_login_failures(username=username)
        login(request, form.get_user())
        return redirect(_after_login_url(request))
    if username.strip() and request.POST.get("password"):
        services.record_login_failure(username=username, address=address)
    context["form"] = form
    return render(request, "accounts/login.html", context, status=422)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if not settings.SIGNUP_ENABLED:
        return render(request, "accounts/signup_closed.html", status=404)
    if request.user.is_authenticated:
        return redirect("flashcards:deck_list")
    if request.method != "POST":
        return render(request, "accounts/signup.html", {"form": SignUpForm()})
    form = SignUpForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/signup.html", {"form": form}, status=422)
    user = services.sign_up(
        username=form.cleaned_data["username"],
        password=form.cleaned_data["password1"],
        email=form.cleaned_data.get("email") or "",
        timezone_name=form.cleaned_data["timezone"],
    )
    login(request, user, backend="accounts.backends.AccountBackend")
    messages.success(request, f"Welcome to {settings.SITE_NAME}, {user.username}.")
    return redirect("flashcards:deck_list")


@require_http_methods(["GET", "POST"])
@login_required
def account_settings(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if request.method != "POST":
        form = AccountSettingsForm(
            initial={
                "timezone": user.timezone,
                "day_starts_at_hour": user.day_starts_at_hour,
                "email": user.email,
            }
        )
        return render(request, "accounts/settings.html", {"form": form})
    form = AccountSettingsForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/settings.html", {"form": form}, status=422)
    services.update_account_settings(
        user=user,
        email=form.cleaned_data["email"],
        timezone_name=form.cleaned_data["timezone"],
        day_starts_at_hour=form.cleaned_data["day_starts_at_hour"],
    )
    messages.success(request, "Settings saved.")
    return redirect("accounts:settings")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
@login_required
def password_change(request: AuthedRequest) -> HttpResponse:
    if request.method != "POST":
        form = PasswordChangeForm(request.user)
        return render(request, "accounts/password_change.html", {"form": form})
    form = PasswordChangeForm(request.user, request.POST)
    if not form.is_valid():
        return render(request, "accounts/password_change.html", {"form": form}, status=422)
    form.save()
    update_session_auth_hash(request, form.user)  # stay logged in on this device
    messages.success(request, "Password changed.")
    return redirect("accounts:settings")


@require_POST
@login_required
def rotate_api_key(request: AuthedRequest) -> HttpResponse:
    services.rotate_api_key(user=request.user)
    messages.success(request, "New API key made. The old key no longer works.")
    return redirect(reverse("accounts:settings") + "#api-key")
