"""Per-label order values and the lowest-``quota`` selection of each stratum.

Why AES: a city frame has about 2 million labels and the whole draw (database fetch included)
must take under 1.5 s. HMAC-SHA256 in Python costs about 3.5 µs a label (7 s). ssj-draw/1
instead packs each USCC injectively into one 16-byte block and encrypts all blocks with one
AES-128-ECB call: a keyed permutation over distinct inputs gives distinct outputs, so the
ranking of a stratum is a uniform permutation unless AES itself can be told apart from one
(docs/draw-spec.md section 9). A browser recomputes one value with WebCrypto's AES-CBC, zero
IV, over the one block, keeping the first 16 bytes of the output.

No library generator is used anywhere: every value is a keyed function of (key, label).
"""

from __future__ import annotations

import binascii
import hmac
import sys
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress
from math import isqrt

from . import accel
from .commitment import draw_keys
from .encoding import USCC_ALPHABET, USCC_LENGTH
from .errors import DrawError, LabelError, MissingDependencyError
from .frame import Frame, PackedLabels
from .version import ALGORITHM, ALGORITHM_HMAC

AES_KEY_BYTES = 16
BLOCK_BYTES = 16
_PAD_BITS = 128 - 6 * USCC_LENGTH  # 20 zero bits after the 18 six-bit digits
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Bulk packing, all in C: each label is followed by 6 padding characters and the text is decoded
# as base64, so each USCC character becomes its 6-bit digit value. 18 + 6 = 24 characters decode
# to 18 bytes: the 16-byte block (108 label bits, 20 zero bits) and a 0xFFFF marker that
# bytes.replace then removes. The marker cannot occur anywhere else: 16 consecutive one bits
# would contain a whole 6-bit digit equal to 63, and digits are below 36; the byte before each
# marker is zero and the byte after it (a record's first) is at most 0x8F.
_PAD = "...-__"  # decodes to 0, 0, 0, 15, 63, 63: bits 108..127 zero, 128..143 one
_TO_BASE64 = bytes.maketrans(USCC_ALPHABET.encode("ascii") + b".-_", _B64_ALPHABET[:36] + b"AP/")
_MARKER = b"\xff\xff"
_ALLOWED = (USCC_ALPHABET + ".-_").encode("ascii")
_PAD_BYTES = _PAD.encode("ascii")


def uscc_block(label: str) -> bytes:
    """The 16-byte AES input of a USCC (reference version, one label).

    Each of the 18 characters is replaced by its base-36 digit value (0-9 -> 0..9, A-Z ->
    10..35) written in 6 bits; the 108 bits are followed by 20 zero bits, big-endian. This is
    injective on canonical USCCs, so no two labels of a frame share a block.
    """
    if len(label) != USCC_LENGTH or any(ch not in USCC_ALPHABET for ch in label):
        raise LabelError(f"ssj-draw/1 orders canonical USCCs only: {label!r}")
    value = 0
    for ch in label:
        value = value * 64 + USCC_ALPHABET.index(ch)
    return (value << _PAD_BITS).to_bytes(BLOCK_BYTES, "big")


def _packed_blocks(labels: Sequence[str]) -> bytes:
    """All labels' blocks, 16 bytes each in label order (block i = ``uscc_block(labels[i])``).

    A handful of C-level passes (join, translate, base64 decode, replace) instead of 2 million
    Python steps. Refuses anything but canonical USCCs: other text would shift the records.
    """
    if not labels:
        return b""
    if isinstance(labels, PackedLabels):
        if accel.available():
            blocks = accel.uscc_blocks(labels.data, len(labels), USCC_ALPHABET)
            if blocks is None:
                raise LabelError("ssj-draw/1 orders canonical USCCs only (18 characters of 0-9, A-Z)")
            return blocks
        packed = labels.joined(_PAD_BYTES) + _PAD_BYTES
        return _decode_packed(packed, len(labels))
    if set(map(len, labels)) - {USCC_LENGTH}:
        raise LabelError("ssj-draw/1 orders canonical USCCs only (18 characters of 0-9, A-Z)")
    text = (_PAD.join(labels) + _PAD).encode("ascii", errors="replace")
    return _decode_packed(text, len(labels))


def _decode_packed(text: bytes, n: int) -> bytes:
    """The blocks of ``n`` labels from their text with ``_PAD`` after each (see above)."""
    # Only label characters and padding, and the padding only where we put it.
    pads = (text.count(b"."), text.count(b"-"), text.count(b"_"))
    if text.translate(None, _ALLOWED) or pads != (3 * n, n, 2 * n):
        raise LabelError("ssj-draw/1 orders canonical USCCs only (18 characters of 0-9, A-Z)")
    blocks = binascii.a2b_base64(text.translate(_TO_BASE64)).replace(_MARKER, b"")
    if len(blocks) != BLOCK_BYTES * n:  # pragma: no cover - guaranteed by the argument above
        raise DrawError("USCC packing went wrong")
    return blocks


def _aes_ecb(key16: bytes, data: bytes) -> bytes:
    """Encrypt independent 16-byte blocks with AES-128 (the order function of ssj-draw/1)."""
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError(
            "ssj-draw/1 computes order values with AES-128 and needs the 'cryptography' "
            "package, which is not installed: add cryptography to the project's dependencies"
        ) from exc
    if len(key16) != AES_KEY_BYTES:
        raise DrawError("an AES-128 key is 16 bytes")
    # ECB is right here: each block is one label's own input, encrypted once as a keyed
    # permutation (a PRP), never a message. WebCrypto's AES-CBC with a zero IV over a single
    # block computes the same value.
    encryptor = Cipher(algorithms.AES(key16), modes.ECB()).encryptor()  # noqa: S305
    return encryptor.update(data) + encryptor.finalize()


