"""The hand-labelled evaluation sets in data/eval/ are valid and match their annotated sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.data.script_loading import load_script

ROOT = Path(__file__).resolve().parents[2]
EVAL_DIR = ROOT / "data" / "eval"


checker = load_script("check_eval_sets", ROOT / "scripts" / "check_eval_sets.py")
builder = load_script("build_eval_sets", EVAL_DIR / "build_eval_sets.py")


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (EVAL_DIR / name).read_text(encoding="utf-8").splitlines()]


def test_eval_sets_are_valid() -> None:
    errors, stats = checker.check_all(EVAL_DIR)
    assert errors == [], "\n".join(errors)
    assert stats["commerce_spans"]["sentences"] >= 320
    assert stats["commerce_reviews"]["reviews"] >= 300
    assert stats["commerce_spans2"]["sentences"] >= 300


@pytest.mark.parametrize(("name", "minimum"), [("commerce_spans.jsonl", checker.MIN_SPAN_SENTENCES),
                                               ("commerce_spans2.jsonl", checker.MIN_SPAN2_SENTENCES)])
def test_every_stage_has_both_polarities_and_twenty_sentences(name: str, minimum: int) -> None:
    errors, stats = checker.check_spans(EVAL_DIR / name, minimum)
    assert errors == [], "\n".join(errors)
    assert stats["sentences"] >= minimum
    for stage in checker.STAGES:
        s = stats["stages"][stage]
        assert s["sentences"] >= 20, stage
        assert s["pain"] > 0 and s["praise"] > 0, stage


def test_jsonl_is_rebuilt_exactly_from_the_annotated_sources() -> None:
    assert builder.build_spans() == _rows("commerce_spans.jsonl")
    assert builder.build_reviews() == _rows("commerce_reviews.jsonl")
    assert builder.build_spans2() == _rows("commerce_spans2.jsonl")


def test_second_span_set_is_independent_of_the_other_sets() -> None:
    rows = _rows("commerce_spans2.jsonl")
    assert [r["id"] for r in rows] == [f"cs2-{k:04d}" for k in range(1, len(rows) + 1)]
    texts = {r["text"] for r in rows}
    assert len(texts) == len(rows)
    assert not texts & {r["text"] for r in _rows("commerce_spans.jsonl")}
    assert not texts & {r["text"] for r in _rows("commerce_reviews.jsonl")}


@pytest.mark.parametrize("name", ["commerce_spans.jsonl", "commerce_spans2.jsonl"])
def test_offsets_slice_the_text(name: str) -> None:
    for row in _rows(name):
        for m in row["mentions"]:
            assert row["text"][m["opinion_start"] : m["opinion_end"]] == m["opinion"]
            if m["aspect"] is not None:
                assert row["text"][m["aspect_start"] : m["aspect_end"]] == m["aspect"]


def test_markup_parser() -> None:
    text, mentions = builder.parse_span_line("[배송#1]은 <빨랐는데#1+delivery> <별로예요-use>", "t")
    assert text == "배송은 빨랐는데 별로예요"
    assert mentions[0] == {
        "aspect": "배송",
        "aspect_start": 0,
        "aspect_end": 2,
        "opinion": "빨랐는데",
        "opinion_start": 4,
        "opinion_end": 8,
        "polarity": "praise",
        "stage": "delivery",
    }
    assert mentions[1]["aspect"] is None and mentions[1]["polarity"] == "pain"
    with pytest.raises(builder.AnnotationError):
        builder.parse_span_line("[배송#1]이 늦어요", "t")
    with pytest.raises(builder.AnnotationError):
        builder.parse_span_line("<늦어요#1-shipping>", "t")


def test_checker_reports_broken_lines(tmp_path: Path) -> None:
    good = _rows("commerce_spans.jsonl")
    bad = [dict(r) for r in good]
    bad[0] = json.loads(json.dumps(bad[0]))
    bad[0]["mentions"][0]["opinion_start"] += 1
    bad[1] = dict(bad[1], sentiment="positive")
    bad[2] = json.loads(json.dumps(bad[2]))
    bad[2]["mentions"][0]["stage"] = "shipping"
    bad.append(dict(good[3], id="cs-9999"))
    path = tmp_path / "commerce_spans.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in bad), encoding="utf-8")
    errors, _ = checker.check_spans(path)
    joined = "\n".join(errors)
    assert "!= opinion" in joined
    assert "sentiment 'positive'" in joined
    assert "stage 'shipping'" in joined
    assert "duplicate text" in joined

    reviews = _rows("commerce_reviews.jsonl")[:10]
    reviews[0] = dict(reviews[0], rating=6)
    rpath = tmp_path / "commerce_reviews.jsonl"
    rpath.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in reviews), encoding="utf-8")
    errors, _ = checker.check_reviews(rpath)
    joined = "\n".join(errors)
    assert "rating 6" in joined
    assert "< 300" in joined
