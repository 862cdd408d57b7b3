"""The draw engine: pure Python, standard library plus ``cryptography`` (AES), no Django.
numpy, when installed, only speeds up bulk passes (``accel``); results are the same without it.

Frame in, selection and evidence out. The specification that an outsider reimplements is
docs/draw-spec.md; the vectors that pin its outputs are docs/draw-vectors.json.

Typical use by the Django side::

    frame = build_frame(task_code=..., strata={...}, method="ratio_ceil", ratios={"*": "3/100"})
    announcement = make_announcement(published_at=..., commitment=chain_commitment(secret, 64),
                                     chain_length=64, frame=frame, sources=[...])
    # ... later, once the randomness exists and is stored:
    ikm = encode_ikm(source["value"] for source in sources)
    code = one_time_code(secret, 64, iteration)
    selection = run_entity_draw(frame, one_time_code=code, ikm=ikm)
    bundle = make_bundle(draw=..., announcement=announcement, one_time_code=code,
                         sources=sources, frame=frame, result=selection)
    report = verify_bundle(bundle, recorded_announcement)
"""

from __future__ import annotations

from .commitment import (
    MIN_CHAIN_LENGTH,
    chain_commitment,
    derive_key,
    draw_keys,
    hkdf_expand,
    one_time_code,
    prk,
    verify_one_time_code,
    vrs_order,
)
from .encoding import (
    canonical_license,
    canonical_uscc,
    encode_ikm,
    encode_parts,
    encode_rfc3797,
    encode_source_value,
)
from .errors import DrawError, FrameError, LabelError, MissingDependencyError
from .evidence import (
    Mismatch,
    VerifyReport,
    make_announcement,
    make_bundle,
    public_bundle,
    source_value_hash,
    verify_bundle,
)
from .frame import (
    Department,
    Exclusion,
    Frame,
    MatchEntity,
    MatchingFrame,
    PackedLabels,
    PairSet,
    Stratum,
    allocate_largest_remainder,
    build_frame,
    build_matching_frame,
    frame_hash,
    members_hash,
    opaque_key,
    parse_ratio,
    quota_ceil,
)
from .matching import SKIP_REASONS, SKIP_REASONS_ZH, Assignment, Matching, Pick, Skip, run_matching
from .select import (
    Selected,
    Selection,
    order_value,
    order_values_aes,
    order_values_hmac,
    run_entity_draw,
    uscc_block,
)
from .version import ALGORITHM, ALGORITHM_HMAC, FORMAT, SUPPORTED_ALGORITHMS

__all__ = [
    "ALGORITHM",
    "ALGORITHM_HMAC",
    "FORMAT",
    "MIN_CHAIN_LENGTH",
    "SKIP_REASONS",
    "SKIP_REASONS_ZH",
    "SUPPORTED_ALGORITHMS",
    "Assignment",
    "Department",
    "DrawError",
    "Exclusion",
    "Frame",
    "FrameError",
    "LabelError",
    "MatchEntity",
    "Matching",
    "MatchingFrame",
    "Mismatch",
    "MissingDependencyError",
    "Pick",
    "Selected",
    "Selection",
    "Skip",
    "PackedLabels",
    "PairSet",
    "Stratum",
    "VerifyReport",
    "allocate_largest_remainder",
    "build_frame",
    "build_matching_frame",
    "canonical_license",
    "canonical_uscc",
    "chain_commitment",
    "derive_key",
    "draw_keys",
    "encode_ikm",
    "encode_parts",
    "encode_rfc3797",
    "encode_source_value",
    "frame_hash",
    "hkdf_expand",
    "make_announcement",
    "make_bundle",
    "members_hash",
    "one_time_code",
    "opaque_key",
    "order_value",
    "order_values_aes",
    "order_values_hmac",
    "parse_ratio",
    "prk",
    "public_bundle",
    "quota_ceil",
    "run_entity_draw",
    "run_matching",
    "source_value_hash",
    "uscc_block",
    "verify_bundle",
    "verify_one_time_code",
    "vrs_order",
]
