from typing import Any

from django.core.checks import Error, register
from django.db import connection


@register("database", deploy=False)
def postgres_utf8_ctype(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Chinese text search needs a UTF-8 LC_CTYPE: under C, pg_trgm finds no trigrams in Chinese."""
    if connection.vendor != "postgresql" or not kwargs.get("databases"):
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
        ctype = cursor.fetchone()[0]
    if "utf" in ctype.lower().replace("-", ""):
        return []
    return [
        Error(
            f"数据库的 LC_CTYPE 为 {ctype}，不是 UTF-8：中文检索将失效。",
            hint="用 template0 以 UTF-8 区域重建数据库，例如 CREATE DATABASE ... TEMPLATE template0 "
            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'.",
            id="core.E001",
        )
    ]
