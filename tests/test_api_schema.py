"""Schemathesis in-process against the WSGI app (issue 9, item 2; the full run with 100 examples per
operation as every demo role is ``scripts/fuzz_api.sh``): every operation of /api/schema/, a few
examples each, anonymously and as staff of a department; no answer may be a 5xx and every answer must
match the schema."""

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application
from inspections.services import task_publish
from tests.inspections.factories import item, make_task

pytestmark = pytest.mark.django_db


# Loaded at collection: drf-spectacular builds the schema without touching the database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI app is called directly, not through the test client: like the client, keep Django
    from closing the test's database connection (and its transaction) at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _headers(role, cast, client, settings) -> dict[str, str]:
    settings.PUBLIC_RATE_LIMIT = ""
    item(cast.dept_a, "A-1", "食品经营的检查")
    task_publish(task=make_task(user=cast.alice, department=cast.dept_a), user=cast.alice)
    csrf = _get_new_csrf_string()
    cookie = f"{django_settings.CSRF_COOKIE_NAME}={csrf}"
    if role == "staff":
        client.force_login(cast.alice)
        cookie += f"; {django_settings.SESSION_COOKIE_NAME}={client.cookies[django_settings.SESSION_COOKIE_NAME].value}"
    return {"Cookie": cookie, "X-CSRFToken": csrf}


@pytest.fixture
def anonymous_headers(cast, client, settings) -> dict[str, str]:
    return _headers("anonymous", cast, client, settings)


@pytest.fixture
def staff_headers(cast, client, settings) -> dict[str, str]:
    return _headers("staff", cast, client, settings)


FUZZ = settings(max_examples=5, deadline=None, phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck))
CHECKS = [not_a_server_error, response_schema_conformance]


@schema.parametrize()
@FUZZ
def test_anonymous_no_server_error_and_answers_match_the_schema(case, anonymous_headers) -> None:
    case.call_and_validate(headers=anonymous_headers, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_staff_no_server_error_and_answers_match_the_schema(case, staff_headers) -> None:
    case.call_and_validate(headers=staff_headers, checks=CHECKS)
