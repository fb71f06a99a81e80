"""Validate the hand-labelled evaluation sets in data/eval/ and print their counts.

    .venv/bin/python scripts/check_eval_sets.py [--eval-dir data/eval]

Exit status 0 when every line is valid and the minima hold, 1 otherwise (every error is listed).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import Counter
from pathlib import Path

STAGES = ("discover", "explore", "order", "payment", "delivery", "use", "support", "refund", "loyalty")
SENTIMENTS = ("neg", "neu", "pos")
POLARITIES = ("pain", "praise")

MIN_SPAN_SENTENCES = 320
MIN_SPAN2_SENTENCES = 300  # commerce_spans2.jsonl, the second independent span test set
MIN_PER_STAGE = 20
MIN_REVIEWS = 300
MIN_MULTI_SHARE = 0.10  # target ~15 %
MIN_NONE_SHARE = 0.07  # target ~10 %
MIN_IMPLICIT = 10
MIN_TAGGED = {"negation": 20, "sarcasm": 3, "colloquial": 15}
REVIEW_LABEL_SHARE = {"neg": (0.30, 0.50), "neu": (0.12, 0.30), "pos": (0.30, 0.50)}

SPAN_KEYS = {"id", "text", "sentiment", "mentions"}
SPAN_OPTIONAL = {"tags"}
MENTION_KEYS = {
    "aspect",
    "aspect_start",
    "aspect_end",
    "opinion",
    "opinion_start",
    "opinion_end",
    "polarity",
    "stage",
}
REVIEW_KEYS = {"id", "text", "label", "rating"}
EDGE_JUNK = " \t.,!?~;:ㅋㅎㅠㅜㅡ^"


def _read_jsonl(path: Path, errors: list[str]) -> list[tuple[int, dict]]:
    rows = []
    if not path.is_file():
        errors.append(f"{path}: missing")
        return rows
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            errors.append(f"{path.name}:{lineno}: blank line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name}:{lineno}: invalid JSON ({exc})")
            continue
        if not isinstance(obj, dict):
            errors.append(f"{path.name}:{lineno}: not a JSON object")
            continue
        rows.append((lineno, obj))
    return rows


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_span(text: str, value: object, start: object, end: object, what: str, where: str) -> list[str]:
    errs = []
    if not isinstance(value, str) or not value:
        return [f"{where}: {what} must be a non-empty string"]
    if not (_is_int(start) and _is_int(end)):
        return [f"{where}: {what}_start/{what}_end must be integers"]
    if not 0 <= start < end <= len(text):
        return [f"{where}: {what} offsets {start}:{end} out of range"]
    if text[start:end] != value:
        errs.append(f"{where}: text[{start}:{end}] = {text[start:end]!r} != {what} {value!r}")
    if value[0] in EDGE_JUNK or value[-1] in EDGE_JUNK:
        errs.append(f"{where}: {what} {value!r} starts or ends with space/punctuation/emoticon")
    return errs


def _count_id_and_text(row: dict, where: str, ids: Counter, texts: Counter, errors: list[str]) -> bool:
    """Count the row's id and text; False (with an error) when the text is empty or unstripped."""
    ids[row["id"]] += 1
    text = row["text"]
    if not isinstance(text, str) or not text.strip() or text != text.strip():
        errors.append(f"{where}: text must be a non-empty stripped string")
        return False
    texts[text] += 1
    return True


def _report_duplicates(path: Path, ids: Counter, texts: Counter, errors: list[str]) -> None:
    for counter, label in ((ids, "id"), (texts, "text")):
        for value, count in counter.items():
            if count > 1:
                errors.append(f"{path.name}: duplicate {label} {value!r} ({count}x)")


