"""Frames: everything a selection depends on, frozen and hashed before any randomness exists.

Why a canonical byte encoding: the frame hash is announced before the randomness, and an
outsider recomputes it from the evidence bundle. It therefore covers labels, strata, quotas,
exclusions with their counts and the algorithm name, not the labels alone, and each of those has
exactly one byte representation (docs/draw-spec.md, section 7).

Quotas use integer arithmetic only: ``ceil(0.07 * 100)`` is 8 in floating point, and a quota
that depends on the machine's rounding cannot be verified.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from itertools import chain
from operator import itemgetter
from types import MappingProxyType
from typing import overload

from . import accel
from .encoding import (
    LENGTH_PREFIX_BYTES,
    USCC_ALPHABET,
    USCC_LENGTH,
    are_canonical_usccs,
    canonical_license,
    canonical_uscc,
    encode_parts,
    is_strictly_ascending,
)
from .errors import DrawError, FrameError, LabelError
from .version import (
    ALGORITHM,
    FRAME_DOMAIN,
    KIND_ENTITIES,
    KIND_INSPECTORS,
    MEMBERS_DOMAIN,
    STRATUM_DOMAIN,
    SUPPORTED_ALGORITHMS,
)

RATIO_CEIL = "ratio_ceil"
LARGEST_REMAINDER = "largest_remainder"
FIXED = "fixed"
QUOTA_METHODS = (RATIO_CEIL, LARGEST_REMAINDER, FIXED)
DEFAULT_RATIO_KEY = "*"
OPAQUE_PREFIX = "x-"

# ---------------------------------------------------------------------------------------------
# Integer quotas
# ---------------------------------------------------------------------------------------------


def _require_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DrawError(f"{name} must be an integer, got {value!r}")
    return value


def parse_ratio(value: Fraction | str | tuple[int, int]) -> Fraction:
    """A ratio as an exact fraction: ``Fraction``, ``(num, den)``, ``"7/100"`` or ``"7%"``.

    Floats are refused on purpose: 0.07 is not 7/100 in binary.
    """
    if isinstance(value, Fraction):
        ratio = value
    elif isinstance(value, tuple):
        num, den = value
        ratio = Fraction(_require_int(num, "numerator"), _require_int(den, "denominator"))
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            ratio = Fraction(text[:-1].strip()) / 100
        elif "/" in text:
            num_text, den_text = text.split("/", 1)
            ratio = Fraction(int(num_text), int(den_text))
        else:
            raise DrawError(f"a ratio is written 'num/den' or 'N%': {value!r}")
    else:
        raise DrawError(f"a ratio must be exact (Fraction, (num, den) or text), got {value!r}")
    if not 0 <= ratio <= 1:
        raise DrawError(f"a ratio must lie within 0..1, got {ratio}")
    return ratio


def format_ratio(ratio: Fraction) -> str:
    """The canonical text of a ratio in evidence: 'num/den' in lowest terms."""
    return f"{ratio.numerator}/{ratio.denominator}"


def quota_ceil(size: int, num: int, den: int) -> int:
    """ "Not lower than num/den of size": ceil(size * num / den) in integers, capped at size."""
    _require_int(size, "size")
    _require_int(num, "numerator")
    _require_int(den, "denominator")
    if size < 0 or num < 0 or den <= 0:
        raise DrawError("size and numerator must be >= 0 and the denominator > 0")
    return min(size, -(-size * num // den))


def allocate_largest_remainder(sizes: Mapping[str, int], total: int) -> dict[str, int]:
    """Split ``total`` over strata in proportion to their sizes (Hamilton's method).

    Each stratum gets floor(total * size / N); the remaining seats go one each to the largest
    remainders (total * size mod N), ties to the smaller stratum key (code point order). A quota
    never exceeds its stratum's size.
    """
    _require_int(total, "total")
    population = sum(sizes.values())
    if total < 0 or total > population:
        raise DrawError(f"cannot allocate {total} over {population} labels")
    if population == 0:
        return {key: 0 for key in sizes}
    quotas = {key: total * size // population for key, size in sizes.items()}
    left = total - sum(quotas.values())
    by_remainder = sorted(sizes, key=lambda key: (-(total * sizes[key] % population), key))
    for key in by_remainder[:left]:
        quotas[key] += 1
    return quotas


class PackedLabels(Sequence[str]):
    """Canonical USCCs, ascending, held as one ASCII text with a newline after each but the last.

    Why: a city stratum has two million labels. Kept as one text, the labels are stored,
    hashed (members hash) and packed into AES blocks by a few C-level passes over the text,
    and only the few that are selected ever become Python strings.
    """

    __slots__ = ("data", "_count")

    def __init__(self, data: bytes) -> None:
        width = USCC_LENGTH + 1
        count = (len(data) + 1) // width if data else 0
        if data and (len(data) + 1) % width:
            raise LabelError("packed labels must be 18-character codes, one per line")
        self.data, self._count = data, count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        start = index * (USCC_LENGTH + 1)
        return self.data[start : start + USCC_LENGTH].decode("ascii")

    def __iter__(self) -> Iterator[str]:
        return iter(self.data.decode("ascii").split("\n") if self._count else [])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedLabels):
            return self.data == other.data
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == self._count and list(self) == list(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.data)

    def joined(self, separator: bytes) -> bytes:
        """The labels joined by ``separator`` (one C-level replace)."""
        return self.data.replace(b"\n", separator)


_PACKED_ALLOWED = (USCC_ALPHABET + "\n").encode("ascii")


def packed_canonical(labels: PackedLabels) -> bool:
    """True when every packed label is a canonical USCC (two C-level passes)."""
    data, n = labels.data, len(labels)
    return (
        not data.translate(None, _PACKED_ALLOWED)
        and data.count(b"\n") == max(n - 1, 0)
        and data[USCC_LENGTH :: USCC_LENGTH + 1] == b"\n" * (n - 1)
    )


# ---------------------------------------------------------------------------------------------
# Hashes of member lists and opaque keys
# ---------------------------------------------------------------------------------------------


def members_hash(labels: Sequence[str]) -> bytes:
    """SHA-256 over lp("ssj-members/1") || lp(count) || lp(label) for labels in frame order.

    Why a hash per list: the frame hash then covers membership while a public bundle can
    withhold the members of a credit-risk stratum and still let anyone recompute the frame hash.
    """
    digest = hashlib.sha256(encode_parts(MEMBERS_DOMAIN, len(labels)))
    if isinstance(labels, PackedLabels):
        if labels:
            separator = bytes(7) + bytes([USCC_LENGTH])
            digest.update(separator + labels.joined(separator))
        return digest.digest()
    lengths = set(map(len, labels))
    if len(lengths) == 1 and (length := lengths.pop()) < 128:
        # Fast path (all USCCs): for ASCII labels of one length, the length prefix is the same
        # 8 bytes before each label, so a single C-level join builds the whole message.
        sep = "\x00" * 7 + chr(length)
        joined = sep + sep.join(labels)
        if joined.isascii():
            digest.update(joined.encode("ascii"))
            return digest.digest()
    for label in labels:
        digest.update(encode_parts(label))
    return digest.digest()


def opaque_key(*, task_code: str, private_key: str, salt: bytes) -> str:
    """The public name of a credit-risk stratum: "x-" + 16 hex of HMAC-SHA256(salt, ...).

    Keyed with a per-task salt that stays in the staff bundle: class keys have little entropy
    ("A".."D"), so an unkeyed hash could be reversed by trying them all.
    """
    if len(salt) < 16:
        raise DrawError("the opaque-key salt must be at least 16 bytes")
    mac = hmac.digest(salt, encode_parts(STRATUM_DOMAIN, task_code, private_key), "sha256")
    return OPAQUE_PREFIX + mac.hex()[:16]


# ---------------------------------------------------------------------------------------------
# Entity frames
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exclusion:
    """A rule applied before the freeze and how many labels it removed (in applied order)."""

    rule: str
    removed: int


@dataclass(frozen=True)
class Stratum:
    """One stratum: its public key, canonical sorted labels and integer quota.

    ``private_key`` is set only for strata on credit-risk classes: then ``key`` is the opaque
    public name and ``private_key`` the internal one (staff bundle only).
    """

    key: str
    labels: Sequence[str]  # a tuple, or PackedLabels for large frames read from the registry
    quota: int
    ratio: Fraction | None = None
    private_key: str | None = None

    @property
    def size(self) -> int:
        return len(self.labels)

    @property
    def is_opaque(self) -> bool:
        return self.private_key is not None

    @property
    def sort_key(self) -> str:
        """The key that breaks largest-remainder ties: the internal key where there is one."""
        return self.private_key if self.private_key is not None else self.key

    @cached_property
    def members_hash(self) -> bytes:
        return members_hash(self.labels)


@dataclass(frozen=True)
class StratumSummary:
    """What the frame hash reads of a stratum (also all that a public bundle shows of some)."""

    key: str
    size: int
    quota: int
    members_hash_hex: str


@dataclass(frozen=True)
class Frame:
    """A frozen entity frame: strata in ascending key order, exclusions in applied order."""

    task_code: str
    strata: tuple[Stratum, ...]
    quota_method: str
    total: int | None
    exclusions: tuple[Exclusion, ...]
    algorithm: str = ALGORITHM
    opaque_salt: bytes | None = None
    kind: str = field(default=KIND_ENTITIES, init=False)

    @property
    def size(self) -> int:
        return sum(stratum.size for stratum in self.strata)

    def summaries(self) -> list[StratumSummary]:
        return [StratumSummary(s.key, s.size, s.quota, s.members_hash.hex()) for s in self.strata]

    @cached_property
    def hash(self) -> bytes:
        return hashlib.sha256(self.encode()).digest()

    @property
    def hash_hex(self) -> str:
        return self.hash.hex()

    def encode(self) -> bytes:
        """The canonical bytes of this frame (draw-spec.md section 7.3)."""
        return encode_entity_frame(
            algorithm=self.algorithm,
            task_code=self.task_code,
            size=self.size,
            quota_method=self.quota_method,
            total=self.total,
            exclusions=self.exclusions,
            strata=self.summaries(),
        )

    def stratum(self, key: str) -> Stratum:
        for stratum in self.strata:
            if stratum.key == key:
                return stratum
        raise FrameError(f"no stratum {key!r}")


def encode_entity_frame(
    *,
    algorithm: str,
    task_code: str,
    size: int,
    quota_method: str,
    total: int | None,
    exclusions: Sequence[Exclusion],
    strata: Sequence[StratumSummary],
) -> bytes:
    """Canonical entity-frame bytes from summaries: shared by the engine and the verifier."""
    parts: list[str | int] = [FRAME_DOMAIN, algorithm, KIND_ENTITIES, task_code, size]
    parts += [quota_method, "" if total is None else total, len(exclusions)]
    for exclusion in exclusions:
        parts += [exclusion.rule, exclusion.removed]
    parts.append(len(strata))
    for summary in strata:
        parts += [summary.key, summary.size, summary.quota, summary.members_hash_hex]
    return encode_parts(*parts)


def frame_hash(frame: Frame | MatchingFrame) -> bytes:
    """SHA-256 over the frame's canonical encoding."""
    return frame.hash


def _packed_stratum_labels(raw: PackedLabels) -> PackedLabels | None:
    """Canonical packed labels, sorted if they were not; None if they are not canonical."""
    if not packed_canonical(raw):
        return None
    if accel.available() and accel.packed_strictly_ascending(raw.data, len(raw)):
        return raw
    lines = raw.data.split(b"\n") if raw else []
    if all(map(bytes.__lt__, lines, lines[1:])):
        return raw
    lines.sort()
    if not all(map(bytes.__lt__, lines, lines[1:])):
        raise FrameError("a label appears twice in a stratum")
    return PackedLabels(b"\n".join(lines))


def _canonical_stratum_labels(raw: Iterable[str], *, assume_canonical: bool) -> Sequence[str]:
    if isinstance(raw, PackedLabels) and assume_canonical:
        packed = _packed_stratum_labels(raw)
        if packed is not None:
            return packed
    labels = raw if isinstance(raw, list | tuple) else list(raw)
    if assume_canonical and are_canonical_usccs(labels):
        # Canonical already (checked in bulk): only the order may need fixing, and a sort of a
        # list made of a few ascending runs costs little more than checking it.
        if is_strictly_ascending(labels):
            return tuple(labels)
        canonical = sorted(labels)
    else:
        canonical = sorted(canonical_uscc(label) for label in labels)
    if not is_strictly_ascending(canonical):
        duplicates = sorted({a for a, b in zip(canonical, canonical[1:], strict=False) if a == b})
        raise FrameError(f"a label appears twice in a stratum: {duplicates[:5]}")
    return tuple(canonical)


def _quotas(
    *,
    method: str,
    strata: Mapping[str, Sequence[str]],
    ratios: Mapping[str, Fraction | str | tuple[int, int]] | None,
    total: int | None,
    quotas: Mapping[str, int] | None,
) -> tuple[dict[str, int], dict[str, Fraction | None]]:
    sizes = {key: len(labels) for key, labels in strata.items()}
    ratio_of: dict[str, Fraction | None] = {key: None for key in strata}
    if method == RATIO_CEIL:
        if ratios is None:
            raise DrawError("ratio_ceil needs ratios (per stratum key, or '*' for all)")
        for key in strata:
            raw = ratios.get(key, ratios.get(DEFAULT_RATIO_KEY))
            if raw is None:
                raise DrawError(f"no ratio for stratum {key!r}")
            ratio_of[key] = parse_ratio(raw)
        result = {
            key: quota_ceil(sizes[key], r.numerator, r.denominator)
            for key, r in ratio_of.items()
            if r is not None
        }
        return result, ratio_of
    if method == LARGEST_REMAINDER:
        if total is None:
            raise DrawError("largest_remainder needs a total")
        return allocate_largest_remainder(sizes, total), ratio_of
    if method == FIXED:
        if quotas is None or set(quotas) != set(strata):
            raise DrawError("fixed quotas need one quota per stratum")
        for key, quota in quotas.items():
            if not 0 <= _require_int(quota, "quota") <= sizes[key]:
                raise FrameError(f"quota {quota} of stratum {key!r} exceeds its size {sizes[key]}")
        return dict(quotas), ratio_of
    raise DrawError(f"unknown quota method {method!r}; use one of {QUOTA_METHODS}")


def build_frame(
    *,
    task_code: str,
    strata: Mapping[str, Iterable[str]],
    method: str,
    ratios: Mapping[str, Fraction | str | tuple[int, int]] | None = None,
    total: int | None = None,
    quotas: Mapping[str, int] | None = None,
    exclusions: Iterable[tuple[str, int] | Exclusion] = (),
    private_strata: Collection[str] = (),
    opaque_salt: bytes | None = None,
    algorithm: str = ALGORITHM,
    assume_canonical: bool = False,
    assume_disjoint: bool = False,
) -> Frame:
    """Canonicalise, check and freeze an entity frame.

    ``strata`` maps each internal stratum key to its labels (USCCs). ``method`` is "ratio_ceil"
    (``ratios`` per key or "*"), "largest_remainder" (``total``) or "fixed" (``quotas``).
    ``private_strata`` names strata on credit-risk classes: they get opaque public keys derived
    with ``opaque_salt``. ``assume_canonical`` lets a caller that fetched canonical, ascending
    USCCs skip per-label cleaning: they are still checked, in bulk. ``assume_disjoint`` lets a
    caller whose strata partition rows by a column of each row (one row per label) skip the
    check that no label is in two strata, which costs a set of every label.
    """
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise DrawError(f"unknown algorithm {algorithm!r}")
    if not task_code:
        raise DrawError("a frame needs a task code")
    unknown_private = set(private_strata) - set(strata)
    if unknown_private:
        raise FrameError(f"private strata that are not strata: {sorted(unknown_private)}")
    if private_strata and opaque_salt is None:
        raise DrawError("credit-risk strata need an opaque_salt (kept in the staff bundle)")
    labelled = {
        key: _canonical_stratum_labels(labels, assume_canonical=assume_canonical)
        for key, labels in strata.items()
    }
    if not assume_disjoint:
        _refuse_shared_labels(labelled)
    quota_of, ratio_of = _quotas(method=method, strata=labelled, ratios=ratios, total=total, quotas=quotas)
    built = []
    for key, labels in labelled.items():
        private = key in private_strata
        public = (
            opaque_key(task_code=task_code, private_key=key, salt=opaque_salt)
            if private and opaque_salt is not None
            else key
        )
        built.append(Stratum(public, labels, quota_of[key], ratio_of[key], key if private else None))
    built.sort(key=lambda stratum: stratum.key)
    keys = [stratum.key for stratum in built]
    if not is_strictly_ascending(keys):
        raise FrameError("two strata share a public key")
    return Frame(
        task_code=task_code,
        strata=tuple(built),
        quota_method=method,
        total=total if method == LARGEST_REMAINDER else None,
        exclusions=tuple(_exclusion(item) for item in exclusions),
        algorithm=algorithm,
        opaque_salt=opaque_salt if private_strata else None,
    )


def _exclusion(item: tuple[str, int] | Exclusion) -> Exclusion:
    exclusion = item if isinstance(item, Exclusion) else Exclusion(item[0], item[1])
    if not exclusion.rule or _require_int(exclusion.removed, "removed") < 0:
        raise DrawError(f"an exclusion needs a rule and a count >= 0: {item!r}")
    return exclusion


def _refuse_shared_labels(labelled: Mapping[str, Sequence[str]]) -> None:
    """A label in two strata would have two chances: refuse the frame."""
    if len(labelled) < 2:
        return
    total = sum(map(len, labelled.values()))
    union: set[str] = set()
    for labels in labelled.values():
        union.update(labels)
    if len(union) != total:
        raise FrameError("a label appears in more than one stratum")


# ---------------------------------------------------------------------------------------------
# Matching frames
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchEntity:
    """A drawn entity and its order value from the entity draw (it fixes the processing order)."""

    label: str
    order_hex: str


@dataclass(frozen=True)
class Department:
    """One participating department's frozen eligible list and rules."""

    code: str
    per_entity: int
    cap: int
    labels: tuple[str, ...]
    required_fields: tuple[str, ...] = ()

    @cached_property
    def members_hash(self) -> bytes:
        return members_hash(self.labels)


Pair = tuple[str, str]


def _never(label: str) -> bool:
    return False


class PairSet(Collection[Pair]):
    """An immutable set of (entity, inspector) pairs, kept grouped by entity.

    Why not a frozenset of tuples: a matching frame can hold a million conflict pairs over
    twenty thousand entities. Grouped, the pairs come out of the database as one row per
    entity, iterate in canonical order without a sort, encode for the frame hash with one
    C-level join per entity, and are stored as one line per entity. Membership works as for a
    set of tuples; each entity's inspectors become a set on first look.

    A set made by ``joined`` keeps each entity's inspectors as one tab-joined text (as the
    database aggregates and the stored frame holds them) and splits an entity's text only when
    that entity is looked at: a million pairs stay twenty thousand strings.
    """

    __slots__ = ("_groups", "_joined", "_sets", "_size")

    def __init__(self, groups: Mapping[str, Iterable[str]] = MappingProxyType({})) -> None:
        cleaned = {entity: tuple(sorted(set(labels))) for entity, labels in groups.items()}
        self._groups: dict[str, tuple[str, ...]] | None = {e: cleaned[e] for e in sorted(cleaned) if cleaned[e]}
        self._joined: dict[str, str] | None = None
        self._sets: dict[str, frozenset[str]] = {}
        self._size = sum(map(len, self._groups.values()))

    @classmethod
    def presorted(cls, groups: dict[str, tuple[str, ...]]) -> PairSet:
        """Groups already in canonical order (entities ascending, each one's inspectors ascending
        and distinct, none empty), as a PairSet wrote them: taken as they are, unchecked."""
        pairs = cls.__new__(cls)
        pairs._groups, pairs._joined, pairs._sets, pairs._size = groups, None, {}, sum(map(len, groups.values()))
        return pairs

    @classmethod
    def joined(cls, texts: dict[str, str]) -> PairSet:
        """Each entity's inspectors as one text joined by tabs, in canonical order (entities
        ascending, each one's inspectors ascending and distinct, none empty): taken as they are,
        unchecked. A canonical 执法证号 holds no tab (no control characters). Given to
        ``build_matching_frame``, the texts must name listed inspectors only: the frame checks
        their entities, not each of their million labels."""
        pairs = cls.__new__(cls)
        pairs._groups, pairs._joined, pairs._sets = None, texts, {}
        pairs._size = sum(text.count("\t") for text in texts.values()) + len(texts)
        return pairs

    @classmethod
    def from_pairs(cls, pairs: Iterable[Pair]) -> PairSet:
        groups: dict[str, list[str]] = {}
        for entity, inspector in pairs:
            groups.setdefault(entity, []).append(inspector)
        return cls(groups)

    @property
    def is_joined(self) -> bool:
        """Made by ``joined`` and not split since."""
        return self._groups is None

    def groups(self) -> Mapping[str, tuple[str, ...]]:
        """Entity -> its inspectors, both in ascending order."""
        if self._groups is None:
            assert self._joined is not None
            self._groups = {entity: tuple(text.split("\t")) for entity, text in self._joined.items()}
        return MappingProxyType(self._groups)

    def joined_groups(self) -> Mapping[str, str]:
        """Entity -> its inspectors joined by tabs, both in ascending order."""
        if self._joined is None:
            assert self._groups is not None
            self._joined = {entity: "\t".join(labels) for entity, labels in self._groups.items()}
        return MappingProxyType(self._joined)

    def entities(self) -> Collection[str]:
        """The entities named, in ascending order."""
        return (self._joined if self._groups is None else self._groups).keys()  # type: ignore[union-attr]

    def inspectors_of(self, entity: str) -> frozenset[str]:
        """The inspectors paired with ``entity`` (made into a set on first look)."""
        members = self._sets.get(entity)
        if members is None:
            if self._groups is None:
                text = self._joined.get(entity) if self._joined is not None else None
                members = frozenset(text.split("\t")) if text else frozenset()
            else:
                members = frozenset(self._groups.get(entity, ()))
            self._sets[entity] = members
        return members

    def membership(self, entity: str) -> Callable[[str], bool]:
        """A test of ``label in inspectors_of(entity)`` for a few looks at one entity: one
        C-level search of the entity's tab-joined text, which is not split into a set (a
        million pairs are twenty thousand such texts). Exact because no member holds a tab
        (joined sets never do; a grouped set whose member does gets the set)."""
        if self._groups is None:
            text = self._joined.get(entity) if self._joined is not None else None
        else:
            labels = self._groups.get(entity)
            if labels and any("\t" in label for label in labels):
                return self.inspectors_of(entity).__contains__
            text = "\t".join(labels) if labels else None
        if text is None:
            return _never
        wrapped = f"\t{text}\t"
        return lambda label: "\t" not in label and f"\t{label}\t" in wrapped

    def __contains__(self, pair: object) -> bool:
        if not isinstance(pair, tuple) or len(pair) != 2:
            return False
        return pair[1] in self.inspectors_of(pair[0])

    def __iter__(self) -> Iterator[Pair]:
        for entity, labels in self.groups().items():
            for label in labels:
                yield entity, label

    def __len__(self) -> int:
        return self._size

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PairSet):
            return self.groups() == other.groups()
        if isinstance(other, Set):
            return len(other) == self._size and all(pair in self for pair in other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self.groups().items()))

    def restricted(self, entities: Collection[str], inspectors: Collection[str]) -> PairSet:
        """The pairs naming one of ``entities`` and one of ``inspectors``."""
        kept: dict[str, Iterable[str]] = {}
        for entity, labels in self.groups().items():
            if entity in entities:
                kept[entity] = labels if all(map(inspectors.__contains__, labels)) else [x for x in labels if x in inspectors]
        return PairSet(kept)

    def encode(self) -> bytes:
        """Same bytes as ``_encode_pairs`` of the same pairs: lp(count), then lp(entity) lp(inspector)
        for each pair in ascending order."""
        return b"".join(self.encode_chunks())

    def encode_chunks(self) -> Iterator[bytes]:
        """``encode()``'s bytes, one piece per entity.

        An entity whose inspectors' labels are all of one length (the usual case: 执法证号 of one
        format) is encoded from its joined text with one C-level replace, the tab between two
        labels becoming the next pair's lp(entity) and the label's length prefix."""
        encoded: dict[str, bytes] = {}
        yield encode_parts(self._size)
        texts = self.joined_groups() if self._groups is None else None
        for entity in self.entities():
            raw_entity = entity.encode("utf-8")
            prefix = len(raw_entity).to_bytes(LENGTH_PREFIX_BYTES, "big") + raw_entity  # encode_parts(entity)
            if texts is not None:
                raw = texts[entity].encode("utf-8")
                tabs = raw.count(b"\t")
                width, odd = divmod(len(raw) - tabs, tabs + 1)
                if not odd and raw[width :: width + 1] == b"\t" * tabs:
                    glue = prefix + width.to_bytes(LENGTH_PREFIX_BYTES, "big")
                    yield glue + raw.replace(b"\t", glue)
                    continue
                labels: Iterable[str] = raw.decode("utf-8").split("\t")
            else:
                labels = self.groups()[entity]
            for label in labels:
                if label not in encoded:
                    encoded[label] = encode_parts(label)
            yield prefix + prefix.join(map(encoded.__getitem__, labels))


