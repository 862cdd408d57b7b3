"""Canonical labels and the byte encodings that every hash of a draw is computed over.

Why: a draw is re-derived by outsiders, in other languages, years later. Every byte that enters
a hash therefore has one written definition (docs/draw-spec.md, sections 2 to 4), and every
composite input is length-prefixed so that "A" + "BC" and "AB" + "C" never hash alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from .errors import DrawError, LabelError

USCC_LENGTH = 18
USCC_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_USCC_RE = re.compile(r"[0-9A-Z]{18}")
_USCC_BYTES = USCC_ALPHABET.encode("ascii")
# Only ASCII letters are upper-cased: str.upper() would also turn "ß" into "SS" and so make two
# different inputs canonical in ways that no other implementation would reproduce.
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_HEX_RE = re.compile(r"[0-9a-fA-F]+")
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc, exactly

LENGTH_PREFIX_BYTES = 8


def canonical_uscc(raw: str) -> str:
    """Return the canonical 统一社会信用代码: stripped, ASCII upper-case, 18 chars of [0-9A-Z].

    Raises ``LabelError`` for anything else, so that a malformed code never enters a frame
    (it would hash differently on another machine that cleans it differently).
    """
    label = raw.strip().translate(_ASCII_UPPER)
    if not _USCC_RE.fullmatch(label):
        raise LabelError(f"not a 统一社会信用代码 (18 characters of 0-9, A-Z): {raw!r}")
    return label


def canonical_license(raw: str) -> str:
    """Return the canonical 执法证号: Unicode NFC, then stripped; never empty.

    NFC because the same number typed on two systems may arrive composed or decomposed.
    """
    label = unicodedata.normalize("NFC", raw).strip()
    if not label:
        raise LabelError("an empty 执法证号")
    if _CONTROL_RE.search(label):
        raise LabelError(f"a 执法证号 with control characters: {raw!r}")
    return label


def are_canonical_usccs(labels: Sequence[str]) -> bool:
    """True when every label is already a canonical USCC (one C-level regex over all of them).

    Why: a city frame has millions of labels; checking them one by one in Python costs more
    than the draw itself, while the database already returns them canonical.
    """
    if not labels:
        return True
    if set(map(len, labels)) != {USCC_LENGTH}:
        return False
    # Every character must be one of 0-9, A-Z: deleting those leaves nothing (non-ASCII text
    # becomes "?" first, which is not deleted).
    return not "".join(labels).encode("ascii", errors="replace").translate(None, _USCC_BYTES)


def is_canonical_license(label: str) -> bool:
    """True when ``label`` equals its own canonical form."""
    try:
        return canonical_license(label) == label
    except LabelError:
        return False


def is_strictly_ascending(labels: Sequence[str]) -> bool:
    """True when labels are unique and in ascending code point order (= UTF-8 byte order)."""
    return all(map(str.__lt__, labels, labels[1:])) if len(labels) > 1 else True


def lp(data: bytes) -> bytes:
    """Length-prefix ``data``: 8-byte big-endian length, then the bytes."""
    return len(data).to_bytes(LENGTH_PREFIX_BYTES, "big") + data


def atom(value: str | bytes | int) -> bytes:
    """Encode one field: text as UTF-8, a non-negative integer in decimal ASCII, bytes as is."""
    if isinstance(value, bool):
        raise DrawError("booleans have no canonical encoding here; use an integer")
    if isinstance(value, int):
        if value < 0:
            raise DrawError(f"negative integer in a canonical encoding: {value}")
        return str(value).encode("ascii")
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes):
        return value
    raise DrawError(f"no canonical encoding for {type(value).__name__}")


def encode_parts(*parts: str | bytes | int) -> bytes:
    """Concatenate length-prefixed fields: ``lp(atom(p1)) || lp(atom(p2)) || ...``."""
    chunks: list[bytes] = []
    for part in parts:
        data = part.encode("utf-8") if type(part) is str else atom(part)
        chunks += (len(data).to_bytes(LENGTH_PREFIX_BYTES, "big"), data)
    return b"".join(chunks)


def encode_rfc3797_source(numbers: Iterable[int]) -> str:
    """RFC 3797 section 4 for one source: ascending, each number "N.", then "/"."""
    values = list(numbers)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DrawError(f"RFC 3797 encodes non-negative integers only, got {value!r}")
    return "".join(f"{value}." for value in sorted(values)) + "/"


def encode_rfc3797(sources: list[list[int]]) -> str:
    """RFC 3797 section 4: each source encoded on its own, concatenated in announced order."""
    return "".join(encode_rfc3797_source(source) for source in sources)


def encode_source_value(value: Sequence[int] | str) -> str:
    """Encode one randomness source value for the IKM.

    A list of integers (lottery numbers, numbers drawn at a ceremony) uses RFC 3797 section 4.
    A string must be hexadecimal (a beacon round's output value, a hash or bytes of server
    entropy): it is written in lower case and followed by "/". Hex never contains "." or "/",
    so the concatenation of encodings stays unambiguous.
    """
    if isinstance(value, str):
        if not _HEX_RE.fullmatch(value):
            raise DrawError(f"a text source value must be hexadecimal: {value!r}")
        return value.lower() + "/"
    return encode_rfc3797_source(value)


def encode_ikm(values: Iterable[Sequence[int] | str]) -> str:
    """The exact IKM string: each source's encoding, concatenated in announced order."""
    return "".join(encode_source_value(value) for value in values)
