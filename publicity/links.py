"""Links between public pages, reversed once per route and then filled by string formatting.

A results page holds a few links per row; reversing each costs more than rendering the row.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from django.urls import get_script_prefix, reverse

_SLOT = "ZZSLOTZZ"
# The characters Django's reverse() leaves unquoted in a path argument.
_SAFE = "/~:@!$&'()*+,;="


@lru_cache(maxsize=64)
def _pattern(name: str, prefix: str) -> str:
    return reverse(name, args=[_SLOT])


def link(name: str, arg: str) -> str:
    """``reverse(name, args=[arg])`` for a route with one argument, without re-resolving."""
    return _pattern(name, get_script_prefix()).replace(_SLOT, quote(str(arg), safe=_SAFE))


@lru_cache(maxsize=16)
def _plain(name: str, prefix: str) -> str:
    return reverse(name)


def plain(name: str) -> str:
    return _plain(name, get_script_prefix())
