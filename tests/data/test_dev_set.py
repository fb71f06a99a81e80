"""The hand-written commerce development sets in data/dev/ are valid and disjoint from the test sets."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from tests.data.script_loading import load_script

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "data" / "dev" / "commerce_dev.jsonl"
REVIEWS_DEV = ROOT / "data" / "dev" / "commerce_reviews_dev.jsonl"
REVIEWS_DEV2 = ROOT / "data" / "dev" / "commerce_reviews_dev2.jsonl"
REVIEWS_DEV3 = ROOT / "data" / "dev" / "commerce_reviews_dev3.jsonl"
TRAIN_SETS = sorted((ROOT / "data" / "train").glob("commerce_*.jsonl"))
SPANS_DEV = ROOT / "data" / "dev" / "commerce_spans_dev.jsonl"
EVAL_DIR = ROOT / "data" / "eval"



builder = load_script("build_dev_set", ROOT / "data" / "dev" / "build_dev_set.py")
#: every set's jsonl in the order the sets were written (a set is checked against those before it)
ORDERED = [out for _, out, _ in builder.SETS]
#: the fewest records each set may keep, by id prefix; a new set needs one
MINIMUM_ROWS = {"cd": 400, "crd": 200, "crd2": 240, "crd3": 280, "crd4": 330, "crd5": 320, "crd6": 310,
                "crd7": 320}


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _norm(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize(("path", "prefix", "minimum"),
                         [(out, prefix, MINIMUM_ROWS[prefix]) for _, out, prefix in builder.SETS],
                         ids=[prefix for _, _, prefix in builder.SETS])
def test_schema_ids_and_labels(path: Path, prefix: str, minimum: int) -> None:
    rows = _rows(path)
    assert len(rows) >= minimum
    for i, row in enumerate(rows, 1):
        assert set(row) == {"id", "text", "label", "rating"}
        assert row["id"] == f"{prefix}-{i:04d}"
        assert isinstance(row["text"], str) and row["text"].strip() == row["text"] != ""
        assert row["label"] in {"neg", "neu", "pos"}
        assert row["rating"] is None or row["rating"] in {1, 2, 3, 4, 5}
    assert len({_norm(r["text"]) for r in rows}) == len(rows), "duplicate text"


@pytest.mark.parametrize("path", [DEV, REVIEWS_DEV, REVIEWS_DEV2])
def test_label_shares_are_roughly_40_25_35(path: Path) -> None:
    counts = Counter(r["label"] for r in _rows(path))
    n = sum(counts.values())
    assert 0.35 <= counts["neg"] / n <= 0.45
    assert 0.20 <= counts["neu"] / n <= 0.30
    assert 0.30 <= counts["pos"] / n <= 0.40


def test_no_dev_text_equals_an_eval_text() -> None:
    """The dev set may be fitted on; the eval sets may not, so no sentence may be in both."""
    eval_texts = _eval_texts()
    assert len(eval_texts) > 600
    shared = [r["id"] for r in _rows(DEV) if _norm(r["text"]) in eval_texts]
    assert shared == []


@pytest.mark.parametrize(("source", "out", "prefix"), builder.SETS, ids=[p for _, _, p in builder.SETS])
def test_every_set_is_rebuilt_exactly_from_its_sources(source: Path, out: Path, prefix: str) -> None:
    assert builder.build(source, prefix) == _rows(out)


def test_source_line_parser() -> None:
    assert builder.parse_line("U|-|교환 가능한가요?", "t") == ("neu", None, "교환 가능한가요?")
    assert builder.parse_line("N|2|너무 늦어요", "t") == ("neg", 2, "너무 늦어요")
    for bad in ("X|-|텍스트", "N|6|텍스트", "P|5| 앞공백", "P|5"):
        with pytest.raises(builder.SourceError):
            builder.parse_line(bad, "t")


# ----------------------------------------------------------------------------- the review-level dev set


def _eval_texts() -> set[str]:
    return {_norm(r["text"]) for name in ("commerce_reviews.jsonl", "commerce_spans.jsonl")
            for r in _rows(EVAL_DIR / name)}


def test_reviews_dev_has_2_to_5_kiwi_sentences_per_record() -> None:
    """Multi-sentence by the pipeline's own splitter: the set exists to score per-record aggregation."""
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    rows = _rows(REVIEWS_DEV)
    sentences = KiwiTokenizer(num_workers=1).sentences([r["text"] for r in rows])
    counts = {r["id"]: sum(1 for s in sents if s.text.strip()) for r, sents in zip(rows, sentences, strict=True)}
    assert {k: v for k, v in counts.items() if not 2 <= v <= 5} == {}


