"""The commitment chain and key schedule of draft-thomson-elegy-vrs.

Why: the facilitator publishes ``H^n(secret)`` before any randomness exists and reveals
``H^(n-i)(secret)`` for draw iteration i. Anyone can hash the revealed code i times and compare
with the commitment, so the facilitator cannot pick a code after seeing the randomness, and each
draw (entities, matching, redraw) consumes the next code of the same chain.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from .errors import DrawError

HASH_LEN = 32
MIN_CHAIN_LENGTH = 32
PURPOSE_ENTITIES = "entities"
PURPOSE_INSPECTORS = "inspectors"


def _sha256_times(data: bytes, times: int) -> bytes:
    for _ in range(times):
        data = hashlib.sha256(data).digest()
    return data


def _check_length(n: int, min_length: int) -> None:
    if n < min_length:
        raise DrawError(f"a commitment chain needs at least {min_length} iterations, got {n}")


def chain_commitment(secret: bytes, n: int, *, min_length: int = MIN_CHAIN_LENGTH) -> bytes:
    """``H^n(secret)``: SHA-256 applied n times; published before the randomness.

    ``min_length`` is 32 for real tasks (DRAW.md); tests of the draft's example pass 10.
    """
    _check_length(n, min_length)
    return _sha256_times(secret, n)


def one_time_code(secret: bytes, n: int, iteration: int, *, min_length: int = MIN_CHAIN_LENGTH) -> bytes:
    """The code revealed for draw ``iteration`` (1-based): ``H^(n - iteration)(secret)``."""
    _check_length(n, min_length)
    if not 1 <= iteration <= n:
        raise DrawError(f"iteration must be within 1..{n}, got {iteration}")
    return _sha256_times(secret, n - iteration)


def verify_one_time_code(commitment: bytes, code: bytes, iteration: int, n: int) -> bool:
    """True when hashing ``code`` ``iteration`` times gives ``commitment`` (and 1 <= iteration <= n)."""
    if not 1 <= iteration <= n:
        return False
    return hmac.compare_digest(_sha256_times(code, iteration), commitment)


def prk(one_time_code: bytes, ikm: bytes) -> bytes:
    """HKDF-Extract(salt = one-time code, IKM = randomness) = HMAC-SHA256(code, ikm) (RFC 5869)."""
    return hmac.digest(one_time_code, ikm, "sha256")


def hkdf_expand(prk: bytes, info: bytes, length: int = HASH_LEN) -> bytes:
    """HKDF-Expand (RFC 5869) with SHA-256: T(i) = HMAC(PRK, T(i-1) || info || i)."""
    if not 0 < length <= 255 * HASH_LEN:
        raise DrawError(f"HKDF-Expand length out of range: {length}")
    blocks: list[bytes] = []
    previous = b""
    counter = 1
    while sum(map(len, blocks)) < length:
        previous = hmac.digest(prk, previous + info + bytes([counter]), "sha256")
        blocks.append(previous)
        counter += 1
    return b"".join(blocks)[:length]


def derive_key(prk: bytes, purpose: str) -> bytes:
    """A 32-byte key per purpose ('entities' or 'inspectors'): HKDF-Expand(PRK, purpose, 32).

    Separate keys keep the entity order values and the matching values independent.
    """
    if purpose not in (PURPOSE_ENTITIES, PURPOSE_INSPECTORS):
        raise DrawError(f"unknown key purpose: {purpose!r}")
    return hkdf_expand(prk, purpose.encode("ascii"), HASH_LEN)


def vrs_order(prk: bytes, label: str) -> bytes:
    """The draft's per-option order value: HKDF-Expand(PRK, info = label, 32).

    Equal to HMAC-SHA256(PRK, label || 0x01). Kept to reproduce the draft's example; the
    product's own order function is in ``select``.
    """
    return hkdf_expand(prk, label.encode("utf-8"), HASH_LEN)


@dataclass(frozen=True)
class DrawKeys:
    """The key schedule of one draw: PRK and the two purpose keys derived from it."""

    prk: bytes
    entities: bytes
    inspectors: bytes


def draw_keys(*, one_time_code: bytes, ikm: str | bytes) -> DrawKeys:
    """Derive PRK and the purpose keys from the revealed code and the exact IKM string."""
    ikm_bytes = ikm.encode("utf-8") if isinstance(ikm, str) else ikm
    if len(one_time_code) != HASH_LEN:
        raise DrawError("a one-time code is 32 bytes (a SHA-256 output)")
    key = prk(one_time_code, ikm_bytes)
    return DrawKeys(
        prk=key,
        entities=derive_key(key, PURPOSE_ENTITIES),
        inspectors=derive_key(key, PURPOSE_INSPECTORS),
    )