@dataclass(frozen=True, eq=False)
class MatchingFrame:
    """The frozen frame of an inspector-matching draw (staff-only; separate hash).

    Departments are in processing order, the initiating (lead) department first. Pairs are
    (entity label, inspector label). ``loads`` is each inspector's load before this draw and
    ``caps`` overrides a department's cap for one inspector.
    """

    task_code: str
    entities: tuple[MatchEntity, ...]
    departments: tuple[Department, ...]
    min_team: int = 2
    conflicts: PairSet = field(default_factory=PairSet)
    leave: frozenset[str] = frozenset()
    repeat_years: int = 0
    repeats: frozenset[Pair] = frozenset()
    qualifications: Mapping[str, frozenset[str]] = field(default_factory=dict)
    own_area: frozenset[Pair] = frozenset()
    loads: Mapping[str, int] = field(default_factory=dict)
    caps: Mapping[str, int] = field(default_factory=dict)
    exclusions: tuple[Exclusion, ...] = ()
    algorithm: str = ALGORITHM
    kind: str = field(default=KIND_INSPECTORS, init=False)

    @property
    def size(self) -> int:
        return len(self.entities)

    @cached_property
    def hash(self) -> bytes:
        # Chunk by chunk: a million conflict pairs encode to 47 MB, never joined into one.
        digest = hashlib.sha256()
        for chunk in self.encode_chunks():
            digest.update(chunk)
        return digest.digest()

    @property
    def hash_hex(self) -> str:
        return self.hash.hex()

    def encode(self) -> bytes:
        """The canonical bytes of this matching frame (draw-spec.md section 7.4)."""
        return b"".join(self.encode_chunks())

    def encode_chunks(self) -> Iterator[bytes]:
        """``encode()``'s bytes, in pieces."""
        parts: list[str | int] = [FRAME_DOMAIN, self.algorithm, KIND_INSPECTORS, self.task_code]
        parts.append(len(self.entities))
        for entity in self.entities:
            parts += [entity.label, entity.order_hex]
        parts += [self.min_team, len(self.exclusions)]
        for exclusion in self.exclusions:
            parts += [exclusion.rule, exclusion.removed]
        parts.append(len(self.departments))
        for dept in self.departments:
            parts += [dept.code, dept.per_entity, dept.cap, len(dept.required_fields)]
            parts += list(dept.required_fields)
            parts += [len(dept.labels), dept.members_hash.hex()]
        yield encode_parts(*parts)
        yield encode_parts("conflict")
        if isinstance(self.conflicts, PairSet):
            yield from self.conflicts.encode_chunks()
        else:
            yield _encode_pairs(self.conflicts)
        yield encode_parts("leave", len(self.leave), *sorted(self.leave))
        yield encode_parts("repeat", self.repeat_years)
        yield _encode_pairs(self.repeats)
        qualification: list[str | int] = ["qualification", len(self.qualifications)]
        for label in sorted(self.qualifications):
            fields = sorted(self.qualifications[label])
            qualification += [label, len(fields), *fields]
        yield encode_parts(*qualification)
        yield encode_parts("own_area")
        yield _encode_pairs(self.own_area)
        yield encode_parts(*_mapping_part("load", self.loads), *_mapping_part("cap", self.caps))

    def cap_of(self, inspector: str, department: Department) -> int:
        return self.caps.get(inspector, department.cap)


