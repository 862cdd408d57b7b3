from typing import Any

from django.db import models


class FixedCharField(models.CharField):
    """``char(n)`` for fixed-length codes (统一社会信用代码).

    Django adds a ``varchar_pattern_ops`` index beside every indexed ``varchar`` on PostgreSQL,
    for LIKE 'prefix%' queries. Nothing searches these codes by prefix, and on a registry of
    millions that second index only slows bulk loads; ``char(n)`` does not get one.

    Its own internal type also keeps Django 5.2's UNNEST bulk insert away from this field and
    from foreign keys to it: that path casts to ``char[]`` after stripping the length, which
    PostgreSQL reads as char(1), cutting every code to its first character.
    """

    def get_internal_type(self) -> str:
        return "FixedCharField"

    def db_type(self, connection: Any) -> str:
        if connection.vendor == "postgresql":
            return f"char({self.max_length})"
        return models.CharField(max_length=self.max_length).db_type(connection) or ""

    def rel_db_type(self, connection: Any) -> str:
        return self.db_type(connection)
