"""Optional numpy fast paths for the engine's bulk steps; the results are the same without it.

The engine stays a plain-Python reference (standard library plus ``cryptography``): every
function here has a pure-Python twin in the module that calls it, and tests hold the two equal
(tests/inspections/test_draw_perf.py). numpy only makes a pass over two million labels or order
values take milliseconds instead of a Python step per item. ``SSJ_DRAW_NO_NUMPY=1`` turns the
fast paths off (the tests use it to run the pure-Python twins).
"""

from __future__ import annotations

import binascii
import os
from typing import Any

np: Any
try:
    import numpy as np
except ImportError:  # pragma: no cover - numpy is a dependency; the twins cover its absence
    np = None


def available() -> bool:
    return np is not None and os.environ.get("SSJ_DRAW_NO_NUMPY", "") != "1"


def packed_strictly_ascending(data: bytes, count: int) -> bool:
    """Are the ``count`` 18-byte labels of ``data`` (each followed by a newline but the last)
    strictly ascending as bytes? Each label is read as three big-endian integers (8, 8 and 2
    bytes), which compare as the bytes do."""
    if count < 2:
        return True
    rows = np.frombuffer(data + b"\n", dtype=np.dtype([("a", ">u8"), ("b", ">u8"), ("c", ">u2"), ("nl", "u1")]))
    a, b, c = rows["a"], rows["b"], rows["c"]
    less = (a[:-1] < a[1:]) | ((a[:-1] == a[1:]) & ((b[:-1] < b[1:]) | ((b[:-1] == b[1:]) & (c[:-1] < c[1:]))))
    return bool(less.all())


def indices_below(data: bytes, stride: int, threshold: int) -> list[int]:
    """Indices i whose first 8 bytes of ``data[stride*i:]``, read big-endian, are < ``threshold``."""
    heads = np.frombuffer(data, dtype=">u8")[:: stride // 8]
    if threshold >= 1 << 64:
        return list(range(len(heads)))
    return np.flatnonzero(heads < np.uint64(threshold)).tolist()  # type: ignore[no-any-return]



def uscc_blocks(data: bytes, count: int, alphabet: str, base64_alphabet: bytes) -> bytes | None:
    """The 16-byte AES inputs of ``count`` packed 18-character labels (``select.uscc_block`` of
    each, in order), or None if a character is outside ``alphabet``. The same base64 trick as
    ``select._packed_blocks`` (each character written as the base64 digit of its value, six
    zero digits after each label, decoded in C), with numpy doing the layout in bulk."""
    table = np.full(256, 255, dtype=np.uint8)
    table[np.frombuffer(alphabet.encode("ascii"), dtype=np.uint8)] = np.frombuffer(base64_alphabet[: len(alphabet)], dtype=np.uint8)
    rows = np.frombuffer(data + b"\n", dtype=np.uint8).reshape(count, 19)
    if not (rows[:, 18] == 10).all():  # a newline after every label, nowhere else
        return None
    text = np.empty((count, 24), dtype=np.uint8)
    text[:, :18] = table[rows[:, :18]]
    if (text[:, :18] == 255).any():
        return None
    text[:, 18:] = base64_alphabet[0]
    decoded = np.frombuffer(binascii.a2b_base64(text.tobytes()), dtype=np.uint8).reshape(count, 18)
    return decoded[:, :16].tobytes()