def _encode_pairs(pairs: Collection[Pair]) -> bytes:
    """lp(count) then lp(entity) lp(inspector) for pairs in ascending order.

    Same bytes as ``encode_parts``; each distinct label is encoded once because a conflict list
    can hold a million pairs over a few thousand labels.
    """
    if isinstance(pairs, PairSet):
        return pairs.encode()
    # Two stable passes sort a million string pairs about twice as fast as comparing tuples.
    ordered = sorted(sorted(pairs, key=itemgetter(1)), key=itemgetter(0))
    encoded = {
        label: encode_parts(label) for label in {*map(itemgetter(0), ordered), *map(itemgetter(1), ordered)}
    }
    return encode_parts(len(ordered)) + b"".join(map(encoded.__getitem__, chain.from_iterable(ordered)))


def _mapping_part(name: str, mapping: Mapping[str, int]) -> list[str | int]:
    flat: list[str | int] = [name, len(mapping)]
    for label in sorted(mapping):
        flat += [label, mapping[label]]
    return flat


_ORDER_HEX = re.compile(r"[0-9a-f]{32}|[0-9a-f]{64}")


def _order_hex(value: str) -> str:
    if not _ORDER_HEX.fullmatch(value):
        raise DrawError(f"an order value is 32 or 64 lower-case hex digits: {value!r}")
    return value


