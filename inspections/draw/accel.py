"""Optional numpy fast paths for the engine's bulk steps; the results are the same without it.

The engine stays a plain-Python reference (standard library plus ``cryptography``): every
function here has a pure-Python twin in the module that calls it, and tests hold the two equal
(tests/inspections/test_draw_perf.py). numpy only makes a pass over two million labels or order
values take milliseconds instead of a Python step per item. ``SSJ_DRAW_NO_NUMPY=1`` turns the
fast paths off (the tests use it to run the pure-Python twins).
"""

from __future__ import annotations

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



def uscc_blocks(data: bytes, count: int, alphabet: str) -> bytes | None:
    """The 16-byte AES inputs of ``count`` packed 18-character labels (``select.uscc_block`` of
    each, in order), or None if a character is outside ``alphabet`` or a label is not 18 long.

    Each character becomes its digit value with one ``bytes.translate`` (anything outside the
    alphabet becomes 255 and is refused); numpy then writes the
    18 six-bit digits big-endian into 16 bytes (every 4 digits are 3 bytes; the last 2 digits
    take 12 bits of bytes 12 and 13; bytes 14 and 15 stay zero): the 108 label bits and 20 zero
    bits of ``uscc_block``."""
    if len(data) + 1 != 19 * count or len(alphabet) > 64:
        return None
    table = bytearray([255]) * 256  # anything else: 255, found below
    for value, letter in enumerate(alphabet.encode("ascii")):
        table[letter] = value
    table[10] = 64  # the newline after each label
    flat = np.frombuffer(data.translate(table) + b"\x40", dtype=np.uint8)
    d = flat.reshape(count, 19)
    # A newline after every label, and no other byte outside the alphabet.
    if not (d[:, 18] == 64).all() or np.count_nonzero(flat >= len(alphabet)) != count:
        return None
    out = np.zeros((count, 16), dtype=np.uint8)
    a, b, c, e = d[:, 0:16:4], d[:, 1:16:4], d[:, 2:16:4], d[:, 3:16:4]
    out[:, 0:12:3] = (a << 2) | (b >> 4)
    out[:, 1:12:3] = ((b & 15) << 4) | (c >> 2)
    out[:, 2:12:3] = ((c & 3) << 6) | e
    out[:, 12] = (d[:, 16] << 2) | (d[:, 17] >> 4)
    out[:, 13] = (d[:, 17] & 15) << 4
    return out.tobytes()  # type: ignore[no-any-return]