def check_spans(path: Path, min_sentences: int = MIN_SPAN_SENTENCES) -> tuple[list[str], dict]:
    errors: list[str] = []
    rows = _read_jsonl(path, errors)
    ids: Counter[str] = Counter()
    texts: Counter[str] = Counter()
    stage_sentences: Counter[str] = Counter()
    stage_polarity: Counter[tuple[str, str]] = Counter()
    sentiments: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    n_mentions = Counter()
    implicit = 0
    for lineno, row in rows:
        where = f"{path.name}:{lineno}"
        keys = set(row)
        if not keys >= SPAN_KEYS or keys - SPAN_KEYS - SPAN_OPTIONAL:
            errors.append(f"{where}: keys {sorted(keys)} != {sorted(SPAN_KEYS)} (+ optional tags)")
            continue
        if not _count_id_and_text(row, where, ids, texts, errors):
            continue
        text = row["text"]
        if row["sentiment"] not in SENTIMENTS:
            errors.append(f"{where}: sentiment {row['sentiment']!r} not in {SENTIMENTS}")
        sentiments[row["sentiment"]] += 1
        for tag in row.get("tags", []):
            tags[tag] += 1
        mentions = row["mentions"]
        if not isinstance(mentions, list):
            errors.append(f"{where}: mentions must be a list")
            continue
        n_mentions[min(len(mentions), 2)] += 1
        seen_stages = set()
        spans = []
        for k, m in enumerate(mentions):
            mw = f"{where} mention {k}"
            if not isinstance(m, dict) or set(m) != MENTION_KEYS:
                errors.append(f"{mw}: keys must be {sorted(MENTION_KEYS)}")
                continue
            if m["aspect"] is None:
                implicit += 1
                if m["aspect_start"] is not None or m["aspect_end"] is not None:
                    errors.append(f"{mw}: null aspect needs null offsets")
            else:
                errors += _check_span(text, m["aspect"], m["aspect_start"], m["aspect_end"], "aspect", mw)
                if _is_int(m["aspect_start"]) and _is_int(m["aspect_end"]):
                    spans.append((m["aspect_start"], m["aspect_end"], "aspect"))
            errors += _check_span(text, m["opinion"], m["opinion_start"], m["opinion_end"], "opinion", mw)
            if _is_int(m["opinion_start"]) and _is_int(m["opinion_end"]):
                spans.append((m["opinion_start"], m["opinion_end"], "opinion"))
            if m["polarity"] not in POLARITIES:
                errors.append(f"{mw}: polarity {m['polarity']!r} not in {POLARITIES}")
            if m["stage"] not in STAGES:
                errors.append(f"{mw}: stage {m['stage']!r} not in {STAGES}")
                continue
            seen_stages.add(m["stage"])
            stage_polarity[(m["stage"], m["polarity"])] += 1
        # an aspect may be shared by several opinions, but no two distinct spans may overlap
        uniq = sorted(set(spans))
        for (s1, e1, k1), (s2, e2, k2) in itertools.pairwise(uniq):
            if s2 < e1:
                errors.append(f"{where}: {k1} {s1}:{e1} overlaps {k2} {s2}:{e2}")
        for stage in seen_stages:
            stage_sentences[stage] += 1
    _report_duplicates(path, ids, texts, errors)
    total = len(rows)
    if total < min_sentences:
        errors.append(f"{path.name}: {total} sentences < {min_sentences}")
    for stage in STAGES:
        if stage_sentences[stage] < MIN_PER_STAGE:
            errors.append(
                f"{path.name}: stage {stage} has {stage_sentences[stage]} sentences < {MIN_PER_STAGE}"
            )
        for pol in POLARITIES:
            if stage_polarity[(stage, pol)] == 0:
                errors.append(f"{path.name}: stage {stage} has no {pol} mention")
    if total:
        if n_mentions[2] / total < MIN_MULTI_SHARE:
            errors.append(f"{path.name}: only {n_mentions[2]} sentences with 2+ mentions")
        if n_mentions[0] / total < MIN_NONE_SHARE:
            errors.append(f"{path.name}: only {n_mentions[0]} sentences without a mention")
    if implicit < MIN_IMPLICIT:
        errors.append(f"{path.name}: only {implicit} implicit-aspect mentions < {MIN_IMPLICIT}")
    for tag, minimum in MIN_TAGGED.items():
        if tags[tag] < minimum:
            errors.append(f"{path.name}: only {tags[tag]} sentences tagged {tag} < {minimum}")
    stats = {
        "sentences": total,
        "mentions": sum(stage_polarity.values()),
        "sentiment": dict(sorted(sentiments.items())),
        "mentions_per_sentence": {"0": n_mentions[0], "1": n_mentions[1], "2+": n_mentions[2]},
        "implicit_aspect_mentions": implicit,
        "tags": dict(sorted(tags.items())),
        "stages": {
            s: {
                "sentences": stage_sentences[s],
                "pain": stage_polarity[(s, "pain")],
                "praise": stage_polarity[(s, "praise")],
            }
            for s in STAGES
        },
    }
    return errors, stats


