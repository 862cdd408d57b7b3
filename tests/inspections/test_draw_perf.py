"""The fast paths of the draw (grouped conflict pairs, the stored frame, COPY text groups) give
exactly what the plain paths give: same bytes, same hashes, same selections."""

from __future__ import annotations

import hashlib

import pytest

from inspections import draw as engine
from inspections.draw.bench import synthetic_usccs
from inspections.draw.frame import _encode_pairs
from inspections.frames import _groups, split_sorted_groups

ENTITIES = synthetic_usccs(40)
PEOPLE = [f"执法{i:03d}" for i in range(30)] + ["ZJ-9", "zj-10", "é-1"]


def _pairs(seed: str, count: int) -> list[tuple[str, str]]:
    out = []
    for i in range(count):
        digest = hashlib.sha256(f"{seed}/{i}".encode()).digest()
        out.append((ENTITIES[digest[0] % len(ENTITIES)], PEOPLE[digest[1] % len(PEOPLE)]))
    return out


@pytest.mark.parametrize("count", [0, 1, 7, 300])
def test_a_pairset_encodes_iterates_and_answers_like_a_set_of_pairs(count) -> None:
    pairs = _pairs(f"p{count}", count)
    plain = frozenset(pairs)
    grouped = engine.PairSet.from_pairs(reversed(pairs))
    assert _encode_pairs(grouped) == _encode_pairs(plain)
    assert list(grouped) == sorted(plain) and len(grouped) == len(plain) and grouped == plain
    for pair in [*pairs, (ENTITIES[0], "nobody"), ("nobody", PEOPLE[0])]:
        assert (pair in grouped) == (pair in plain)
    assert engine.PairSet.presorted(dict(grouped.groups())) == grouped


def test_a_matching_frame_hashes_the_same_from_grouped_pairs_or_from_a_list() -> None:
    pairs = _pairs("frame", 200) + [(ENTITIES[0], "not-listed")]
    common = {
        "task_code": "T-1", "entities": [(e, hashlib.sha256(e.encode()).hexdigest()[:32]) for e in ENTITIES[:30]],
        "departments": [{"code": "A", "per_entity": 1, "cap": 3, "labels": PEOPLE[:20]},
                        {"code": "B", "per_entity": 1, "cap": 3, "labels": PEOPLE[15:]}],
        "lead_department": "A",
    }
    listed = engine.build_matching_frame(conflicts=pairs, **common)
    groups: dict[str, list[str]] = {}
    for entity, person in pairs:
        groups.setdefault(entity, []).append(person)
    grouped = engine.build_matching_frame(conflicts=engine.PairSet(groups), **common)
    assert grouped.hash_hex == listed.hash_hex and set(grouped.conflicts) == set(listed.conflicts)
    code, ikm = b"\x01" * 32, "1.2.3./"
    assert engine.run_matching(grouped, one_time_code=code, ikm=ikm) == engine.run_matching(listed, one_time_code=code, ikm=ikm)


def test_copy_text_is_cut_into_groups_and_ungrouped_text_is_refused() -> None:
    text = "a\t1\na\t2\nb\t3\nc\t4\nc\t5\n"
    assert split_sorted_groups(text) == {"a": ["1", "2"], "b": ["3"], "c": ["4", "5"]}
    assert split_sorted_groups("") == {}
    with pytest.raises(ValueError):
        split_sorted_groups("a\t1\nb\t2\na\t3\n")
    assert _groups("a\t1\nb\t2\na\t3\n") == {"a": ["1", "3"], "b": ["2"]}  # the slow path keeps every line


@pytest.mark.django_db
def test_a_stored_frame_reads_back_as_its_json_and_as_the_same_frame() -> None:
    from inspections.draw.evidence import frame_to_json
    from inspections.drawing import frame_from_blob, frame_header, pack_frame, unpack

    labels = synthetic_usccs(500)
    frame = engine.build_frame(
        task_code="T-2", strata={"type:a": labels[:300], "type:b": labels[300:], "type:c": []},
        method="ratio_ceil", ratios={"*": "3/100"}, exclusions=[("not_in_existence", 4)],
    )
    blob = pack_frame(frame)
    assert unpack(blob) == frame_to_json(frame)
    assert frame_header(blob)["strata"][0]["labels"] is None
    for trusted in (None, frame.hash_hex):
        again = frame_from_blob(blob, algorithm=frame.algorithm, frame_hash_hex=trusted)
        assert again.hash_hex == frame.hash_hex and again.strata == frame.strata
    with pytest.raises(engine.DrawError):
        frame_from_blob(blob, algorithm=frame.algorithm, frame_hash_hex="00" * 32)

    matching = engine.build_matching_frame(
        task_code="T-3", entities=[(e, hashlib.sha256(e.encode()).hexdigest()[:32]) for e in ENTITIES],
        departments=[{"code": "A", "per_entity": 2, "cap": 5, "labels": PEOPLE}], lead_department="A",
        conflicts=_pairs("stored", 100), leave=PEOPLE[:2],
    )
    blob = pack_frame(matching)
    assert unpack(blob) == frame_to_json(matching)
    for trusted in (None, matching.hash_hex):
        again = frame_from_blob(blob, algorithm=matching.algorithm, frame_hash_hex=trusted)
        assert again.hash_hex == matching.hash_hex and again.conflicts == matching.conflicts