def test_no_reviews_dev_text_or_sentence_equals_an_eval_or_dev_text() -> None:
    """Neither a whole review nor one of its sentences may be an evaluation text; nor a line of
    the first dev set (the two are fitted on and scored against each other)."""
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    rows = _rows(REVIEWS_DEV)
    forbidden = _eval_texts() | {_norm(r["text"]) for r in _rows(DEV)}
    assert len(forbidden) > 1000
    assert [r["id"] for r in rows if _norm(r["text"]) in forbidden] == []
    sentences = KiwiTokenizer(num_workers=1).sentences([r["text"] for r in rows])
    shared = [(r["id"], s.text) for r, sents in zip(rows, sentences, strict=True) for s in sents
              if _norm(s.text) in forbidden]
    assert shared == []


# ----------------------------------------------------------------------------- the second review-level dev set


def _record_sentences(rows: list[dict]) -> list[list[str]]:
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    split = KiwiTokenizer(num_workers=1).sentences([r["text"] for r in rows])
    return [[s.text for s in sents if s.text.strip()] for sents in split]


def test_reviews_dev2_has_1_to_6_kiwi_sentences_per_record() -> None:
    rows = _rows(REVIEWS_DEV2)
    counts = {r["id"]: len(sents) for r, sents in zip(rows, _record_sentences(rows), strict=True)}
    assert {k: v for k, v in counts.items() if not 1 <= v <= 6} == {}
    assert sum(v >= 2 for v in counts.values()) >= 0.6 * len(rows), "mostly multi-sentence records"


def test_no_reviews_dev2_text_or_sentence_equals_an_eval_or_other_dev_text() -> None:
    """Neither a record of the second review set nor one of its Kiwi sentences may be an evaluation
    text, a sentence of an evaluation review, a line of the other dev sets or a sentence of the first
    review set (that set is spent; the new one must not share text with it)."""
    rows = _rows(REVIEWS_DEV2)
    eval_reviews = _rows(EVAL_DIR / "commerce_reviews.jsonl")
    reviews_dev = _rows(REVIEWS_DEV)
    forbidden = _eval_texts() | {_norm(r["text"]) for p in (DEV, REVIEWS_DEV, SPANS_DEV) for r in _rows(p)}
    forbidden |= {_norm(s) for sents in _record_sentences(eval_reviews + reviews_dev) for s in sents}
    assert len(forbidden) > 2000
    assert [r["id"] for r in rows if _norm(r["text"]) in forbidden] == []
    shared = [(r["id"], s) for r, sents in zip(rows, _record_sentences(rows), strict=True) for s in sents
              if _norm(s) in forbidden]
    assert shared == []


def test_reviews_dev3_shares_no_record_with_any_other_set_and_no_long_sentence_with_eval() -> None:
    """The third review set: no record equals an evaluation text or a record/line of another dev set,
    and no Kiwi sentence of 10+ characters (spaces ignored) equals an evaluation text or sentence.
    Shorter sentences ("좋아요", "배송 빨라요") are how shop reviews talk and may recur anywhere."""
    rows = _rows(REVIEWS_DEV3)
    others = {_norm(r["text"]) for p in (DEV, REVIEWS_DEV, REVIEWS_DEV2, SPANS_DEV) for r in _rows(p)}
    eval_reviews = _rows(EVAL_DIR / "commerce_reviews.jsonl")
    eval_sentences = _eval_texts() | {_norm(s) for sents in _record_sentences(eval_reviews) for s in sents}
    _assert_disjoint(rows, others | eval_sentences, eval_sentences)


