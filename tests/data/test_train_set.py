"""The hand-written commerce training sets in data/train/ are valid, rebuilt from their sources, and share
no text or sentence with any evaluation or development set (or the danawa reviews, where ../shared has them),
nor with each other."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from tests.data.script_loading import load_script

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "data" / "train" / "commerce_written.jsonl"
SHARED = ROOT.parent / "shared" / "data"
#: the fewest rows each set may keep after the builder's overlap checks, by id prefix; a new set needs one
MINIMUM_ROWS = {"cw": 2300, "ct": 290, "cw2": 1300, "cw3": 1400}

builder = load_script("build_train_set", ROOT / "data" / "train" / "build_train_set.py")
SETS = [(out, prefix, MINIMUM_ROWS[prefix]) for _, out, prefix in builder.SETS]


def _rows(path: Path = TRAIN) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize(("path", "prefix", "minimum"), SETS)
def test_schema_ids_labels_and_no_rating_column(path: Path, prefix: str, minimum: int) -> None:
    rows = _rows(path)
    assert len(rows) >= minimum
    for i, row in enumerate(rows, 1):
        # no `rating`: train would read the file as a star-labelled export and drop the hand labels
        assert set(row) == {"id", "text", "label", "source"}
        assert row["id"] == f"{prefix}-{i:04d}"
        assert row["text"].strip() == row["text"] != ""
        assert row["label"] in {"neg", "neu", "pos"}
    assert len({builder.normalise(r["text"]) for r in rows}) == len(rows), "duplicate text"
    shares = Counter(r["label"] for r in rows)
    assert all(0.15 < shares[lab] / len(rows) < 0.6 for lab in ("neg", "neu", "pos")), shares


def test_train_reads_the_hand_labels() -> None:
    from voc_pipeline.models.corpus import load_training_file

    frame = load_training_file(TRAIN)
    assert frame["label"].tolist() == [r["label"] for r in _rows()]
    assert frame["group"].nunique() == len(frame)   # split by row: every record is its own group


@pytest.mark.skipif(not (SHARED / builder.DANAWA).is_file(), reason="../shared/data has no danawa reviews")
def test_rebuilds_from_its_sources() -> None:
    from kiwipiepy import Kiwi

    kiwi = Kiwi()
    held_keys = builder.held_out_keys(SHARED, kiwi)
    seen: set[str] = set()
    for source, out, prefix in builder.SETS:
        assert builder.build(source, shared=SHARED, log=lambda m: None, prefix=prefix, seen=seen,
                             held_keys=held_keys, kiwi=kiwi) == _rows(out)


def test_no_record_is_or_contains_a_held_out_text_or_sentence() -> None:
    from kiwipiepy import Kiwi

    shared = SHARED if (SHARED / builder.DANAWA).is_file() else None
    held = builder.held_out_texts(shared)
    assert len(held) > 2000
    kiwi = Kiwi()
    held_keys = set().union(*builder.sentence_keys(held, kiwi))
    rows = [r for path, _, _ in SETS for r in _rows(path)]
    overlap = [(r["id"], sorted(k & held_keys)) for r, k in
               zip(rows, builder.sentence_keys([r["text"] for r in rows], kiwi), strict=True) if k & held_keys]
    assert overlap == []
    assert len({builder.normalise(r["text"]) for r in rows}) == len(rows), "a text in two sets"


def test_the_builder_leaves_out_overlap_and_duplicates(tmp_path) -> None:
    eval_text = json.loads((ROOT / "data/eval/commerce_reviews.jsonl").read_text(encoding="utf-8").splitlines()[0])["text"]
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("// c\nP|5|포장이 꼼꼼해서 하나도 안 깨졌어요\nN|1|" + eval_text + "\n", encoding="utf-8")
    (src / "b.txt").write_text("P|-|포장이 꼼꼼해서 하나도 안 깨졌어요!!\nU|-|교환 절차가 궁금합니다\n", encoding="utf-8")
    log: list[str] = []
    rows = builder.build(src, shared=None, log=log.append)
    assert [r["text"] for r in rows] == ["포장이 꼼꼼해서 하나도 안 깨졌어요", "교환 절차가 궁금합니다"]
    assert [r["id"] for r in rows] == ["cw-0001", "cw-0002"]
    assert rows[1]["source"] == "b.txt:2"
    assert len(log) == 2 and "evaluation" in log[0] and "same text" in log[1]
