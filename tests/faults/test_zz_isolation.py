"""After the fault tests, the rest of the suite speaks to its own database and Redis again."""

import pytest
from django.conf import settings
from django.db import connections

from tests.faults.conftest import DB_NAME

pytestmark = pytest.mark.faults


def test_the_suite_gets_its_own_services_back(rig) -> None:
    assert connections.settings["default"]["NAME"] != DB_NAME
    assert connections["default"].settings_dict["NAME"] != DB_NAME
    assert rig.redis.url not in (settings.CELERY_BROKER_URL, settings.REDIS_URL)
