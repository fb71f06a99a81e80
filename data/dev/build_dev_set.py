"""Turn the hand-written sources in data/dev/ into the two commerce development sets.

* ``source/*.txt`` -> ``commerce_dev.jsonl`` (ids ``cd-NNNN``): short lines, mostly one sentence;
* ``source_reviews/*.txt`` -> ``commerce_reviews_dev.jsonl`` (ids ``crd-NNNN``): whole reviews,
  tickets and chat messages of 2-5 sentences, scored per record the way the pipeline does.

    .venv/bin/python data/dev/build_dev_set.py

Source line: ``N|P|U`` (neg/pos/neu) ``|`` rating 1-5 or ``-`` ``|`` text; ``//`` starts a comment.
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
#: (source folder, output file, id prefix) of every set this script builds
SETS = ((SOURCE, OUT, "cd"), (SOURCE_REVIEWS, OUT_REVIEWS, "crd"))
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


def main() -> int:
    for source, out, prefix in SETS:
        rows = build(source, prefix)
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"{out.name}: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
