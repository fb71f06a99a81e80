"""Score the mask stage on hand-labelled Korean VOC snippets.

    .venv/bin/python scripts/pii_eval.py [tests/data/pii_cases.jsonl] [--errors]

Each line of the cases file is ``{"text": ..., "pii": [{"type": ..., "value": ...}]}`` listing exactly
the substrings that must be masked (an empty list = a look-alike that must stay).

Recall (per labelled type): a value counts as found when no character of it survives, i.e. every
non-space, non-punctuation character of every occurrence of the value lies inside a masked span
(of any type; ``type_ok`` additionally counts spans of the labelled type).
Precision (per predicted type): a masked span is correct when it overlaps an occurrence of a
labelled value; spans over unlabelled text are false positives.

Prints a table and, last, one JSON line with all figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

from voc_pipeline.config import ALL_PII_TYPES
from voc_pipeline.stages.mask import Masker

DEFAULT_CASES = Path(__file__).resolve().parents[1] / "tests" / "data" / "pii_cases.jsonl"
STRUCTURED = ("phone", "rrn", "foreigner_id", "business_no", "card", "account", "email", "passport",
              "driver_license")


def load_cases(path: str | Path = DEFAULT_CASES) -> list[dict]:
    cases = []
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        case = json.loads(line)
        for item in case["pii"]:
            if item["type"] not in ALL_PII_TYPES:
                raise ValueError(f"line {i}: unknown type {item['type']!r}")
            if item["value"] not in case["text"]:
                raise ValueError(f"line {i}: value {item['value']!r} is not in the text")
        cases.append(case)
    return cases


def _significant(ch: str) -> bool:
    return not (ch.isspace() or unicodedata.category(ch).startswith("P"))


def _occurrences(text: str, value: str) -> list[tuple[int, int]]:
    out, start = [], text.find(value)
    while start >= 0:
        out.append((start, start + len(value)))
        start = text.find(value, start + 1)
    return out


def evaluate(cases: list[dict], masker: Masker | None = None) -> dict:
    masker = masker or Masker(secret=b"pii-eval")
    found: dict[str, int] = defaultdict(int)
    found_typed: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    misses: list[dict] = []
    false_pos: list[dict] = []
    for case in cases:
        text = case["text"]
        result = masker.mask_text(text)
        covered = [None] * len(text)
        for sp in result.spans:
            for k in range(sp.start, sp.end):
                covered[k] = sp.type
        labelled: list[tuple[int, int]] = []
        for item in case["pii"]:
            occ = _occurrences(text, item["value"])
            labelled.extend(occ)
            total[item["type"]] += 1
            sig = [k for s, e in occ for k in range(s, e) if _significant(text[k])]
            if all(covered[k] is not None for k in sig):
                found[item["type"]] += 1
                if all(covered[k] == item["type"] for k in sig):
                    found_typed[item["type"]] += 1
            else:
                misses.append({"type": item["type"], "value": item["value"], "masked": result.text})
        for sp in result.spans:
            if any(sp.start < e and s < sp.end for s, e in labelled):
                tp[sp.type] += 1
            else:
                fp[sp.type] += 1
                false_pos.append({"type": sp.type, "value": text[sp.start:sp.end], "text": text})

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    per_type = {}
    for t in ALL_PII_TYPES:
        per_type[t] = {
            "labelled": total[t], "found": found[t], "recall": ratio(found[t], total[t]),
            "type_ok": ratio(found_typed[t], total[t]),
            "masked": tp[t] + fp[t], "false_pos": fp[t], "precision": ratio(tp[t], tp[t] + fp[t]),
        }
    s_found = sum(found[t] for t in STRUCTURED)
    s_total = sum(total[t] for t in STRUCTURED)
    all_tp, all_fp = sum(tp.values()), sum(fp.values())
    return {
        "cases": len(cases),
        "negative_cases": sum(1 for c in cases if not c["pii"]),
        "per_type": per_type,
        "structured_recall": ratio(s_found, s_total),
        "structured_min_recall": min((per_type[t]["recall"] for t in STRUCTURED if total[t]), default=None),
        "overall_recall": ratio(sum(found.values()), sum(total.values())),
        "overall_precision": ratio(all_tp, all_tp + all_fp),
        "misses": misses,
        "false_positives": false_pos,
    }


def _fmt(x: float | None) -> str:
    return "  -   " if x is None else f"{100 * x:6.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="?", default=str(DEFAULT_CASES))
    ap.add_argument("--errors", action="store_true", help="list missed values and false positives")
    args = ap.parse_args(argv)
    report = evaluate(load_cases(args.cases))
    print(f"{'type':<16}{'labelled':>9}{'recall%':>9}{'type_ok%':>10}{'masked':>8}{'FP':>5}{'precision%':>12}")
    for t, r in report["per_type"].items():
        print(f"{t:<16}{r['labelled']:>9}{_fmt(r['recall']):>9}{_fmt(r['type_ok']):>10}{r['masked']:>8}"
              f"{r['false_pos']:>5}{_fmt(r['precision']):>12}")
    print(f"cases={report['cases']} (look-alike only: {report['negative_cases']})  "
          f"structured recall={_fmt(report['structured_recall']).strip()}%  "
          f"overall recall={_fmt(report['overall_recall']).strip()}%  "
          f"overall precision={_fmt(report['overall_precision']).strip()}%")
    if args.errors:
        for m in report["misses"]:
            print(f"MISS {m['type']:<14} {m['value']!r:<30} -> {m['masked']}")
        for f in report["false_positives"]:
            print(f"FP   {f['type']:<14} {f['value']!r:<30} in {f['text']}")
    summary = {k: v for k, v in report.items() if k not in ("misses", "false_positives")}
    summary["misses"] = len(report["misses"])
    summary["false_positives"] = len(report["false_positives"])
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
