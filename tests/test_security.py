"""Security settings, proved by behaviour: throttled logins, password rules, sessions that end,
secure cookies in production, and the optional second factor (TOTP) for office and admins."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Role
from tests.factories import DepartmentFactory, person

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Kx7#pLm2qRt9"

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(db):  # type: ignore[no-untyped-def]
    user = person("lxb_he", DepartmentFactory(code="LXB", name="联席办"), Role.OFFICE)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def clerk(db):  # type: ignore[no-untyped-def]
    user = person("clerk", DepartmentFactory(code="C", name="丙局"), Role.STAFF)
    user.set_password(PASSWORD)
    user.save()
    return user


def login(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7")


# --- Login throttling (django-axes) -----------------------------------------------------------
def test_five_failed_logins_lock_the_account_even_against_the_right_password(client, clerk, settings) -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = login(client, "clerk", "wrong-password")
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    locked = login(client, "clerk", "wrong-password")
    assert locked.status_code == 429 and "账号已被暂时锁定" in locked.content.decode()
    again = login(client, "clerk")  # the right password no longer helps
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_count(client, clerk) -> None:
    for _ in range(4):
        login(client, "clerk", "wrong-password")
    assert login(client, "clerk").status_code == 302
    client.logout()
    for _ in range(4):
        assert login(client, "clerk", "wrong-password").status_code == 200
    assert login(client, "clerk").status_code == 302


# --- Password rules -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Ab3#xyz", "password_too_short"),  # 7 characters: the house rule is 10
        ("Ab3#xyzQ9", "password_too_short"),  # 9
        ("password123", "password_too_common"),
        ("1234509876", "password_entirely_numeric"),
        ("wangxiaoming2", "password_too_similar"),
    ],
)
def test_weak_passwords_are_refused(clerk, password: str, code: str) -> None:
    clerk.username = "wangxiaoming"
    with pytest.raises(ValidationError) as caught:
        validate_password(password, user=clerk)
    assert code in {e.code for e in caught.value.error_list}


def test_a_good_password_passes(clerk) -> None:
    validate_password("Hu4!river-bend", user=clerk)


# --- Sessions -------------------------------------------------------------------------------
def test_sessions_last_a_working_day_and_end_with_the_browser(client, clerk, settings) -> None:
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert login(client, "clerk").status_code == 302
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"] and not cookie["expires"]  # a browser-session cookie
    assert cookie["httponly"]
    assert client.session.get_expire_at_browser_close()
    session = Session.objects.get(session_key=cookie.value)
    lifetime = session.expire_date - timezone.now()
    assert timedelta(hours=7, minutes=59) < lifetime <= timedelta(hours=8)


def test_an_expired_session_is_sent_back_to_the_login(client, clerk) -> None:
    login(client, "clerk")
    assert client.get("/workspace/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/workspace/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_production_cookies_are_secure_and_http_only() -> None:
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "ssj.example.gov.cn"}
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.SESSION_COOKIE_AGE)"
    )
    proc = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].split() == ["True", "True", "True", "True", "True", "True", "28800"]


# --- Second factor --------------------------------------------------------------------------
def confirmed_device(user) -> TOTPDevice:  # type: ignore[no-untyped-def]
    return TOTPDevice.objects.create(user=user, name="totp", confirmed=True)


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def test_without_a_device_the_password_is_enough(client, officer) -> None:
    assert login(client, "lxb_he").status_code == 302
    landing = client.get("/office/", follow=True)  # the office lands on its live dashboard
    assert landing.status_code == 200 and landing.redirect_chain == [("/oversight/", 302)]


def test_with_a_confirmed_device_the_token_step_follows_the_password(client, officer) -> None:
    device = confirmed_device(officer)
    response = login(client, "lxb_he")
    assert response.status_code == 302
    # Every staff page (and the API) now answers with the token step, nothing else.
    page = client.get("/office/")
    assert page.status_code == 302 and page["Location"] == "/accounts/otp/?next=/office/"
    assert client.get("/api/me/").status_code == 403
    assert client.get("/public/").status_code == 200  # the public site stays open
    form = client.get("/accounts/otp/?next=/office/")
    assert form.status_code == 200 and "动态验证码" in form.content.decode()

    wrong = client.post("/accounts/otp/", {"token": "000000" if code_for(device) != "000000" else "111111", "next": "/office/"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    assert client.get("/office/").status_code == 302

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    ok = client.post("/accounts/otp/", {"token": code_for(device), "next": "/office/"})
    assert ok.status_code == 302 and ok["Location"] == "/office/"
    landing = client.get("/office/", follow=True)  # the office lands on its live dashboard
    assert landing.status_code == 200 and landing.redirect_chain == [("/oversight/", 302)]
    assert client.get("/api/me/").status_code == 200


def test_the_token_step_does_not_redirect_off_site(client, officer) -> None:
    device = confirmed_device(officer)
    login(client, "lxb_he")
    response = client.post("/accounts/otp/", {"token": code_for(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_repeated_wrong_tokens_are_throttled(client, officer) -> None:
    device = confirmed_device(officer)
    login(client, "lxb_he")
    right = code_for(device)
    wrong = "000000" if right != "000000" else "111111"
    client.post("/accounts/otp/", {"token": wrong})
    client.post("/accounts/otp/", {"token": wrong})
    # After failures django-otp makes the device wait (1 s, 2 s, 4 s ...): even the right code is refused now.
    refused = client.post("/accounts/otp/", {"token": right})
    assert refused.status_code == 200
    assert client.get("/office/").status_code == 302


def test_enrolment_shows_a_qr_code_and_a_code_confirms_it(client, officer) -> None:
    login(client, "lxb_he")
    page = client.get("/accounts/otp/setup/")
    body = page.content.decode()
    assert page.status_code == 200 and 'src="data:image/svg+xml' in body
    device = TOTPDevice.objects.get(user=officer)
    assert not device.confirmed
    assert client.post("/accounts/otp/setup/", {"token": "12345"}).status_code == 200  # not 6 digits
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    done = client.post("/accounts/otp/setup/", {"token": code_for(device)})
    assert done.status_code == 302
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    # Next login: password, then the token.
    client.logout()
    login(client, "lxb_he")
    assert client.get("/office/")["Location"].startswith("/accounts/otp/")
    time.sleep(0)  # (the same code may not be used twice: django-otp remembers the last one)
    page = client.post("/accounts/otp/", {"token": code_for(device, offset=1), "next": "/office/"})
    assert page.status_code == 302 and page["Location"] == "/office/"


def test_enrolment_is_for_office_and_admins_only(client, clerk, officer) -> None:
    client.force_login(clerk)
    assert client.get("/accounts/otp/setup/").status_code == 404
    assert not TOTPDevice.objects.exists()
    admin = person("dept_admin", DepartmentFactory(code="D"), Role.DEPT_ADMIN)
    client.force_login(admin)
    assert client.get("/accounts/otp/setup/").status_code == 200


# --- Secret rotation (docs/operations.md) ------------------------------------------------------
def test_rotating_the_secret_key_with_a_fallback_keeps_people_signed_in(client, clerk, officer, settings) -> None:
    from django.test import Client

    old = settings.SECRET_KEY
    assert login(client, "clerk").status_code == 302
    away = Client()
    assert login(away, "lxb_he").status_code == 302
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "n" * 60, [old]
    # Someone active during the fallback window stays signed in (their session moves to the new key) ...
    assert client.get("/workspace/").status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    assert client.get("/workspace/").status_code == 200
    # ... someone who was away until the fallback was removed signs in again.
    response = away.get("/office/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