def test_packed_labels_give_the_same_frame_hash_and_selection_as_a_list() -> None:
    labels = synthetic_usccs(3000)
    shuffled = labels[1::2] + labels[::2]  # canonical, out of order: the engine sorts them
    code, ikm = b"\x02" * 32, "4.5./"
    frames = [
        engine.build_frame(task_code="T-4", strata={"type:a": form, "type:b": labels[:0]}, method="ratio_ceil",
                           ratios={"*": "7/100"}, assume_canonical=True)
        for form in (labels, engine.PackedLabels("\n".join(labels).encode()),
                     engine.PackedLabels("\n".join(shuffled).encode()))
    ]
    assert isinstance(frames[1].strata[0].labels, engine.PackedLabels)
    assert len({f.hash_hex for f in frames}) == 1
    selections = [engine.run_entity_draw(f, one_time_code=code, ikm=ikm) for f in frames]
    assert selections[0] == selections[1] == selections[2] and len(selections[0].selected) == 210
    packed = frames[1].strata[0].labels
    assert list(packed) == labels and packed[5] == labels[5] and packed[-1] == labels[-1] and len(packed) == 3000
    with pytest.raises(engine.LabelError):
        engine.PackedLabels(b"91330106MA0000001")  # 17 characters
    with pytest.raises(engine.LabelError):  # 17 characters and a stray newline: refused by the frame
        engine.build_frame(task_code="T-4", strata={"s": engine.PackedLabels(b"91330106MA0000001\n")},
                           method="fixed", quotas={"s": 1}, assume_canonical=True)
    bad = engine.PackedLabels(("\n".join(labels[:2])).replace("9", "*", 1).encode())
    with pytest.raises(engine.LabelError):  # not canonical: refused, never silently dropped
        engine.build_frame(task_code="T-4", strata={"s": bad}, method="fixed", quotas={"s": 1}, assume_canonical=True)
    twice = engine.PackedLabels("\n".join([labels[0], labels[0]]).encode())
    with pytest.raises(engine.FrameError):
        engine.build_frame(task_code="T-4", strata={"s": twice}, method="fixed", quotas={"s": 1}, assume_canonical=True)


@pytest.mark.parametrize("numpy", ["1", "0"])
def test_numpy_and_pure_python_paths_give_the_same_blocks_order_and_selection(monkeypatch, numpy) -> None:
    """The engine's optional numpy passes (inspections/draw/accel.py) against their pure-Python
    twins: same AES inputs, same sortedness verdicts, same selections, same refusals."""
    from inspections.draw import accel
    from inspections.draw.select import _packed_blocks, uscc_block

    monkeypatch.setenv("SSJ_DRAW_NO_NUMPY", "0" if numpy == "1" else "1")
    assert accel.available() is (numpy == "1")
    labels = synthetic_usccs(2500)
    packed = engine.PackedLabels("\n".join(labels).encode())
    blocks = _packed_blocks(packed)
    assert blocks == b"".join(uscc_block(label) for label in labels) == _packed_blocks(labels)
    frame = engine.build_frame(task_code="T-5", strata={"s": packed}, method="ratio_ceil", ratios={"*": "1/100"},
                               assume_canonical=True)
    assert frame.strata[0].labels is packed  # recognised as ascending without a step per label
    selection = engine.run_entity_draw(frame, one_time_code=b"\x03" * 32, ikm="1.2./")
    expected = sorted((engine.order_value(frame.algorithm, engine.draw_keys(one_time_code=b"\x03" * 32, ikm="1.2./").entities, u), u)
                      for u in labels)[:25]
    assert [(bytes.fromhex(s.order_hex), s.label) for s in selection.selected] == expected
    swapped = labels[:10] + [labels[11], labels[10]] + labels[12:]
    reordered = engine.build_frame(task_code="T-5", strata={"s": engine.PackedLabels("\n".join(swapped).encode())},
                                   method="ratio_ceil", ratios={"*": "1/100"}, assume_canonical=True)
    assert reordered.hash_hex == frame.hash_hex  # out of order: sorted, same frame
    moved = ("\n".join(labels[:2])).replace("\n", "A", 1)[:-1] + "\n"  # a newline in the wrong place
    with pytest.raises((engine.LabelError, engine.DrawError)):
        _packed_blocks(engine.PackedLabels(moved.encode()))
    with pytest.raises(engine.LabelError):
        _packed_blocks(engine.PackedLabels(("\n".join(labels[:3])).replace("9", "a", 1).encode()))