def aes_key(key_entities: bytes) -> bytes:
    """The AES-128 key: the first 16 bytes of the 'entities' key (= HKDF-Expand(PRK, 'entities', 16))."""
    return key_entities[:AES_KEY_BYTES]


def order_values_aes(key16: bytes, labels: Sequence[str]) -> list[bytes]:
    """Every label's 16-byte order value AES-128_key(uscc_block(label)), in label order."""
    if not labels:
        return []
    data = _aes_ecb(key16, _packed_blocks(labels))
    return [data[i : i + BLOCK_BYTES] for i in range(0, len(data), BLOCK_BYTES)]


def order_values_hmac(key: bytes, labels: Sequence[str]) -> list[bytes]:
    """Reference order values (ssj-draw/1-hmac): HMAC-SHA256(key, UTF-8 label), 32 bytes."""
    return [hmac.digest(key, label.encode("utf-8"), "sha256") for label in labels]


def order_value(algorithm: str, key_entities: bytes, label: str) -> bytes:
    """One label's order value under ``algorithm`` (for verifying a single published label)."""
    if algorithm == ALGORITHM:
        return _aes_ecb(aes_key(key_entities), uscc_block(label))
    if algorithm == ALGORITHM_HMAC:
        return order_values_hmac(key_entities, [label])[0]
    raise DrawError(f"unknown algorithm {algorithm!r}")


def _lowest(
    data: bytes, *, stride: int, width: int, labels: Sequence[str], k: int
) -> list[tuple[bytes, str]]:
    """The ``k`` smallest values of fixed-stride ``data`` with their labels, ascending.

    Exact, and fast for any k: values are uniform, so a threshold on the first 8 bytes that
    keeps about k + 10 sqrt(k) + 64 candidates keeps all of the k smallest (whatever passes is
    sorted in full; if fewer than k pass, every value is sorted). The threshold changes the
    cost, never the result.
    """
    n = len(labels)
    if k <= 0 or n == 0:
        return []
    keep = k + 10 * isqrt(k) + 64
    threshold = (keep << 64) // n if keep < n else 1 << 64
    if accel.available():
        candidates: Sequence[int] = accel.indices_below(data, stride, threshold)
        if len(candidates) < k:
            candidates = range(n)
        return sorted((data[stride * i : stride * i + width], labels[i]) for i in candidates)[:k]
    heads = array("Q")
    if heads.itemsize != 8:  # pragma: no cover - every supported platform has 8-byte 'Q'
        raise DrawError("this platform lacks 64-bit unsigned arrays")
    heads.frombytes(data)
    if sys.byteorder == "little":
        heads.byteswap()
    heads = heads[:: stride // 8]
    candidates = list(compress(range(n), map(threshold.__gt__, heads)))
    if len(candidates) < k:
        candidates = range(n)
    ranked = sorted((data[stride * i : stride * i + width], labels[i]) for i in candidates)
    return ranked[:k]


def lowest_aes(key16: bytes, labels: Sequence[str], k: int) -> list[tuple[bytes, str]]:
    """The k labels with the lowest AES order values, as (order value, label), ascending."""
    if not labels or k <= 0:
        return []
    data = _aes_ecb(key16, _packed_blocks(labels))
    return _lowest(data, stride=BLOCK_BYTES, width=BLOCK_BYTES, labels=labels, k=k)


def lowest_hmac(key: bytes, labels: Sequence[str], k: int) -> list[tuple[bytes, str]]:
    """The k labels with the lowest HMAC order values; equal values (never seen) by label."""
    if not labels or k <= 0:
        return []
    data = b"".join(order_values_hmac(key, labels))
    return _lowest(data, stride=32, width=32, labels=labels, k=k)


def lowest_function(
    algorithm: str, key_entities: bytes
) -> Callable[[Sequence[str], int], list[tuple[bytes, str]]]:
    """The top-k function of ``algorithm``, bound to the draw's 'entities' key."""
    if algorithm == ALGORITHM:
        key16 = aes_key(key_entities)
        return lambda labels, k: lowest_aes(key16, labels, k)
    if algorithm == ALGORITHM_HMAC:
        return lambda labels, k: lowest_hmac(key_entities, labels, k)
    raise DrawError(f"unknown algorithm {algorithm!r}")


@dataclass(frozen=True)
class Selected:
    """One selected label with its stratum and order value (per-item evidence)."""

    label: str
    stratum: str
    order_hex: str


@dataclass(frozen=True)
class Selection:
    """The result of an entity draw: per stratum (frame order), labels by ascending order."""

    frame_hash_hex: str
    algorithm: str
    selected: tuple[Selected, ...]

    def labels(self) -> list[str]:
        return [item.label for item in self.selected]

    def by_stratum(self) -> dict[str, list[Selected]]:
        grouped: dict[str, list[Selected]] = {}
        for item in self.selected:
            grouped.setdefault(item.stratum, []).append(item)
        return grouped


def run_entity_draw(frame: Frame, *, one_time_code: bytes, ikm: str | bytes) -> Selection:
    """Select each stratum's ``quota`` labels with the lowest order values.

    ``ikm`` is the exact IKM string (``encoding.encode_ikm``) and ``one_time_code`` the code
    revealed for this draw's iteration. Same frame, code and IKM give the same selection on any
    machine.
    """
    keys = draw_keys(one_time_code=one_time_code, ikm=ikm)
    lowest = lowest_function(frame.algorithm, keys.entities)
    selected: list[Selected] = []
    for stratum in frame.strata:
        for value, label in lowest(stratum.labels, stratum.quota):
            selected.append(Selected(label, stratum.key, value.hex()))
    return Selection(frame.hash_hex, frame.algorithm, tuple(selected))
