"""Which lines of new hand-written sources repeat a text the project already holds (run before building a set).

    .venv/bin/python data/dev/find_overlap.py data/dev/source_reviews7/*.txt [--skip data/dev/commerce_reviews_dev7.jsonl]

A new dev set must share no record with, and no Kiwi sentence of 10+ characters with, any evaluation, dev
or training text or sentence (tests/data/test_dev_set.py); the lead comments the reported lines out, each
with its reason (data/dev/README.md). Held texts: every data/eval, data/dev and data/train jsonl (minus
``--skip``, e.g. the set's own output when re-checking it) and the danawa reviews where ../shared has them.
A line is reported when its text, or one of its sentences (the pipeline's Kiwi splitter) of 10+ characters,
equals a held text or held sentence of 10+ characters under either key the project uses: whitespace removed
(the tests) or letters and digits only (data/train/build_train_set.py). Copies within the given files are
reported too. Nothing is written; the exit status is 1 when a line is reported.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HELD_FOLDERS = ("data/eval", "data/dev", "data/train")
DANAWA = REPO.parent / "shared" / "data" / "danawa" / "mouse_reviews.parquet"
MIN_SENTENCE_CHARS = 10


sys.path.insert(0, str(REPO / "data" / "train"))
#: the training builder's key (letters and digits only), so both checks stay one rule
from build_train_set import normalise as letters_only  # noqa: E402


def keys(text: str) -> set[str]:
    """The two normal forms of a text: whitespace removed (the tests), and the training builder's key."""
    return {"".join(text.split()), letters_only(text)}


def text_keys(texts: list[str], splitter) -> list[set[str]]:
    """Per text: its own keys and those of its sentences that keep 10+ characters."""
    out = []
    for text, sents in zip(texts, splitter(texts), strict=True):
        found = keys(text)
        found |= {k for s in sents for k in keys(s) if len(k) >= MIN_SENTENCE_CHARS}
        out.append({k for k in found if k})
    return out


def kiwi_sentences(texts: list[str]) -> list[list[str]]:
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    return [[s.text for s in sents if s.text.strip()] for sents in KiwiTokenizer(num_workers=1).sentences(texts)]


def held_texts(skip: set[Path], danawa: Path | None = DANAWA) -> list[str]:
    texts = []
    for folder in HELD_FOLDERS:
        for path in sorted((REPO / folder).glob("*.jsonl")):
            if path.resolve() not in skip:
                texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    if danawa is not None and danawa.is_file():
        import pandas as pd

        texts += pd.read_parquet(danawa, columns=["text"])["text"].astype(str).tolist()
    return texts


def report(sources: list[Path], held: list[str], splitter=kiwi_sentences) -> list[str]:
    """One line per source line to drop: ``FILE:LINE: reason :: line``."""
    held_keys = set().union(*text_keys(held, splitter)) if held else set()
    lines = [(path, no, line) for path in sources
             for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if line.strip() and not line.startswith("//")]
    texts = [line.split("|", 2)[-1] for _, _, line in lines]
    seen: dict[str, str] = {}
    out = []
    for (path, no, line), text, found in zip(lines, texts, text_keys(texts, splitter), strict=True):
        where = f"{path.name}:{no}"
        if found & held_keys:
            out.append(f"{where}: equals, or has a 10+-character sentence equal to, a held text or sentence "
                       f"{sorted(found & held_keys)[:2]} :: {line}")
        elif (copy := next((seen[k] for k in keys(text) if k in seen), None)) is not None:
            out.append(f"{where}: the same text as {copy} :: {line}")
        for k in keys(text):
            seen.setdefault(k, where)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="+", type=Path)
    ap.add_argument("--skip", action="append", type=Path, default=[], help="a held jsonl to leave out")
    args = ap.parse_args()
    found = report(args.sources, held_texts({p.resolve() for p in args.skip}))
    print("\n".join(found) if found else "no overlap")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
