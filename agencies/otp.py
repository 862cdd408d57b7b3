"""Optional second factor (TOTP, django-otp) for the office and administrators.

A user with a confirmed device signs in with the password first; every page then answers with
the token step until a valid code is entered (``SecondFactorMiddleware``). Enrolment shows a QR
code (segno, as a data: image: no inline script or style) and asks for one code to confirm it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Role
from agencies.selectors import has_role

DEVICE_NAME = "totp"
# Paths a signed-in user who still owes the token may reach: the step itself, leaving, the
# public site and static files.
OPEN_PREFIXES = ("/accounts/otp/", "/accounts/logout/", "/public/", "/api/public/", "/static/", "/i18n/", "/healthz/")


def may_enrol(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or has_role(user, Role.OFFICE, Role.DEPT_ADMIN)))


def needs_token(user: Any) -> bool:
    return bool(user.is_authenticated and not user.is_verified() and user_has_device(user, confirmed=True))


class SecondFactorMiddleware:
    """After ``OTPMiddleware``: a user with a confirmed device who has not passed the token step
    gets nothing but the token step (the API answers 403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and not request.path.startswith(OPEN_PREFIXES) and needs_token(user):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("需要完成第二步验证。")}, status=403)
            return redirect(f"{reverse('otp_verify')}?next={quote(request.get_full_path())}")
        return self.get_response(request)


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("动态验证码"), regex=r"^\s*\d{6}\s*$", max_length=12,
        error_messages={"invalid": gettext_lazy("请输入验证器应用显示的 6 位数字。")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self) -> str:
        return str(self.cleaned_data["token"]).strip()


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url("home")


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user_has_device(user, confirmed=True) or user.is_verified():
        return redirect(_next(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _matching_device(user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("token", _("验证码不正确或已过期，请稍候再试。"))
    return render(request, "registration/otp_verify.html", {"form": form, "next": _next(request)})


def _matching_device(user: Any, token: str) -> TOTPDevice | None:
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        # verify_token throttles failures per device (exponential back-off in django-otp).
        allowed, _info = device.verify_is_allowed()
        if allowed and device.verify_token(token):
            return device
    return None


def _qr_data_uri(device: TOTPDevice) -> str:
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2))


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not may_enrol(user):
        raise Http404
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if confirmed is not None:
        form = TokenForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if confirmed.verify_token(form.cleaned_data["token"]):
                confirmed.delete()
                messages.info(request, _("已关闭第二步验证。"))
                return redirect("otp_setup")
            form.add_error("token", _("验证码不正确或已过期，请稍候再试。"))
        return render(request, "registration/otp_setup.html", {"confirmed": confirmed, "form": form})

    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False, name=DEVICE_NAME).first()
        if device is None or request.method == "GET" and request.GET.get("renew"):
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("第二步验证已开启：以后登录时，输入密码后还需输入验证器应用中的动态验证码。"))
            return redirect("otp_setup")
        form.add_error("token", _("验证码不正确，请确认手机时间准确后重试。"))
    return render(request, "registration/otp_setup.html", {
        "device": device, "form": form, "qr": _qr_data_uri(device), "secret": _base32(device),
    })


def _base32(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")