def check_reviews(path: Path) -> tuple[list[str], dict]:
    errors: list[str] = []
    rows = _read_jsonl(path, errors)
    ids: Counter[str] = Counter()
    texts: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    ratings: Counter[str] = Counter()
    for lineno, row in rows:
        where = f"{path.name}:{lineno}"
        if set(row) != REVIEW_KEYS:
            errors.append(f"{where}: keys {sorted(row)} != {sorted(REVIEW_KEYS)}")
            continue
        if not _count_id_and_text(row, where, ids, texts, errors):
            continue
        if row["label"] not in SENTIMENTS:
            errors.append(f"{where}: label {row['label']!r} not in {SENTIMENTS}")
        labels[row["label"]] += 1
        rating = row["rating"]
        if rating is not None and not (_is_int(rating) and 1 <= rating <= 5):
            errors.append(f"{where}: rating {rating!r} must be 1..5 or null")
        ratings[str(rating)] += 1
    _report_duplicates(path, ids, texts, errors)
    total = len(rows)
    if total < MIN_REVIEWS:
        errors.append(f"{path.name}: {total} reviews < {MIN_REVIEWS}")
    for label, (lo, hi) in REVIEW_LABEL_SHARE.items():
        share = labels[label] / total if total else 0.0
        if not lo <= share <= hi:
            errors.append(f"{path.name}: label {label} share {share:.2f} outside [{lo}, {hi}]")
    stats = {"reviews": total, "label": dict(sorted(labels.items())), "rating": dict(sorted(ratings.items()))}
    return errors, stats


def cross_check(spans: Path, reviews: Path) -> list[str]:
    """Two sets must not share a text (each is an independent test)."""

    def texts(path: Path) -> set[str]:
        if not path.is_file():
            return set()
        return {
            json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        }

    try:
        shared = texts(spans) & texts(reviews)
    except (json.JSONDecodeError, KeyError, TypeError):
        return []
    return [f"text in both {spans.name} and {reviews.name}: {t!r}" for t in sorted(shared)]


def check_all(eval_dir: Path) -> tuple[list[str], dict]:
    span_errors, span_stats = check_spans(eval_dir / "commerce_spans.jsonl")
    review_errors, review_stats = check_reviews(eval_dir / "commerce_reviews.jsonl")
    span2_errors, span2_stats = check_spans(eval_dir / "commerce_spans2.jsonl", MIN_SPAN2_SENTENCES)
    errors = (
        span_errors
        + review_errors
        + span2_errors
        + cross_check(eval_dir / "commerce_spans.jsonl", eval_dir / "commerce_reviews.jsonl")
        + cross_check(eval_dir / "commerce_spans2.jsonl", eval_dir / "commerce_spans.jsonl")
        + cross_check(eval_dir / "commerce_spans2.jsonl", eval_dir / "commerce_reviews.jsonl")
    )
    return errors, {
        "commerce_spans": span_stats,
        "commerce_reviews": review_stats,
        "commerce_spans2": span2_stats,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--eval-dir", type=Path, default=Path(__file__).resolve().parents[1] / "data" / "eval"
    )
    args = parser.parse_args(argv)
    errors, stats = check_all(args.eval_dir)
    print(json.dumps(stats, ensure_ascii=False, indent=2))
    for err in errors:
        print(f"error: {err}", file=sys.stderr)
    print(f"{len(errors)} error(s)", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
