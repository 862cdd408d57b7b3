"""Masks for an inspector's personal data (身份证号, 手机号).

Whether a person may see the real values is decided in ``inspectors.permissions``; these only
hide. A mask keeps the first and last few characters so a colleague can tell two people apart
and a clerk can check a number read out on the phone, never enough to rebuild the value.
"""

from __future__ import annotations


def mask_phone(value: str | None) -> str:
    """13812345678 -> 138****5678; anything shorter than 8 characters is hidden entirely."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def mask_id_number(value: str | None) -> str:
    """370113199001011234 -> 3701**********1234; anything shorter than 10 is hidden entirely."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"
