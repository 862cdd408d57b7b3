"""The draw engine: vectors, encodings, quotas, frame hashes, selection and verification.

Pure Python: nothing here imports Django (run with ``-p no:django`` while settings change).
Tests that need AES fail with a clear message when ``cryptography`` is missing: ssj-draw/1
cannot run without it, and a skipped test would hide that.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspections.draw import (
    ALGORITHM,
    ALGORITHM_HMAC,
    DrawError,
    FrameError,
    LabelError,
    MissingDependencyError,
    allocate_largest_remainder,
    build_frame,
    canonical_license,
    canonical_uscc,
    chain_commitment,
    derive_key,
    encode_ikm,
    encode_parts,
    encode_rfc3797,
    hkdf_expand,
    make_announcement,
    make_bundle,
    members_hash,
    one_time_code,
    order_value,
    order_values_aes,
    order_values_hmac,
    parse_ratio,
    prk,
    public_bundle,
    quota_ceil,
    run_entity_draw,
    source_value_hash,
    uscc_block,
    verify_bundle,
    verify_one_time_code,
    vrs_order,
)
from inspections.draw.commitment import draw_keys
from inspections.draw.select import aes_key, lowest_aes, lowest_hmac
from inspections.draw.vectors import example_uscc

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "docs" / "draw-vectors.json").read_text(encoding="utf-8"))
ENGINE_DIR = ROOT / "inspections" / "draw"

# draft-thomson-elegy-vrs, "Example Usage" (copied from shared/testvectors/vrs-draft-example.json)
VRS_SECRET = b"totally not a bikeshed"
VRS_COMMITMENT = "950ea08d8d5fd3ae415b9967aba7a48aba39ca62a4d98f2e7fe25cb1b8f8c488"
VRS_CODE = "5346f2efb5397a6788fc1f1d9c05c6d3f2abe9b7d16d8592a3695b6dbe9f2456"
VRS_RANDOMNESS = b"1.2.3.4.5.6./1.2.3.4.5.6./1.2.3.4.5.6./"
VRS_PRK = "5fa96a4e4b50cbb87edd374566a03af5dd2372162b6a9ab88ab8e10f1dbb768b"
VRS_ORDERS = {
    "lavenderblush": "002ed527ae0a44a86c205d1cdba61826951a2ffb53c13729c3762eea04e21676",
    "blue": "03f710be2b61a6f9c3f89aa5ab553b81abb5fc9817865ac29b5b62dcfbaf431f",
    "darkgoldenrod": "08bab81380d7f0769cecf9969a8d9c04ad9156dfe03a6d6d0ed777734620d0e5",
    "mediumvioletred": "0c26494fa81f3aed8a9f66e77b73a1a9a2881762dee2e7f24858bfa8d78a5c4d",
    "bisque": "0e1af5d1ccfd44de075cc0bb6d5050d1c0d6bcf0a32fd51ce9406726ae4a90c2",
}

SECRET = b"a test secret of thirty-two byte"
CHAIN = 32


def require_aes() -> None:
    """Fail (never skip) when AES is unavailable: ssj-draw/1 cannot run without it."""
    try:
        import cryptography.hazmat.primitives.ciphers  # noqa: F401
    except ImportError:
        pytest.fail(
            "the 'cryptography' package is not installed: ssj-draw/1 computes order values with "
            "AES-128 and needs it. Add cryptography to the dependencies in pyproject.toml."
        )


def labels(count: int, region: str = "330106", start: int = 1) -> list[str]:
    return [example_uscc(i, region=region) for i in range(start, start + count)]


def small_frame(**overrides: object):  # type: ignore[no-untyped-def]
    arguments: dict[str, object] = {
        "task_code": "T-1",
        "strata": {"risk:A": labels(10), "risk:B": labels(6, "330102"), "street:西湖": labels(4, "330105")},
        "method": "ratio_ceil",
        "ratios": {"*": "3/10"},
        "exclusions": [("deregistered", 5), ("checked_this_year", 1)],
        "private_strata": ["risk:A", "risk:B"],
        "opaque_salt": b"s" * 32,
    }
    arguments.update(overrides)
    return build_frame(**arguments)  # type: ignore[arg-type]


SOURCES = [
    {"kind": "lottery", "description": "福彩3D 2025001", "value": [4, 0, 7], "collected_at": "t1"},
    {"kind": "server", "description": "server entropy", "value": "ab" * 32, "collected_at": "t0"},
]


def announced(sources: list[dict[str, object]]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for s in sources:
        item: dict[str, object] = {"kind": s["kind"], "description": s["description"]}
        if s["kind"] == "server":
            item["value_sha256_hex"] = source_value_hash(s["value"])  # type: ignore[arg-type]
        out.append(item)
    return out


def entity_bundle(frame=None, sources=None):  # type: ignore[no-untyped-def]
    frame = frame or small_frame()
    sources = sources or SOURCES
    announcement = make_announcement(
        published_at="2025-01-01",
        commitment=chain_commitment(SECRET, CHAIN),
        chain_length=CHAIN,
        frame=frame,
        sources=announced(sources),
    )
    code = one_time_code(SECRET, CHAIN, 1)
    selection = run_entity_draw(frame, one_time_code=code, ikm=encode_ikm(s["value"] for s in sources))
    bundle = make_bundle(
        draw={"id": "d1", "iteration": 1, "created_at": "2025-01-02"},
        announcement=announcement,
        one_time_code=code,
        sources=sources,
        frame=frame,
        result=selection,
    )
    return bundle, copy.deepcopy(announcement)


# --- the vrs draft's example ------------------------------------------------------------------


def test_the_commitment_after_ten_iterations_matches_the_vrs_draft() -> None:
    assert chain_commitment(VRS_SECRET, 10, min_length=10).hex() == VRS_COMMITMENT


def test_the_one_time_code_of_draw_iteration_one_is_the_ninth_hash() -> None:
    code = one_time_code(VRS_SECRET, 10, 1, min_length=10)
    assert code.hex() == VRS_CODE
    assert verify_one_time_code(bytes.fromhex(VRS_COMMITMENT), code, 1, 10)


def test_a_code_hashed_the_wrong_number_of_times_does_not_verify() -> None:
    code = bytes.fromhex(VRS_CODE)
    assert not verify_one_time_code(bytes.fromhex(VRS_COMMITMENT), code, 2, 10)
    assert not verify_one_time_code(bytes.fromhex(VRS_COMMITMENT), code, 0, 10)


def test_the_prk_is_hkdf_extract_with_the_code_as_salt() -> None:
    assert prk(bytes.fromhex(VRS_CODE), VRS_RANDOMNESS).hex() == VRS_PRK


def test_the_five_order_values_match_the_vrs_draft() -> None:
    key = bytes.fromhex(VRS_PRK)
    assert {label: vrs_order(key, label).hex() for label in VRS_ORDERS} == VRS_ORDERS


def test_with_blue_disqualified_a_selection_of_two_takes_lavenderblush_and_darkgoldenrod() -> None:
    key = bytes.fromhex(VRS_PRK)
    ranked = sorted(VRS_ORDERS, key=lambda label: vrs_order(key, label))
    assert [label for label in ranked if label != "blue"][:2] == ["lavenderblush", "darkgoldenrod"]


def test_real_chains_are_at_least_32_long() -> None:
    with pytest.raises(DrawError):
        chain_commitment(SECRET, 31)


def test_hkdf_expand_over_several_blocks_follows_rfc_5869() -> None:
    # RFC 5869 test case 1
    prk_hex = "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"
    info = bytes.fromhex("f0f1f2f3f4f5f6f7f8f9")
    okm = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    assert hkdf_expand(bytes.fromhex(prk_hex), info, 42).hex() == okm


def test_purpose_keys_differ_and_unknown_purposes_are_refused() -> None:
    key = bytes(32)
    assert derive_key(key, "entities") != derive_key(key, "inspectors")
    with pytest.raises(DrawError):
        derive_key(key, "anything")


# --- encodings --------------------------------------------------------------------------------


def test_the_rfc_3797_example_encodes_exactly() -> None:
    assert encode_rfc3797([[9319], [2, 5, 12, 8, 10], [9, 18, 26, 34, 41, 45]]) == (
        "9319./2.5.8.10.12./9.18.26.34.41.45./"
    )


def test_the_ikm_concatenates_sources_in_announced_order_and_hex_ends_with_a_slash() -> None:
    assert encode_ikm([[4, 0, 7], "ABCDEF01"]) == "0.4.7./abcdef01/"
    assert encode_ikm(["ABCDEF01", [4, 0, 7]]) == "abcdef01/0.4.7./"


def test_a_text_source_that_is_not_hex_is_refused() -> None:
    with pytest.raises(DrawError):
        encode_ikm(["12/34"])


def test_length_prefixing_keeps_a_bc_apart_from_ab_c() -> None:
    assert encode_parts("A", "BC") != encode_parts("AB", "C")
    assert encode_parts("A", "BC").hex() == "0000000000000001410000000000000002" + "4243"


def test_members_hash_is_length_prefixed_so_label_boundaries_matter() -> None:
    assert members_hash(["AB", "C"]) != members_hash(["A", "BC"])


def test_the_fast_members_hash_equals_the_plain_definition() -> None:
    group = labels(50)
    import hashlib

    plain = hashlib.sha256(encode_parts("ssj-members/1", len(group), *group)).digest()
    assert members_hash(group) == plain
    mixed = ["3301", "浙卫执03-0001", "X"]
    assert members_hash(mixed) == hashlib.sha256(encode_parts("ssj-members/1", 3, *mixed)).digest()


def test_a_uscc_is_stripped_and_upper_cased_in_ascii_only() -> None:
    assert canonical_uscc("  91330106ma0000001x\u3000") == "91330106MA0000001X"
    for bad in ("91330106MA0000001", "91330106MA0000001XX", "91330106MA000000ß1", "９1330106MA0000001X"):
        with pytest.raises(LabelError):
            canonical_uscc(bad)


def test_a_license_number_is_nfc_normalised_and_stripped() -> None:
    assert canonical_license(" 执法e\u0301 ") == "执法\u00e9"
    with pytest.raises(LabelError):
        canonical_license("   ")


# --- quotas -----------------------------------------------------------------------------------


def test_seven_percent_of_one_hundred_is_seven_not_eight() -> None:
    assert quota_ceil(100, 7, 100) == 7
    assert quota_ceil(101, 7, 100) == 8


def test_not_lower_than_rounds_up_and_never_exceeds_the_stratum() -> None:
    assert quota_ceil(7, 1, 100) == 1
    assert quota_ceil(0, 3, 100) == 0
    assert quota_ceil(3, 1, 1) == 3


def test_ratios_are_exact_and_floats_are_refused() -> None:
    assert parse_ratio("7%") == Fraction(7, 100)
    assert parse_ratio((7, 100)) == parse_ratio("7/100")
    with pytest.raises(DrawError):
        parse_ratio(0.07)  # type: ignore[arg-type]


def test_largest_remainder_breaks_ties_by_stratum_key() -> None:
    assert allocate_largest_remainder({"b": 10, "a": 10, "c": 10}, 10) == {"a": 4, "b": 3, "c": 3}
    assert allocate_largest_remainder({"b": 10, "a": 10, "c": 10}, 11) == {"a": 4, "b": 4, "c": 3}


@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=8), st.data())
def test_largest_remainder_adds_up_and_stays_within_each_stratum(
    sizes: list[int], data: st.DataObject
) -> None:
    by_key = {f"s{i}": size for i, size in enumerate(sizes)}
    total = data.draw(st.integers(min_value=0, max_value=sum(sizes)))
    quotas = allocate_largest_remainder(by_key, total)
    assert sum(quotas.values()) == total
    assert all(0 <= quotas[key] <= by_key[key] for key in by_key)


def test_ratio_quotas_per_stratum_use_ceil_rounding() -> None:
    frame = small_frame()
    assert sorted((s.private_key or s.key, s.quota) for s in frame.strata) == [
        ("risk:A", 3),
        ("risk:B", 2),
        ("street:西湖", 2),
    ]


# --- frames -----------------------------------------------------------------------------------


def test_the_frame_hash_is_deterministic_and_ignores_input_order() -> None:
    a = small_frame()
    b = small_frame(
        strata={"street:西湖": labels(4, "330105")[::-1], "risk:B": labels(6, "330102"), "risk:A": labels(10)}
    )
    assert a.hash_hex == b.hash_hex


def test_the_frame_hash_changes_when_one_label_changes() -> None:
    changed = labels(10)
    changed[3] = example_uscc(999)
    assert small_frame().hash_hex != small_frame(strata={**small_frame_strata(), "risk:A": changed}).hash_hex


def small_frame_strata() -> dict[str, list[str]]:
    return {"risk:A": labels(10), "risk:B": labels(6, "330102"), "street:西湖": labels(4, "330105")}


def test_the_frame_hash_changes_when_one_quota_changes() -> None:
    base = small_frame(method="fixed", quotas={"risk:A": 3, "risk:B": 2, "street:西湖": 2}, ratios=None)
    other = small_frame(method="fixed", quotas={"risk:A": 3, "risk:B": 2, "street:西湖": 1}, ratios=None)
    assert base.hash_hex != other.hash_hex


def test_the_frame_hash_changes_when_a_label_moves_to_another_stratum() -> None:
    strata = small_frame_strata()
    moved = {**strata, "risk:A": strata["risk:A"][1:], "risk:B": [*strata["risk:B"], strata["risk:A"][0]]}
    assert small_frame().hash_hex != small_frame(strata=moved).hash_hex


def test_the_frame_hash_changes_when_an_exclusion_count_changes() -> None:
    other = small_frame(exclusions=[("deregistered", 6), ("checked_this_year", 1)])
    assert small_frame().hash_hex != other.hash_hex


def test_the_frame_hash_covers_task_code_algorithm_and_opaque_names() -> None:
    base = small_frame().hash_hex
    assert small_frame(task_code="T-2").hash_hex != base
    assert small_frame(algorithm=ALGORITHM_HMAC).hash_hex != base
    assert small_frame(opaque_salt=b"t" * 32).hash_hex != base


def test_a_label_in_two_strata_or_twice_in_one_is_refused() -> None:
    with pytest.raises(FrameError, match="more than one stratum"):
        small_frame(strata={"a": labels(3), "b": labels(2)}, private_strata=[])
    with pytest.raises(FrameError, match="twice"):
        small_frame(strata={"a": [*labels(3), labels(1)[0]]}, private_strata=[])


def test_credit_risk_strata_get_opaque_keys_and_public_strata_keep_theirs() -> None:
    keys = {s.private_key: s.key for s in small_frame().strata}
    assert keys[None] == "street:西湖"
    assert all(re.fullmatch(r"x-[0-9a-f]{16}", keys[name]) for name in ("risk:A", "risk:B"))


def test_assume_canonical_still_checks_labels_in_bulk() -> None:
    good = labels(5)
    frame = small_frame(strata={"a": good}, private_strata=[], assume_canonical=True)
    assert frame.strata[0].labels == tuple(good)
    lower = small_frame(
        strata={"a": [label.lower() for label in good]}, private_strata=[], assume_canonical=True
    )
    assert lower.strata[0].labels == tuple(good)


# --- order values and selection ---------------------------------------------------------------


def test_the_uscc_block_packs_six_bits_per_character_then_twenty_zero_bits() -> None:
    assert uscc_block("000000000000000000") == bytes(16)
    assert uscc_block("000000000000000001").hex() == "00000000000000000000000000100000"
    for label in ("ZZZZZZZZZZZZZZZZZZ", "91330106MA0000001X", *labels(20)):
        bits = "".join(f"{int(ch, 36):06b}" for ch in label) + "0" * 20
        assert uscc_block(label) == int(bits, 2).to_bytes(16, "big")


def test_distinct_uscc_blocks_for_labels_that_differ_only_at_the_end() -> None:
    group = [f"91330106MA00000{tail}" for tail in ("01X", "01Y", "10X", "0X1")]
    assert len({uscc_block(label) for label in group}) == len(group)


uscc_text = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=18, max_size=18)


@settings(max_examples=50, deadline=None)
@given(st.lists(uscc_text, min_size=1, max_size=40, unique=True))
def test_bulk_packing_equals_the_one_label_definition(group: list[str]) -> None:
    require_aes()
    key = bytes(range(16))
    values = order_values_aes(key, group)
    assert values == [order_value(ALGORITHM, key + bytes(16), label) for label in group]


@settings(max_examples=50, deadline=None)
@given(st.lists(uscc_text, min_size=1, max_size=60, unique=True), st.integers(min_value=0, max_value=70))
def test_the_fast_lowest_k_equals_a_full_sort(group: list[str], k: int) -> None:
    require_aes()
    key = bytes(range(16))
    full = sorted(zip(order_values_aes(key, group), group, strict=True))[:k]
    assert lowest_aes(key, group, k) == full
    mac_key = bytes(32)
    assert (
        lowest_hmac(mac_key, group, k)
        == sorted(zip(order_values_hmac(mac_key, group), group, strict=True))[:k]
    )


def test_aes_cbc_with_a_zero_iv_over_one_block_gives_the_order_value_as_webcrypto_would() -> None:
    require_aes()
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = bytes.fromhex(VECTORS["order_values"]["aes_key_hex"])
    for row in VECTORS["order_values"]["labels"]:
        padder = padding.PKCS7(128).padder()
        block = padder.update(uscc_block(row["label"])) + padder.finalize()
        encryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor()
        webcrypto_output = encryptor.update(block) + encryptor.finalize()
        assert len(webcrypto_output) == 32
        assert webcrypto_output[:16].hex() == row[ALGORITHM]


def test_the_aes_path_refuses_labels_that_are_not_canonical_usccs() -> None:
    require_aes()
    for bad in (
        ["91330106ma0000001x"],
        ["91330106MA0000001"],
        ["91330106MA000000.1X"],
        ["执法证号执法证号执法证号执法证号执法"],
    ):
        with pytest.raises(LabelError):
            order_values_aes(bytes(16), bad)


def test_missing_cryptography_gives_a_clear_error_instead_of_another_algorithm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives.ciphers", None)
    with pytest.raises(MissingDependencyError, match="cryptography"):
        order_values_aes(bytes(16), labels(2))


def test_an_entity_draw_takes_each_stratum_quota_lowest_order_values() -> None:
    require_aes()
    frame = small_frame()
    code = one_time_code(SECRET, CHAIN, 1)
    selection = run_entity_draw(frame, one_time_code=code, ikm="1.2.3./")
    key = draw_keys(one_time_code=code, ikm="1.2.3./").entities
    for stratum in frame.strata:
        ranked = sorted((order_value(ALGORITHM, key, label).hex(), label) for label in stratum.labels)
        expected = [(label, stratum.key, value) for value, label in ranked[: stratum.quota]]
        got = [(s.label, s.stratum, s.order_hex) for s in selection.by_stratum()[stratum.key]]
        assert got == expected


def test_the_same_frame_code_and_randomness_give_the_same_selection() -> None:
    require_aes()
    code = one_time_code(SECRET, CHAIN, 1)
    first = run_entity_draw(small_frame(), one_time_code=code, ikm="1.2.3./")
    again = run_entity_draw(small_frame(), one_time_code=code, ikm="1.2.3./")
    other = run_entity_draw(small_frame(), one_time_code=code, ikm="1.2.4./")
    assert first == again
    assert first.selected != other.selected


def test_the_hmac_reference_variant_selects_by_hmac_sha256() -> None:
    frame = small_frame(algorithm=ALGORITHM_HMAC)
    code = one_time_code(SECRET, CHAIN, 1)
    key = draw_keys(one_time_code=code, ikm="7./").entities
    selection = run_entity_draw(frame, one_time_code=code, ikm="7./")
    for item in selection.selected:
        assert order_values_hmac(key, [item.label])[0].hex() == item.order_hex


def chi_square(counts: list[int], expected: float) -> float:
    return sum((c - expected) ** 2 / expected for c in counts)


@pytest.mark.parametrize("algorithm", [ALGORITHM, ALGORITHM_HMAC])
def test_every_label_of_a_tiny_stratum_is_selected_about_equally_often(algorithm: str) -> None:
    if algorithm == ALGORITHM:
        require_aes()
    group = labels(5)
    frame = build_frame(
        task_code="U", strata={"s": group}, method="fixed", quotas={"s": 2}, algorithm=algorithm
    )
    code = one_time_code(SECRET, CHAIN, 1)
    runs = 2000
    counts = dict.fromkeys(group, 0)
    firsts = dict.fromkeys(group, 0)
    for seed in range(runs):
        picked = run_entity_draw(frame, one_time_code=code, ikm=f"{seed}./").labels()
        for label in picked:
            counts[label] += 1
        firsts[picked[0]] += 1
    # Each label is selected with probability 2/5 and ranked first with 1/5. With 4 degrees of
    # freedom a chi-square above 25 has probability below 0.0001 for a uniform draw.
    assert chi_square(list(counts.values()), runs * 2 / 5) < 25
    assert chi_square(list(firsts.values()), runs / 5) < 25


# --- the published vectors --------------------------------------------------------------------


def test_the_vector_file_carries_the_vrs_and_rfc_3797_examples_unchanged() -> None:
    vrs = VECTORS["external"]["vrs_draft_example"]
    assert (vrs["commitment_hex"], vrs["one_time_code_hex"], vrs["prk_hex"]) == (
        VRS_COMMITMENT,
        VRS_CODE,
        VRS_PRK,
    )
    assert {row["label"]: row["order_hex"] for row in vrs["orders"]} == VRS_ORDERS
    assert vrs["selection_of_two_without_blue"] == ["lavenderblush", "darkgoldenrod"]
    rfc = VECTORS["external"]["rfc3797_example"]
    assert encode_rfc3797(rfc["sources"]) == rfc["encoded_utf8"] == "9319./2.5.8.10.12./9.18.26.34.41.45./"


def test_the_vector_file_encodings_reproduce() -> None:
    enc = VECTORS["encodings"]
    for row in enc["length_prefix"]:
        assert encode_parts(*row["parts"]).hex() == row["encoded_hex"]
    for row in enc["ikm"]:
        assert encode_ikm(row["values"]) == row["ikm_utf8"]
    for row in enc["members_hash"]:
        assert members_hash(row["labels"]).hex() == row["hash_hex"]
    key = bytes.fromhex(enc["derive_key"]["prk_hex"])
    assert derive_key(key, "entities").hex() == enc["derive_key"]["entities_hex"]
    assert derive_key(key, "inspectors").hex() == enc["derive_key"]["inspectors_hex"]


def test_the_vector_file_quotas_reproduce() -> None:
    for row in VECTORS["quotas"]["ratio_ceil"]:
        ratio = parse_ratio(row["ratio"])
        assert quota_ceil(row["size"], ratio.numerator, ratio.denominator) == row["quota"]
    for row in VECTORS["quotas"]["largest_remainder"]:
        assert allocate_largest_remainder(row["sizes"], row["total"]) == row["quotas"]


def test_the_vector_file_order_values_reproduce() -> None:
    require_aes()
    vec = VECTORS["order_values"]
    key = bytes.fromhex(vec["key_entities_hex"])
    assert aes_key(key).hex() == vec["aes_key_hex"]
    for row in vec["labels"]:
        assert uscc_block(row["label"]).hex() == row["block_hex"]
        assert order_value(ALGORITHM, key, row["label"]).hex() == row[ALGORITHM]
        assert order_value(ALGORITHM_HMAC, key, row["label"]).hex() == row[ALGORITHM_HMAC]


def vector_frame():  # type: ignore[no-untyped-def]
    inputs = VECTORS["entity_draw"]["inputs"]
    return build_frame(
        task_code=inputs["task_code"],
        strata=inputs["strata"],
        method=inputs["method"],
        ratios=inputs["ratios"],
        exclusions=[tuple(e) for e in inputs["exclusions"]],
        private_strata=inputs["private_strata"],
        opaque_salt=bytes.fromhex(inputs["opaque_salt_hex"]),
    )


def test_the_vector_file_entity_draw_reproduces_frame_keys_and_selection() -> None:
    require_aes()
    vec = VECTORS["entity_draw"]
    inputs, expected = vec["inputs"], vec["expected"]
    secret = inputs["secret_utf8"].encode()
    frame = vector_frame()
    assert frame.encode().hex() == vec["frame_encoding_hex"]
    assert frame.hash_hex == expected["frame_hash_hex"]
    assert [
        {
            "key": s.key,
            "private_key": s.private_key,
            "size": s.size,
            "quota": s.quota,
            "members_hash_hex": s.members_hash.hex(),
        }
        for s in frame.strata
    ] == expected["strata"]
    assert chain_commitment(secret, inputs["chain_length"]).hex() == expected["commitment_hex"]
    code = one_time_code(secret, inputs["chain_length"], inputs["iteration"])
    assert code.hex() == expected["one_time_code_hex"]
    ikm = encode_ikm(s["value"] for s in vec["bundle"]["randomness"]["sources"])
    assert ikm == expected["ikm_utf8"]
    keys = draw_keys(one_time_code=code, ikm=ikm)
    assert (keys.prk.hex(), keys.entities.hex(), keys.inspectors.hex()) == (
        expected["prk_hex"],
        expected["key_entities_hex"],
        expected["key_inspectors_hex"],
    )
    selection = run_entity_draw(frame, one_time_code=code, ikm=ikm)
    assert [
        {"label": s.label, "stratum": s.stratum, "order_hex": s.order_hex} for s in selection.selected
    ] == expected["selected"]


def test_the_vector_file_bundles_verify_against_their_announcements() -> None:
    require_aes()
    entity = VECTORS["entity_draw"]
    assert verify_bundle(entity["bundle"], entity["announcement"]).ok
    public = verify_bundle(entity["public_bundle"], entity["announcement"])
    assert public.ok and public.limits
    matching = VECTORS["matching_draw"]
    assert verify_bundle(matching["bundle"], matching["announcement"]).ok


def test_the_vector_file_bundle_is_what_make_bundle_builds_today() -> None:
    require_aes()
    from inspections.draw.vectors import build_vectors

    assert json.loads(json.dumps(build_vectors(), ensure_ascii=False)) == VECTORS


# --- evidence and verification ----------------------------------------------------------------


def test_a_genuine_bundle_verifies_with_every_check_run() -> None:
    require_aes()
    bundle, announcement = entity_bundle()
    report = verify_bundle(bundle, announcement)
    assert report.ok, report.mismatches
    assert report.checked == ["format", "announcement", "one_time_code", "randomness", "frame", "selection"]


def test_the_bundle_uses_the_field_names_of_draw_md() -> None:
    require_aes()
    bundle, _ = entity_bundle()
    assert {
        "format",
        "algorithm",
        "draw",
        "announcement",
        "one_time_code_hex",
        "randomness",
        "frame",
        "selected",
    } <= set(bundle)
    assert {"id", "task_code", "kind", "iteration", "created_at", "supersedes", "reason"} <= set(
        bundle["draw"]
    )
    assert {"published_at", "commitment_hash_hex", "chain_length", "frame_hash_hex", "sources"} <= set(
        bundle["announcement"]
    )
    assert {"sources", "ikm_utf8"} <= set(bundle["randomness"])
    assert {"kind", "value", "collected_at"} <= set(bundle["randomness"]["sources"][0])
    assert {"hash_hex", "size", "exclusions", "strata", "matching"} <= set(bundle["frame"])
    assert {"key", "size", "quota", "labels"} <= set(bundle["frame"]["strata"][0])
    assert set(bundle["selected"][0]) == {"label", "stratum", "order_hex"}
    assert bundle["format"] == "draw-evidence/1" and bundle["algorithm"] == ALGORITHM


def test_verify_reports_one_frame_label_changed() -> None:
    require_aes()
    bundle, announcement = entity_bundle()
    stratum = bundle["frame"]["strata"][0]
    stratum["labels"][0] = example_uscc(900, region="330105")
    stratum["labels"].sort()
    report = verify_bundle(bundle, announcement)
    assert {"frame.members_hash", "frame.hash"} <= report.codes()


def test_verify_reports_one_quota_changed() -> None:
    require_aes()
    bundle, announcement = entity_bundle()
    bundle["frame"]["strata"][1]["quota"] += 1
    report = verify_bundle(bundle, announcement)
    assert {"frame.quota_rule", "frame.hash", "selected.rederive"} <= report.codes()


def test_verify_reports_one_stratum_assignment_changed() -> None:
    require_aes()
    bundle, announcement = entity_bundle()
    strata = bundle["frame"]["strata"]
    moved = strata[1]["labels"].pop()
    strata[2]["labels"] = sorted([*strata[2]["labels"], moved])
    report = verify_bundle(bundle, announcement)
    assert {"frame.stratum_size", "frame.members_hash", "frame.hash"} <= report.codes()


def test_verify_reports_one_character_of_the_randomness_changed() -> None:
    require_aes()
    bundle, announcement = entity_bundle()
    bundle["randomness"]["ikm_utf8"] = bundle["randomness"]["ikm_utf8"].replace("4.", "5.", 1)
    assert "randomness.ikm" in verify_bundle(bundle, announcement).codes()
    bundle, announcement = entity_bundle()
    bundle["randomness"]["sources"][0]["value"] = [5, 0, 7]
    assert {"randomness.ikm", "selected.rederive"} <= verify_bundle(bundle, announcement).codes()


def test_verify_reports_a_changed_server_entropy_against_its_announced_hash() -> None:
    require_aes()
    bundle, announcement = entity_bundle()
    bundle["randomness"]["sources"][1]["value"] = "ac" + "ab" * 31
    assert "randomness.value_hash" in verify_bundle(bundle, announcement).codes()


def test_a_forged_bundle_with_recomputed_hashes_passes_alone_but_fails_against_the_recorded_announcement() -> (
    None
):
    require_aes()
    genuine, recorded = entity_bundle()
    strata = small_frame_strata()
    strata["risk:A"] = [*strata["risk:A"][1:], example_uscc(777)]
    forged_secret = b"the forger's own secret, 32 byte"
    frame = small_frame(strata=strata)
    announcement = make_announcement(
        published_at=recorded["published_at"],
        commitment=chain_commitment(forged_secret, CHAIN),
        chain_length=CHAIN,
        frame=frame,
        sources=recorded["sources"],
    )
    code = one_time_code(forged_secret, CHAIN, 1)
    ikm = encode_ikm(s["value"] for s in SOURCES)
    forged = make_bundle(
        draw=genuine["draw"],
        announcement=announcement,
        one_time_code=code,
        sources=SOURCES,
        frame=frame,
        result=run_entity_draw(frame, one_time_code=code, ikm=ikm),
    )
    alone = verify_bundle(forged, None)
    assert alone.ok and alone.limits
    report = verify_bundle(forged, recorded)
    assert {"announcement.commitment_hash_hex", "announcement.frame_hash_hex", "frame.hash"} <= report.codes()


def test_verify_reports_a_one_time_code_that_does_not_match_the_commitment() -> None:
    require_aes()
    bundle, announcement = entity_bundle()
    bundle["one_time_code_hex"] = one_time_code(SECRET, CHAIN, 2).hex()
    assert "one_time_code" in verify_bundle(bundle, announcement).codes()


def test_verify_reports_a_selected_label_swapped_for_another() -> None:
    require_aes()
    bundle, announcement = entity_bundle()
    row = bundle["selected"][0]
    stratum = next(s for s in bundle["frame"]["strata"] if s["key"] == row["stratum"])
    row["label"] = next(
        label for label in stratum["labels"] if label not in {r["label"] for r in bundle["selected"]}
    )
    assert "selected.rederive" in verify_bundle(bundle, announcement).codes()


def test_verify_never_raises_on_a_mangled_bundle() -> None:
    require_aes()
    bundle, announcement = entity_bundle()
    del bundle["frame"]["strata"]
    bundle["one_time_code_hex"] = "zz"
    report = verify_bundle(bundle, announcement)
    assert not report.ok
    assert any(code.endswith(".malformed") for code in report.codes())


def test_the_public_bundle_withholds_credit_risk_members_but_still_verifies() -> None:
    require_aes()
    bundle, announcement = entity_bundle()
    public = public_bundle(bundle)
    opaque = [s for s in public["frame"]["strata"] if s["key"].startswith("x-")]
    assert opaque and all(
        s["labels"] is None and s["private_key"] is None and s["ratio"] is None for s in opaque
    )
    assert public["frame"]["opaque_salt_hex"] is None
    assert "risk:A" not in json.dumps(public, ensure_ascii=False)
    street = next(s for s in public["frame"]["strata"] if s["key"] == "street:西湖")
    assert street["labels"]
    report = verify_bundle(public, announcement)
    assert report.ok, report.mismatches
    public["selected"][-1]["order_hex"] = "00" * 16
    assert "selected.order" in verify_bundle(public, announcement).codes()


def test_an_inspector_bundle_has_no_public_form() -> None:
    with pytest.raises(DrawError):
        public_bundle({"draw": {"kind": "inspectors"}})


# --- house rules ------------------------------------------------------------------------------


def test_the_engine_uses_no_library_generator_and_no_django() -> None:
    forbidden = re.compile(
        r"random\.|np\.random|default_rng|import random|from random|import django|from django"
    )
    for path in ENGINE_DIR.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not forbidden.search(text), f"{path.name} mentions a library generator or Django"


def test_server_entropy_alone_is_refused_unless_the_draw_is_a_trial() -> None:
    server_only = [{"kind": "server", "description": "server entropy", "value_sha256_hex": "00" * 32}]
    commitment = chain_commitment(SECRET, CHAIN)
    with pytest.raises(DrawError, match="outside the operator"):
        make_announcement(
            published_at="p",
            commitment=commitment,
            chain_length=CHAIN,
            frame=small_frame(),
            sources=server_only,
        )
    trial = make_announcement(
        published_at="p",
        commitment=commitment,
        chain_length=CHAIN,
        frame=small_frame(),
        sources=server_only,
        trial=True,
    )
    assert trial["trial"] is True


def test_unknown_source_kinds_are_refused() -> None:
    with pytest.raises(DrawError, match="source kind"):
        make_announcement(
            published_at="p",
            commitment=chain_commitment(SECRET, CHAIN),
            chain_length=CHAIN,
            frame=small_frame(),
            sources=[{"kind": "dice", "description": "operator's dice"}],
        )


def test_verify_reports_a_bundle_whose_only_randomness_is_the_operators() -> None:
    require_aes()
    sources = [{"kind": "server", "description": "server entropy", "value": "cd" * 32, "collected_at": "t"}]
    frame = small_frame()
    announcement = make_announcement(
        published_at="p",
        commitment=chain_commitment(SECRET, CHAIN),
        chain_length=CHAIN,
        frame=frame,
        sources=announced(sources),
        trial=True,
    )
    code = one_time_code(SECRET, CHAIN, 1)
    selection = run_entity_draw(frame, one_time_code=code, ikm=encode_ikm(["cd" * 32]))
    bundle = make_bundle(
        draw={"id": "t", "iteration": 1},
        announcement=announcement,
        one_time_code=code,
        sources=sources,
        frame=frame,
        result=selection,
    )
    assert verify_bundle(bundle, announcement).ok
    del bundle["announcement"]["trial"]
    report = verify_bundle(bundle, announcement)
    assert {"randomness.operator_only", "announcement.trial"} <= report.codes()
