from typing import Any

from django.db import models


class FixedCharField(models.CharField):
    """``char(n)`` for fixed-length codes (统一社会信用代码, region and industry codes).

    Django adds a ``varchar_pattern_ops`` index beside every indexed ``varchar`` on PostgreSQL,
    for LIKE 'prefix%' queries. Nothing searches these codes by prefix, and on a registry of
    millions that second index only slows bulk loads; ``char(n)`` does not get one.
    """

    def db_type(self, connection: Any) -> str:
        if connection.vendor == "postgresql":
            return f"char({self.max_length})"
        return super().db_type(connection) or ""
