"""Turn the hand-written sources in data/dev/ into the commerce development sets.

* ``source/*.txt`` -> ``commerce_dev.jsonl`` (ids ``cd-NNNN``): short lines, mostly one sentence;
* ``source_reviews/*.txt`` -> ``commerce_reviews_dev.jsonl`` (ids ``crd-NNNN``): whole reviews,
  tickets and chat messages of 2-5 sentences, scored per record the way the pipeline does;
* ``source_reviews2/*.txt`` -> ``commerce_reviews_dev2.jsonl`` (ids ``crd2-NNNN``): a second, independently
  written review-level set of 1-6 sentences per record (other categories and channels; README.md);
* ``source_reviews3/*.txt`` -> ``commerce_reviews_dev3.jsonl`` (ids ``crd3-NNNN``): a third set by three more
  authors, half short one-line shop reviews, half 2-4 sentences, tickets and chat (README.md);
* ``source_reviews4/*.txt`` -> ``commerce_reviews_dev4.jsonl`` (ids ``crd4-NNNN``): a fourth set by three more
  authors, written after data/train existed (README.md);
* ``source_reviews5/*.txt`` -> ``commerce_reviews_dev5.jsonl`` (ids ``crd5-NNNN``): a fifth set by three more
  authors, the gate of the fourteenth session's candidate T4 (README.md);
* ``source_reviews6/*.txt`` -> ``commerce_reviews_dev6.jsonl`` (ids ``crd6-NNNN``): a sixth set by three more
  authors, the gate of candidate T5 (README.md);
* ``source_reviews7/*.txt`` -> ``commerce_reviews_dev7.jsonl`` (ids ``crd7-NNNN``): a seventh set by three more
  authors, the gate of candidate T6 (README.md);
* ``source_spans/*.txt`` -> ``commerce_spans_dev.jsonl`` (ids ``csd-NNNN``): sentences with aspect /
  opinion spans, polarity and stage, in the markup and schema of data/eval/commerce_spans.jsonl (the
  markup is parsed by data/eval/build_eval_sets.py's own ``parse_span_line``, so both sets read alike).

    .venv/bin/python data/dev/build_dev_set.py

Source line: ``N|P|U`` (neg/pos/neu) ``|`` rating 1-5 or ``-`` ``|`` text; ``//`` starts a comment.
Span source line: ``N|P|U`` ``|`` annotated text ``[|`` tags ``]`` (data/eval/README.md, "Source markup").
Ids are numbered in file order (files sorted by name), so adding lines at the end keeps old ids.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "source"
OUT = HERE / "commerce_dev.jsonl"
SOURCE_REVIEWS = HERE / "source_reviews"
OUT_REVIEWS = HERE / "commerce_reviews_dev.jsonl"
SOURCE_REVIEWS2 = HERE / "source_reviews2"
OUT_REVIEWS2 = HERE / "commerce_reviews_dev2.jsonl"
SOURCE_REVIEWS3 = HERE / "source_reviews3"
OUT_REVIEWS3 = HERE / "commerce_reviews_dev3.jsonl"
#: the gate sets written after data/train existed: source_reviewsN/ -> commerce_reviews_devN.jsonl, ids crdN
LATER_REVIEW_SETS = tuple((HERE / f"source_reviews{n}", HERE / f"commerce_reviews_dev{n}.jsonl", f"crd{n}")
                          for n in range(4, 8))
#: (source folder, output file, id prefix) of every set this script builds, in the order they were written
SETS = ((SOURCE, OUT, "cd"), (SOURCE_REVIEWS, OUT_REVIEWS, "crd"), (SOURCE_REVIEWS2, OUT_REVIEWS2, "crd2"),
        (SOURCE_REVIEWS3, OUT_REVIEWS3, "crd3"), *LATER_REVIEW_SETS)
SOURCE_SPANS = HERE / "source_spans"
OUT_SPANS = HERE / "commerce_spans_dev.jsonl"
EVAL_BUILDER = HERE.parent / "eval" / "build_eval_sets.py"
LABELS = {"N": "neg", "U": "neu", "P": "pos"}


class SourceError(ValueError):
    pass


def parse_line(line: str, where: str) -> tuple[str, int | None, str]:
    parts = line.split("|", 2)
    if len(parts) != 3 or parts[0] not in LABELS:
        raise SourceError(f"{where}: expected 'N|P|U|rating|text': {line!r}")
    label, rating, text = parts
    if rating != "-" and rating not in {"1", "2", "3", "4", "5"}:
        raise SourceError(f"{where}: rating must be 1-5 or '-': {rating!r}")
    if not text.strip() or text != text.strip():
        raise SourceError(f"{where}: empty text or edge whitespace")
    return LABELS[label], None if rating == "-" else int(rating), text


def build(source: Path = SOURCE, prefix: str = "cd") -> list[dict]:
    rows = []
    for path in sorted(source.glob("*.txt")):
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("//"):
                continue
            label, rating, text = parse_line(line, f"{path.name}:{no}")
            rows.append({"id": f"{prefix}-{len(rows) + 1:04d}", "text": text, "label": label, "rating": rating})
    return rows


def _eval_builder():
    """data/eval/build_eval_sets.py as a module: its span-markup parser is the one this set uses."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_build_eval_sets", EVAL_BUILDER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_spans(source: Path = SOURCE_SPANS, prefix: str = "csd") -> list[dict]:
    """Span rows in the schema of data/eval/commerce_spans.jsonl (offsets computed, never typed)."""
    ev = _eval_builder()
    rows = []
    for path in sorted(source.glob("*.txt")):
        for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("//"):
                continue
            where = f"{path.name}:{no}"
            fields = line.split("|")
            if len(fields) not in (2, 3) or fields[0] not in LABELS:
                raise SourceError(f"{where}: expected 'N|P|U' + '|' + annotated text [+ '|' + tags]: {line!r}")
            try:
                text, mentions = ev.parse_span_line(fields[1].strip(), where)
            except ev.AnnotationError as exc:
                raise SourceError(str(exc)) from exc
            tags = [t.strip() for t in fields[2].split(",") if t.strip()] if len(fields) == 3 else []
            if set(tags) - ev.KNOWN_TAGS:
                raise SourceError(f"{where}: unknown tag(s) {sorted(set(tags) - ev.KNOWN_TAGS)}")
            if any(m["aspect"] is None for m in mentions):
                tags.append("implicit_aspect")
            for m in mentions:  # the offsets slice their spans (the parser computes them; checked anyway)
                assert m["aspect"] is None or text[m["aspect_start"]:m["aspect_end"]] == m["aspect"], where
                assert text[m["opinion_start"]:m["opinion_end"]] == m["opinion"], where
            rows.append({"id": f"{prefix}-{len(rows) + 1:04d}", "text": text, "sentiment": LABELS[fields[0]],
                         "mentions": mentions, "tags": sorted(set(tags))})
    return rows


def _write(out: Path, rows: list[dict]) -> None:
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{out.name}: {len(rows)} rows")


def main() -> int:
    for source, out, prefix in SETS:
        _write(out, build(source, prefix))
    _write(OUT_SPANS, build_spans())
    return 0


if __name__ == "__main__":
    sys.exit(main())