def build_matching_frame(
    *,
    task_code: str,
    entities: Iterable[tuple[str, str] | MatchEntity],
    departments: Sequence[Mapping[str, object] | Department],
    lead_department: str,
    min_team: int = 2,
    conflicts: Iterable[Pair] = (),
    leave: Iterable[str] = (),
    repeat_years: int = 0,
    repeats: Iterable[Pair] = (),
    qualifications: Mapping[str, Iterable[str]] | None = None,
    own_area: Iterable[Pair] = (),
    loads: Mapping[str, int] | None = None,
    caps: Mapping[str, int] | None = None,
    exclusions: Iterable[tuple[str, int] | Exclusion] = (),
    algorithm: str = ALGORITHM,
) -> MatchingFrame:
    """Canonicalise, prune and freeze a matching frame.

    ``entities`` are (USCC, order_hex) from the entity draw; they are processed in ascending
    order value. ``departments`` are mappings with code, per_entity, cap, labels and optional
    required_fields; the lead department goes first, the others by code. Constraints naming no
    drawn entity or no listed inspector cannot affect the draw and are dropped, which keeps the
    staff bundle small.
    """
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise DrawError(f"unknown algorithm {algorithm!r}")
    if _require_int(min_team, "min_team") < 1:
        raise DrawError("min_team must be at least 1")
    ents = [
        item if isinstance(item, MatchEntity) else MatchEntity(canonical_uscc(item[0]), _order_hex(item[1]))
        for item in entities
    ]
    ents.sort(key=lambda e: (bytes.fromhex(e.order_hex), e.label))
    entity_labels = {e.label for e in ents}
    if len(entity_labels) != len(ents):
        raise FrameError("an entity appears twice in the matching frame")
    depts = [_department(item) for item in departments]
    codes = [d.code for d in depts]
    if len(set(codes)) != len(codes) or lead_department not in codes:
        raise FrameError("department codes must be unique and include the lead department")
    depts.sort(key=lambda d: (d.code != lead_department, d.code))
    pool = {label for d in depts for label in d.labels}

    # Conflict lists can hold a million pairs over a few thousand distinct labels: clean each
    # distinct label once.
    uscc_of: dict[str, str] = {}
    license_of: dict[str, str] = {}

    def grouped(items: PairSet) -> PairSet:
        if items.is_joined and entity_labels.issuperset(items.entities()):
            # Joined texts are canonical and name listed inspectors only (``PairSet.joined``):
            # checking that they name drawn entities is enough.
            return items
        # Already grouped (from the database): clean each distinct label once, then prune.
        for entity in items.groups():
            if entity not in uscc_of:
                uscc_of[entity] = canonical_uscc(entity)
        labels: set[str] = set()
        labels.update(*items.groups().values())
        for label in labels - license_of.keys():
            license_of[label] = canonical_license(label)
        if any(uscc_of[e] != e for e in items.groups()) or any(license_of[x] != x for x in labels):
            return PairSet.from_pairs(pairs(list(items)))
        return items.restricted(entity_labels, pool)

    def pairs(items: Iterable[Pair]) -> frozenset[Pair]:
        if isinstance(items, PairSet):
            return frozenset(grouped(items))
        kept = set()
        for raw_entity, raw_inspector in items:
            entity = uscc_of.get(raw_entity) or uscc_of.setdefault(raw_entity, canonical_uscc(raw_entity))
            inspector = license_of.get(raw_inspector) or license_of.setdefault(
                raw_inspector, canonical_license(raw_inspector)
            )
            if entity in entity_labels and inspector in pool:
                kept.add((entity, inspector))
        return frozenset(kept)

    def per_label(mapping: Mapping[str, int] | None, name: str) -> dict[str, int]:
        result = {}
        for label, value in (mapping or {}).items():
            if _require_int(value, name) < 0:
                raise DrawError(f"{name} must be >= 0")
            key = canonical_license(label)
            if key in pool and (value or name == "cap"):
                result[key] = value
        return result

    quals = {}
    for label, held in (qualifications or {}).items():
        key = canonical_license(label)
        if key in pool:
            quals[key] = frozenset(str(f) for f in held)
    return MatchingFrame(
        task_code=task_code,
        entities=tuple(ents),
        departments=tuple(depts),
        min_team=min_team,
        conflicts=grouped(conflicts) if isinstance(conflicts, PairSet) else PairSet.from_pairs(pairs(conflicts)),
        leave=frozenset(canonical_license(x) for x in leave) & pool,
        repeat_years=_require_int(repeat_years, "repeat_years"),
        repeats=pairs(repeats),
        qualifications=quals,
        own_area=pairs(own_area),
        loads=per_label(loads, "load"),
        caps=per_label(caps, "cap"),
        exclusions=tuple(_exclusion(item) for item in exclusions),
        algorithm=algorithm,
    )


def _department(item: Mapping[str, object] | Department) -> Department:
    if isinstance(item, Department):
        data: Mapping[str, object] = {
            "code": item.code,
            "per_entity": item.per_entity,
            "cap": item.cap,
            "labels": item.labels,
            "required_fields": item.required_fields,
        }
    else:
        data = item
    code = str(data["code"])
    per_entity = _require_int(data.get("per_entity", 1), "per_entity")
    cap = _require_int(data["cap"], "cap")
    if not code or per_entity < 1 or cap < 1:
        raise DrawError(f"department {code!r}: per_entity and cap must be at least 1")
    raw_labels = data.get("labels", ())
    if not isinstance(raw_labels, Iterable):
        raise DrawError(f"department {code!r}: labels must be a list")
    labels = sorted(canonical_license(str(label)) for label in raw_labels)
    if not is_strictly_ascending(labels):
        raise FrameError(f"department {code!r}: an inspector appears twice in the list")
    raw_fields = data.get("required_fields", ())
    if not isinstance(raw_fields, Iterable):
        raise DrawError(f"department {code!r}: required_fields must be a list")
    fields = sorted({str(f) for f in raw_fields})
    return Department(code, per_entity, cap, tuple(labels), tuple(fields))
