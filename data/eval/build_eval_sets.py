"""Turn the hand-annotated source files in data/eval/source/ into the JSONL evaluation sets.

The annotators write each sentence once, with its spans marked inline, so offsets are never typed by
hand (see data/eval/README.md for the markup and the annotation rules). Run from the repository root:

    .venv/bin/python data/eval/build_eval_sets.py

It rewrites data/eval/commerce_spans.jsonl and data/eval/commerce_reviews.jsonl (from source/) and
data/eval/commerce_spans2.jsonl (from source_spans2/, ids cs2-NNNN) deterministically.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "source"
SOURCE2 = HERE / "source_spans2"

SENTIMENTS = {"N": "neg", "U": "neu", "P": "pos"}
POLARITIES = {"-": "pain", "+": "praise"}
STAGES = ("discover", "explore", "order", "payment", "delivery", "use", "support", "refund", "loyalty")
KNOWN_TAGS = {"negation", "sarcasm", "colloquial", "question"}

# [aspect#1]   <opinion#1-stage>  <opinion#1+stage>  <opinion-stage> (implicit aspect)
TOKEN = re.compile(
    r"\[(?P<asp>[^\]#\[<>]+)#(?P<an>\d+)\]|<(?P<op>[^>#<\[\]]+?)(?:#(?P<on>\d+))?(?P<pol>[+-])(?P<st>[a-z]+)>"
)


class AnnotationError(ValueError):
    pass


def parse_span_line(body: str, where: str) -> tuple[str, list[dict]]:
    """Strip the markup from one annotated sentence; return the plain text and its mentions."""
    text_parts: list[str] = []
    pos = 0
    length = 0
    aspects: dict[str, tuple[str, int, int]] = {}
    opinions: list[tuple[str, int, int, str | None, str, str]] = []
    for m in TOKEN.finditer(body):
        plain = body[pos : m.start()]
        text_parts.append(plain)
        length += len(plain)
        if m.group("asp") is not None:
            span = m.group("asp")
            if m.group("an") in aspects:
                raise AnnotationError(f"{where}: aspect #{m.group('an')} marked twice")
            aspects[m.group("an")] = (span, length, length + len(span))
        else:
            span = m.group("op")
            if m.group("st") not in STAGES:
                raise AnnotationError(f"{where}: unknown stage {m.group('st')!r}")
            opinions.append(
                (span, length, length + len(span), m.group("on"), POLARITIES[m.group("pol")], m.group("st"))
            )
        text_parts.append(span)
        length += len(span)
        pos = m.end()
    text_parts.append(body[pos:])
    text = "".join(text_parts)
    if any(ch in text for ch in "[]<>#"):
        raise AnnotationError(f"{where}: unparsed markup left in {text!r}")
    used = set()
    mentions = []
    for span, start, end, num, polarity, stage in sorted(opinions, key=lambda o: o[1]):
        if num is None:
            aspect, a_start, a_end = None, None, None
        else:
            if num not in aspects:
                raise AnnotationError(f"{where}: opinion {span!r} points at missing aspect #{num}")
            aspect, a_start, a_end = aspects[num]
            used.add(num)
        mentions.append(
            {
                "aspect": aspect,
                "aspect_start": a_start,
                "aspect_end": a_end,
                "opinion": span,
                "opinion_start": start,
                "opinion_end": end,
                "polarity": polarity,
                "stage": stage,
            }
        )
    unused = set(aspects) - used
    if unused:
        raise AnnotationError(f"{where}: aspect(s) {sorted(unused)} have no opinion")
    return text, mentions


def source_lines(pattern: str, source: Path = SOURCE):
    for path in sorted(source.glob(pattern)):
        for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("//"):
                continue
            yield f"{path.name}:{lineno}", line


def build_spans(source: Path = SOURCE, prefix: str = "cs") -> list[dict]:
    rows = []
    for where, line in source_lines("spans_*.txt", source):
        fields = line.split("|")
        if len(fields) not in (2, 3) or fields[0] not in SENTIMENTS:
            raise AnnotationError(f"{where}: expected 'N|P|U' + '|' + text [+ '|' + tags]: {line!r}")
        text, mentions = parse_span_line(fields[1].strip(), where)
        tags = [t.strip() for t in fields[2].split(",") if t.strip()] if len(fields) == 3 else []
        bad = set(tags) - KNOWN_TAGS
        if bad:
            raise AnnotationError(f"{where}: unknown tag(s) {sorted(bad)}")
        if any(m["aspect"] is None for m in mentions):
            tags.append("implicit_aspect")
        rows.append(
            {
                "id": f"{prefix}-{len(rows) + 1:04d}",
                "text": text,
                "sentiment": SENTIMENTS[fields[0]],
                "mentions": mentions,
                "tags": sorted(set(tags)),
            }
        )
    return rows


def build_spans2() -> list[dict]:
    """The second, independent span test set (data/eval/source_spans2/, ids cs2-NNNN)."""
    return build_spans(SOURCE2, "cs2")


def build_reviews() -> list[dict]:
    rows = []
    for where, line in source_lines("reviews_*.txt"):
        fields = line.split("|", 2)
        if len(fields) != 3 or fields[0] not in SENTIMENTS:
            raise AnnotationError(f"{where}: expected 'N|P|U' + '|' + rating or '-' + '|' + text: {line!r}")
        rating = None if fields[1].strip() == "-" else int(fields[1])
        rows.append(
            {
                "id": f"cr-{len(rows) + 1:04d}",
                "text": fields[2].strip(),
                "label": SENTIMENTS[fields[0]],
                "rating": rating,
            }
        )
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> int:
    try:
        spans = build_spans()
        reviews = build_reviews()
        spans2 = build_spans2()
    except AnnotationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write_jsonl(HERE / "commerce_spans.jsonl", spans)
    write_jsonl(HERE / "commerce_reviews.jsonl", reviews)
    write_jsonl(HERE / "commerce_spans2.jsonl", spans2)
    print(
        f"commerce_spans.jsonl: {len(spans)} sentences; commerce_reviews.jsonl: {len(reviews)} reviews; "
        f"commerce_spans2.jsonl: {len(spans2)} sentences"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