@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_parallel_export_gives_the_strata_one_connection_gives(monkeypatch) -> None:
    """Inside the outermost transaction the frame's types are exported on two extra connections
    from that transaction's snapshot: the strata equal those of the one-connection export, and
    an entity another session commits while the export runs is not in them."""
    import threading

    from django.db import connection, transaction

    from agencies.models import Role
    from entities.models import Entity
    from inspections import frames
    from tests.factories import DepartmentFactory, person
    from tests.inspections.entities import code, registry
    from tests.inspections.factories import make_task

    dept = DepartmentFactory(code="SCJG")
    user = person("clerk", dept, Role.STAFF)
    registry(400)
    registry(7, start=400, status="revoked")
    task = make_task(user=user, department=dept, title="并行导出")
    sequential = frames.build_frame_rows(task)
    assert not frames._may_export_snapshot()  # autocommit: no snapshot to share, one connection

    late, failures = code(777_001, prefix="91370113"), []
    assert not Entity.objects.filter(uscc=late).exists()

    def commit_elsewhere() -> None:
        try:
            Entity.objects.create(uscc=late, name="导出期间登记", entity_type="individual", industry_id="61",
                                  region_id="370113001", status="active", risk_class="B")
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            failures.append(exc)
        finally:
            connection.close()

    exports, original = [], frames._export

    lock = threading.Lock()

    def export(cursor, query):
        with lock:
            if not exports:  # the first export: the snapshot is already taken and imported
                worker = threading.Thread(target=commit_elsewhere)
                worker.start()
                worker.join()
            exports.append(query)
        return original(cursor, query)

    monkeypatch.setattr(frames, "_export", export)
    monkeypatch.setattr(frames, "PARALLEL_EXPORT_ROWS", 0)  # a small registry: parallel only when told
    with transaction.atomic():
        assert frames._may_export_snapshot()
        parallel = frames.build_frame_rows(task)
        with transaction.atomic():
            assert not frames._may_export_snapshot()  # never from within a savepoint
    assert len(exports) == 6  # one per entity type and the not-in-existence count, on the two extra connections
    assert {k: list(v) for k, v in parallel.strata.items()} == {k: list(v) for k, v in sequential.strata.items()}
    assert parallel.exclusions == sequential.exclusions and sequential.exclusions[0] == ("not_in_existence", 7)
    assert sum(len(v) for v in parallel.strata.values()) == 400
    assert not failures and Entity.objects.filter(uscc=late).exists()  # committed, but after the snapshot
    assert late not in {label for labels in parallel.strata.values() for label in labels}


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_small_frame_cut_by_flags_equals_the_frame_joined_per_type(monkeypatch) -> None:
    """A small frame comes out of one pass over the scope, a flag per line: the strata, the
    not-in-existence count and the history rules' removals are those of the per-type export,
    and a code that is not 18 characters falls back to it."""
    import datetime as dt

    from agencies.models import Role
    from entities.models import Entity
    from inspections import frames
    from inspections.models import InspectionRecord
    from tests.factories import DepartmentFactory, person
    from tests.inspections.entities import registry
    from tests.inspections.factories import make_task

    dept = DepartmentFactory(code="SCJG")
    user = person("clerk", dept, Role.STAFF)
    active = registry(300)
    registry(9, start=300, status="revoked")
    registry(4, start=400, status="moved_out")
    registry(50, start=500, region="370113002")  # out of scope
    task = make_task(user=user, department=dept, title="标记导出", filters={"regions": ["370113001"]})
    item = task.task_items.first().item
    for e in active[:6]:
        InspectionRecord.objects.create(entity=e, department=dept, item=item, inspected_on=dt.date(task.year, 3, 1))

    calls, original = [], frames._flagged_export

    def flagged(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(frames, "_flagged_export", flagged)
    cut = frames.build_frame_rows(task)
    assert len(calls) == 1
    monkeypatch.setattr(frames, "_flagged_export", lambda *args: None)
    joined = frames.build_frame_rows(task)
    assert {k: v.data for k, v in cut.strata.items()} == {k: v.data for k, v in joined.strata.items()}
    assert set(cut.strata) == {"type:enterprise", "type:individual", "type:cooperative"}
    assert cut.exclusions == joined.exclusions == [
        ("not_in_existence", 13), ("inspected_this_year_for_item", 6), ("inspected_this_quarter_by_other_department", 0)
    ]
    assert sum(len(v) for v in cut.strata.values()) == 294
    assert not {e.uscc for e in active[:6]} & {label for v in cut.strata.values() for label in v}

    # A code of another length: the flagged lines are not all one width, the general path runs.
    monkeypatch.setattr(frames, "_flagged_export", original)
    Entity.objects.filter(uscc=active[10].uscc).update(uscc="SHORT0001")
    rows = frames.build_frame_rows(task)
    assert "SHORT0001" in {label.strip() for v in rows.strata.values() for label in v}
    assert rows.exclusions[0] == ("not_in_existence", 13)


@pytest.mark.postgres
@pytest.mark.django_db
def test_compressed_blobs_are_not_compressed_again_by_postgresql() -> None:
    """Frames, bundles and public attachments are stored zlib-compressed: their columns skip
    PostgreSQL's own compression attempt (storage EXTERNAL), which on a city frame cost most
    of the time of storing it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attrelid::regclass::text, attname, attstorage FROM pg_attribute "
            "WHERE (attrelid::regclass::text, attname) IN (('inspections_drawframe', 'blob'), "
            "('inspections_drawevidence', 'bundle'), ('inspections_drawevidence', 'public_bundle'), "
            "('core_publicationattachment', 'compressed'))"
        )
        storage = {(table, column): kind for table, column, kind in cursor.fetchall()}
    assert len(storage) == 4 and set(storage.values()) == {"e"}, storage


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_untargeted_task_with_a_stray_type_filter_draws_from_every_type() -> None:
    """An untargeted task's scope ignores its filters: a type list left in them neither drops
    the other types from the frame nor counts their rows as gone (the portable path agrees)."""
    from agencies.models import Role
    from entities.models import Entity
    from inspections import frames
    from tests.factories import DepartmentFactory, person
    from tests.inspections.entities import registry
    from tests.inspections.factories import make_task

    dept = DepartmentFactory(code="SCJG")
    user = person("clerk", dept, Role.STAFF)
    registry(40)
    registry(5, start=100, status="revoked")
    registry(8, start=200, region="370113002")
    task = make_task(user=user, department=dept, title="不定向", draw_mode="untargeted", filters={"entity_types": ["enterprise"]})
    rows = frames.build_frame_rows(task)
    portable = frames._strata_portable(task, Entity.objects.filter(status="active"))
    assert {k: list(v) for k, v in rows.strata.items()} == portable
    assert rows.exclusions[0] == ("not_in_existence", 5)
    assert sum(len(v) for v in rows.strata.values()) == 48


def _joined(pairs: engine.PairSet) -> engine.PairSet:
    return engine.PairSet.joined({e: "\t".join(labels) for e, labels in pairs.groups().items()})


@pytest.mark.parametrize(
    "people",
    [
        PEOPLE,  # labels of several widths, some of them multi-byte
        [f"执法{i:03d}" for i in range(30)],  # one width: encoded by the one-replace path
        ["ab", "abcd", "abc", "é-12", "e-12"],  # widths that average out to a whole number
    ],
)
def test_a_joined_pairset_is_the_same_set_with_the_same_bytes(people) -> None:
    for count in (0, 1, 7, 300):
        pairs = [(e, people[hashlib.sha256(p.encode()).digest()[0] % len(people)]) for e, p in _pairs(f"j{count}", count)]
        grouped = engine.PairSet.from_pairs(pairs)
        joined = _joined(grouped)
        assert joined.is_joined and len(joined) == len(grouped)
        assert joined.encode() == grouped.encode() == _encode_pairs(frozenset(pairs))
        for pair in [*pairs, (ENTITIES[0], "nobody"), ("nobody", people[0]), (ENTITIES[0], "")]:
            assert (pair in joined) == (pair in grouped)
        assert joined.is_joined  # looking pairs up splits one entity's text at a time, never the whole set
        assert list(joined) == list(grouped) and joined == grouped and hash(joined) == hash(grouped)


def test_a_matching_frame_takes_joined_conflicts_as_they_are_only_if_they_name_drawn_entities() -> None:
    common = {
        "task_code": "T-5", "entities": [(e, hashlib.sha256(e.encode()).hexdigest()[:32]) for e in ENTITIES[:30]],
        "departments": [{"code": "A", "per_entity": 1, "cap": 3, "labels": PEOPLE[:20]},
                        {"code": "B", "per_entity": 1, "cap": 3, "labels": PEOPLE[15:]}],
        "lead_department": "A",
    }
    pairs = [(e, p) for e, p in _pairs("joined-frame", 200) if e in ENTITIES[:30]]
    listed = engine.build_matching_frame(conflicts=pairs, **common)
    joined = engine.build_matching_frame(conflicts=_joined(engine.PairSet.from_pairs(pairs)), **common)
    assert joined.conflicts.is_joined and joined.hash_hex == listed.hash_hex
    code, ikm = b"\x03" * 32, "7.8./"
    assert engine.run_matching(joined, one_time_code=code, ikm=ikm) == engine.run_matching(listed, one_time_code=code, ikm=ikm)
    # A joined set naming an entity that was not drawn is checked and pruned like any other.
    stray = engine.build_matching_frame(conflicts=_joined(engine.PairSet.from_pairs([*pairs, (ENTITIES[35], PEOPLE[0])])), **common)
    assert not stray.conflicts.is_joined and stray.hash_hex == listed.hash_hex


@pytest.mark.django_db
def test_the_draw_reads_its_stored_conflicts_joined_and_they_hash_as_announced() -> None:
    from inspections.drawing import frame_from_blob, pack_frame

    matching = engine.build_matching_frame(
        task_code="T-6", entities=[(e, hashlib.sha256(e.encode()).hexdigest()[:32]) for e in ENTITIES],
        departments=[{"code": "A", "per_entity": 2, "cap": 5, "labels": PEOPLE}], lead_department="A",
        conflicts=_pairs("stored-joined", 300),
    )
    again = frame_from_blob(pack_frame(matching), algorithm=matching.algorithm, frame_hash_hex=matching.hash_hex)
    assert again.conflicts.is_joined
    assert hashlib.sha256(again.encode()).hexdigest() == matching.hash_hex  # recomputed, not taken from the header
    code, ikm = b"\x04" * 32, "1./"
    assert engine.run_matching(again, one_time_code=code, ikm=ikm) == engine.run_matching(matching, one_time_code=code, ikm=ikm)


@pytest.mark.django_db
def test_the_frames_conflicts_are_the_declared_ones_in_canonical_order_whatever_the_database() -> None:
    from django.db import connection

    from inspections.matching import _conflicts
    from inspectors.models import ConflictDeclaration, Inspector
    from tests.factories import DepartmentFactory

    dept = DepartmentFactory(code="CF")
    certs = ["a-1", "B-1", "Z-1", "é-1", "e-2", "执法001", "outsider"]  # code-point order differs from most locales'
    people = {c: Inspector.objects.create(department=dept, name=c, cert_no=c) for c in certs}
    drawn = ENTITIES[:4]
    declared = [(drawn[0], "a-1"), (drawn[0], "B-1"),
                (drawn[1], "é-1"), (drawn[1], "Z-1"), (drawn[1], "执法001"), (drawn[2], "e-2"), (drawn[3], "outsider")]
    for entity, cert in declared:
        ConflictDeclaration.objects.create(inspector=people[cert], entity_id=entity, ground="other")
    ConflictDeclaration.objects.create(inspector=people["a-1"], entity_id=drawn[2], ground="other", status="rejected")
    ConflictDeclaration.objects.create(inspector=people["a-1"], entity_id=ENTITIES[10], ground="other")  # not drawn
    listed = {p.pk: p.cert_no for cert, p in people.items() if cert != "outsider"}

    got = _conflicts(drawn, listed)
    expected = engine.PairSet.from_pairs([(e, c) for e, c in declared if c != "outsider"])
    assert got.is_joined == (connection.vendor == "postgresql")
    assert got.encode() == expected.encode() and got == expected
    assert list(got.groups()[drawn[1]]) == ["Z-1", "é-1", "执法001"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_large_frames_conflicts_read_on_two_connections_are_the_ones_one_connection_reads(monkeypatch) -> None:
    from django.db import transaction

    from inspections import matching
    from inspectors.models import ConflictDeclaration, Inspector
    from tests.factories import DepartmentFactory

    dept = DepartmentFactory(code="CF2")
    people = [Inspector.objects.create(department=dept, name=p, cert_no=p) for p in PEOPLE]
    ConflictDeclaration.objects.bulk_create(
        [ConflictDeclaration(inspector=people[PEOPLE.index(p)], entity_id=e, ground="other")
         for e, p in set(_pairs("two-connections", 400))]
    )
    listed = {p.pk: p.cert_no for p in people[:25]}
    one = matching._conflicts(ENTITIES, listed)  # autocommit: one connection
    started = []
    original = matching.SnapshotJobs

    def counted(jobs):
        started.append(sorted(jobs))
        return original(jobs)

    monkeypatch.setattr(matching, "SnapshotJobs", counted)
    monkeypatch.setattr(matching, "PARALLEL_CONFLICT_ENTITIES", 1)
    with transaction.atomic():
        two = matching._conflicts(ENTITIES, listed)
    assert started == [["even", "odd"]]
    assert two.encode() == one.encode() and two == one and 0 < len(one) < 400


def test_conflict_texts_read_in_parts_are_sorted_per_part_and_merged_where_an_entity_is_in_two() -> None:
    from inspections.matching import _joined, _sorted_texts

    first = _sorted_texts([(ENTITIES[1] + " ", "é-1\tZ-1\ta-1"), (ENTITIES[0], "B-1")])  # as the database sends them
    assert first == {ENTITIES[1]: "Z-1\ta-1\té-1", ENTITIES[0]: "B-1"}
    both = _joined([first, {ENTITIES[1]: "B-1\t执法001", ENTITIES[2]: "a-1"}])
    expected = engine.PairSet.from_pairs(
        [(ENTITIES[1], c) for c in ("é-1", "Z-1", "a-1", "B-1", "执法001")] + [(ENTITIES[0], "B-1"), (ENTITIES[2], "a-1")]
    )
    assert both.is_joined and both == expected and both.encode() == expected.encode()
    assert list(both.entities()) == sorted(both.entities())


def test_membership_by_searching_the_joined_text_is_exact() -> None:
    # A grouped set may hold a tab or an empty label (a frame refuses both; the set does not).
    groups = {ENTITIES[0]: ["AB", "B", "执法1"], ENTITIES[1]: ["A\tB", "C"], ENTITIES[2]: [""]}
    grouped = engine.PairSet(groups)
    joined = engine.PairSet.joined({ENTITIES[0]: "AB\tB\t执法1"})
    probes = ["A", "B", "AB", "ABB", "", "B\tAB", "AB\tB", "执法", "执法1", "A\tB", "C", "\t", "B\t"]
    for entity in (*ENTITIES[:4], "nobody"):
        for probe in probes:
            assert grouped.membership(entity)(probe) == ((entity, probe) in grouped), (entity, probe)
            assert joined.membership(entity)(probe) == ((entity, probe) in joined), (entity, probe)
    assert joined.is_joined  # looking did not split it


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_frame_that_fails_while_conflicts_are_read_in_the_background_leaves_no_reader(monkeypatch) -> None:
    import threading

    from django.db import transaction

    from inspections import matching
    monkeypatch.setattr(matching, "PARALLEL_CONFLICT_ENTITIES", 1)
    collected = []
    original = matching._conflicts_pending

    def pending(*args, **kwargs):
        collect = original(*args, **kwargs)

        def counted():
            collected.append(True)
            return collect()

        return counted

    def fail(*args, **kwargs):
        raise RuntimeError("the rest of the frame could not be read")

    monkeypatch.setattr(matching, "_conflicts_pending", pending)
    monkeypatch.setattr(matching, "_read_the_rest", fail)
    monkeypatch.setattr(matching, "drawn_entities", lambda task, draw=None: [(e, "0" * 32) for e in ENTITIES])
    monkeypatch.setattr(matching, "_drawn_codes", lambda draw, task: None)
    monkeypatch.setattr(matching, "entity_draw_of", lambda task: None)
    monkeypatch.setattr(matching, "_departments", lambda task: ([], {1: "A", 2: "B"}, {}))
    with pytest.raises(RuntimeError), transaction.atomic():
        matching.build_matching_frame_for(object())
    assert collected == [True]
    assert not [t for t in threading.enumerate() if t.name.startswith("ThreadPoolExecutor")]
