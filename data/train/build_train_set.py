"""Turn the hand-written sources in data/train/ into the commerce training sets.

* ``source_written/*.txt`` -> ``commerce_written.jsonl`` (ids ``cw-NNNN``): shop reviews, app reviews,
  tickets, agent notes and chat written and labelled by hand (README.md), for ``train --data``;
* ``source_tickets/*.txt`` -> ``commerce_tickets.jsonl`` (ids ``ct-NNNN``): call-centre and chat ticket
  records, a customer's words beside an agent's process words, labelled by the customer's attitude;
* ``source_written2/*.txt`` -> ``commerce_written2.jsonl`` (ids ``cw2-NNNN``): shop and app reviews written
  the way real buyers write them, and agent notes in the third person (fourteenth session);
* ``source_written3/*.txt`` -> ``commerce_written3.jsonl`` (ids ``cw3-NNNN``): sarcasm and bare-fact defects,
  questions, problem stories told by their outcome, tips, and reviews that weigh good against bad.

    .venv/bin/python data/train/build_train_set.py [--shared ../shared/data]

Source lines use the dev sets' format (``N|P|U`` ``|`` rating 1-5 or ``-`` ``|`` text; ``//`` comments),
parsed by data/dev/build_dev_set.py's own ``parse_line``. The output has no ``rating`` column on purpose:
``train`` would read a file with ratings as a star-labelled shop export and ignore the hand labels.

A training row must never be an evaluation or development row: a record is left out when its text, or one
of its Kiwi sentences of 10+ characters, equals (letters and digits only) a text or sentence of
data/eval, data/dev, or the danawa reviews in ../shared (checked when that file is there; tests check it
again). Texts two authors (or two sets) both wrote are kept once. Every exclusion is printed with its reason.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SOURCE = HERE / "source_written"
OUT = HERE / "commerce_written.jsonl"
PREFIX = "cw"
#: the sets written after the tickets: source_writtenN/ -> commerce_writtenN.jsonl, ids cwN
LATER_WRITTEN_SETS = tuple((HERE / f"source_written{n}", HERE / f"commerce_written{n}.jsonl", f"cw{n}")
                           for n in range(2, 4))
#: (source folder, output file, id prefix), built in this order; a later set drops what an earlier one has
SETS = ((SOURCE, OUT, PREFIX), (HERE / "source_tickets", HERE / "commerce_tickets.jsonl", "ct"),
        *LATER_WRITTEN_SETS)
#: sentences shorter than this ("좋아요", "별로예요") recur in any shop; only longer ones count as overlap
MIN_SENTENCE_CHARS = 10
DANAWA = "danawa/mouse_reviews.parquet"


def _dev_builder():
    spec = importlib.util.spec_from_file_location("_build_dev_set", REPO / "data/dev/build_dev_set.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def normalise(text: str) -> str:
    """Letters and digits only: spacing, punctuation and emoticons do not make a text new."""
    return "".join(re.findall(r"\w", text)).lower()


def held_out_texts(shared: Path | None) -> list[str]:
    """Every evaluation and development text (and the danawa reviews when ``shared`` has them)."""
    texts = []
    for folder in (REPO / "data/eval", REPO / "data/dev"):
        for path in sorted(folder.glob("*.jsonl")):
            texts.extend(json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line)
    if shared is not None and (shared / DANAWA).is_file():
        import pandas as pd

        texts.extend(pd.read_parquet(shared / DANAWA, columns=["text"])["text"].astype(str))
    return texts


def sentence_keys(texts: list[str], kiwi) -> list[set[str]]:
    """Per text: its own key and its Kiwi sentences' keys of MIN_SENTENCE_CHARS+ characters."""
    out = []
    for text, sents in zip(texts, kiwi.split_into_sents(texts), strict=True):
        keys = {normalise(text)}
        keys |= {k for s in sents if len(k := normalise(s.text)) >= MIN_SENTENCE_CHARS}
        out.append(keys)
    return out


def held_out_keys(shared: Path | None, kiwi) -> set[str]:
    """The keys (``sentence_keys``) of every held-out text: what no training record may share."""
    held = held_out_texts(shared)
    return set().union(*sentence_keys(held, kiwi)) if held else set()


def build(source: Path = SOURCE, shared: Path | None = None, log=print, prefix: str = PREFIX,
          seen: set[str] | None = None, held_keys: set[str] | None = None, kiwi=None) -> list[dict]:
    """One set's rows; ``seen`` (normalised texts of sets built before) is extended with this set's.
    ``held_keys`` (``held_out_keys``) and ``kiwi`` may be passed in to build several sets on one reading."""
    if kiwi is None:
        from kiwipiepy import Kiwi

        kiwi = Kiwi()
    dev = _dev_builder()
    held_keys = held_out_keys(shared, kiwi) if held_keys is None else held_keys
    seen = set() if seen is None else seen
    rows = []
    for path in sorted(source.glob("*.txt")):
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("//"):
                continue
            label, _rating, text = dev.parse_line(line, f"{path.name}:{no}")
            rows.append({"text": text, "label": label, "source": f"{path.name}:{no}"})
    kept = []
    for row, keys in zip(rows, sentence_keys([r["text"] for r in rows], kiwi), strict=True):
        whole = normalise(row["text"])
        if keys & held_keys:   # the keys hold the whole text too: an equal text is caught here
            log(f"left out {row['source']}: equals an evaluation/dev text or sentence: {row['text']}")
        elif whole in seen:
            log(f"left out {row['source']}: another line has the same text: {row['text']}")
        else:
            seen.add(whole)
            kept.append(row)
    return [{"id": f"{prefix}-{i:04d}", "text": r["text"], "label": r["label"], "source": r["source"]}
            for i, r in enumerate(kept, 1)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    args = ap.parse_args()
    if not (args.shared / DANAWA).is_file():
        print(f"{args.shared / DANAWA} not found: the danawa overlap check is skipped", file=sys.stderr)
    from kiwipiepy import Kiwi

    kiwi = Kiwi()
    held_keys = held_out_keys(args.shared, kiwi)
    seen: set[str] = set()
    for source, out, prefix in SETS:
        rows = build(source, shared=args.shared, prefix=prefix, seen=seen, held_keys=held_keys, kiwi=kiwi)
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        counts = {lab: sum(r["label"] == lab for r in rows) for lab in ("neg", "neu", "pos")}
        print(f"{out.name}: {len(rows)} rows {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
