import uuid

import pytest


@pytest.fixture(autouse=True)
def _public_isolation(settings):
    """Each test gets its own cache namespace (pages, version, rate counters): tests roll the
    database back, the cache does not, and several test runs may share one Redis."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.PUBLIC_RATE_LIMIT = "100000/min"
    default = dict(settings.CACHES["default"])
    default["KEY_PREFIX"] = f"pubtest-{uuid.uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "default": default}