def _assert_disjoint(rows: list[dict], whole: set[str], sentences: set[str]) -> None:
    """No record's text is in ``whole``, no Kiwi sentence of 10+ characters is in ``sentences``, no text twice."""
    assert [r["id"] for r in rows if _norm(r["text"]) in whole] == []
    shared = [(r["id"], s) for r, sents in zip(rows, _record_sentences(rows), strict=True) for s in sents
              if len(_norm(s)) >= 10 and _norm(s) in sentences]
    assert shared == []
    assert len({_norm(r["text"]) for r in rows}) == len(rows), "no record twice"


@pytest.mark.parametrize("path", [out for _, out, _ in builder.LATER_REVIEW_SETS], ids=lambda p: p.stem)
def test_later_review_sets_share_no_record_with_any_other_set_nor_the_training_text(path: Path) -> None:
    """The review sets from dev4 on gate models trained on data/train: no record equals an evaluation
    text or sentence, a record of an earlier dev set, a training record or a training sentence of 10+
    characters, and no Kiwi sentence of 10+ characters equals an evaluation or training text or sentence
    (shorter ones, "돈 아까워요", recur in any shop, as for dev3)."""
    rows = _rows(path)
    train = [r for p in TRAIN_SETS for r in _rows(p)]
    assert len(TRAIN_SETS) >= 3
    earlier = [*ORDERED[:ORDERED.index(path)], SPANS_DEV]
    others = {_norm(r["text"]) for p in earlier for r in _rows(p)}
    eval_reviews = _rows(EVAL_DIR / "commerce_reviews.jsonl")
    held = _eval_texts() | {_norm(s) for sents in _record_sentences(eval_reviews) for s in sents}
    held |= {_norm(r["text"]) for r in train}
    held |= {k for sents in _record_sentences(train) for s in sents if len(k := _norm(s)) >= 10}
    _assert_disjoint(rows, others | held, held)


# ----------------------------------------------------------------------------- the span dev set


def test_spans_dev_is_valid_by_the_eval_checker() -> None:
    """Same schema, markup rules and minima as data/eval/commerce_spans.jsonl (scripts/check_eval_sets.py)."""
    checker = load_script("check_eval_sets", ROOT / "scripts" / "check_eval_sets.py")
    errors, stats = checker.check_spans(SPANS_DEV)
    assert errors == []
    assert stats["sentences"] >= 250
    assert all(s["pain"] and s["praise"] for s in stats["stages"].values())


def test_spans_dev_offsets_slice_their_spans_and_ids_are_sequential() -> None:
    rows = _rows(SPANS_DEV)
    for i, row in enumerate(rows, 1):
        assert row["id"] == f"csd-{i:04d}"
        text = row["text"]
        for m in row["mentions"]:
            if m["aspect"] is None:
                assert m["aspect_start"] is None and m["aspect_end"] is None
            else:
                assert text[m["aspect_start"]:m["aspect_end"]] == m["aspect"]
            assert text[m["opinion_start"]:m["opinion_end"]] == m["opinion"]
        starts = [m["opinion_start"] for m in row["mentions"]]
        assert starts == sorted(starts)


def test_no_spans_dev_text_equals_an_eval_or_other_dev_text() -> None:
    """Fusion variants are chosen on this set and scored on data/eval: no sentence may be in both."""
    rows = _rows(SPANS_DEV)
    forbidden = _eval_texts() | {_norm(r["text"]) for p in (DEV, REVIEWS_DEV) for r in _rows(p)}
    assert [r["id"] for r in rows if _norm(r["text"]) in forbidden] == []


def test_spans_dev_jsonl_is_rebuilt_exactly_from_the_sources() -> None:
    assert builder.build_spans() == _rows(SPANS_DEV)


def test_spans_dev_has_aspects_the_lexicon_does_not_know() -> None:
    """The set can show whether a fusion generalises: some gold aspects are in no lexicon."""
    from voc_pipeline.models.weak import Lexicon

    lex = Lexicon.load(domain_yaml=ROOT / "src" / "voc_pipeline" / "resources" / "domains" / "commerce.yaml")
    aspects = [m["aspect"] for r in _rows(SPANS_DEV) for m in r["mentions"] if m["aspect"]]
    unknown = [a for a in aspects if not any(w in lex.aspects for w in [a.replace(" ", ""), *a.split()])]
    assert len(unknown) >= 30
