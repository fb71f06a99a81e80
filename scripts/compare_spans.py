"""Two model directories, or two settings of one, on one hand-labelled span file, paired: span and
mention F1 of B − A.

    nice -n 10 .venv/bin/python scripts/compare_spans.py --a DIR_A --b DIR_B \
        [--data data/eval/commerce_spans.jsonl] [--fusion fill] [--pairing merge_no_bound] [--out FILE.json]
    # two settings of the shipped model (``--a``/``--b`` default: the shipped model)
    nice -n 10 .venv/bin/python scripts/compare_spans.py --data data/dev/commerce_spans_dev.jsonl \
        --b-pairing merge_no_stop --b-opinion-fill predicate_guarded

Each model runs once over the file (Kiwi tokens, model spans fused with the lexicon under
``--fusion``; mentions paired under ``--pairing``; both default to the pipeline's ``model.span_fusion``
/ ``model.span_pairing``; journey stages from ``--domain``, default commerce.yaml) through
models/evaluate.py's own code (``span_labels``, ``span_sentence_counts``, ``mention_sentence_counts``:
the counts ``span_eval`` sums). Prints both models' figures and a paired bootstrap of B − A
(``paired_f1_bootstrap``: 2,000 resamples of sentences, seed 0) for span all / aspect / opinion F1
(overlap) and mention pair / opinion F1, and mention pair / opinion precision (the F1 of (tp, pred,
pred)). ``--a-pairing``/``--b-pairing`` and ``--a-opinion-fill``/``--b-opinion-fill`` (with
``--a-opinion-fill-confidence``/``--b-…``) set each side's pairing and opinion fill (default: ``--pairing``
and the config's fill); ``--a-opinion-polarity``/``--b-opinion-polarity`` each side's opinion polarity
(``model.opinion_polarity``; default: the config's). The card figures of each model are ``span_eval``'s.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    from voc_pipeline.config import ModelConfig, domain_path

    ap = argparse.ArgumentParser()
    ap.add_argument("--a", default=None, help="model directory A (the reference; default: the shipped model)")
    ap.add_argument("--b", default=None, help="model directory B (the candidate; default: the shipped model)")
    ap.add_argument("--data", default="data/eval/commerce_spans.jsonl")
    ap.add_argument("--domain", default=None, help="domain yaml (default: the packaged commerce.yaml)")
    ap.add_argument("--fusion", default=ModelConfig().span_fusion)
    ap.add_argument("--pairing", default=ModelConfig().span_pairing)
    for side in ("a", "b"):
        ap.add_argument(f"--{side}-pairing", default=None, help=f"side {side.upper()}'s pairing (default: --pairing)")
        ap.add_argument(f"--{side}-opinion-fill", default=None, help=f"side {side.upper()}'s opinion fill "
                        "(default: the config's model.opinion_fill)")
        ap.add_argument(f"--{side}-opinion-fill-confidence", type=float, default=None)
        ap.add_argument(f"--{side}-opinion-polarity", default=None, help=f"side {side.upper()}'s opinion "
                        "polarity (default: the config's model.opinion_polarity)")
    ap.add_argument("--resamples", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    from voc_pipeline.models.evaluate import (
        mention_sentence_counts,
        paired_f1_bootstrap,
        span_labels,
        span_rows,
        span_sentence_counts,
    )

    dom = args.domain or str(domain_path("commerce"))
    rows, toks = span_rows(args.data)
    counts = {}
    settings = {}
    for k in ("a", "b"):
        pairing = getattr(args, f"{k}_pairing") or args.pairing
        fill = getattr(args, f"{k}_opinion_fill")
        tau = getattr(args, f"{k}_opinion_fill_confidence")
        polarity = getattr(args, f"{k}_opinion_polarity")
        labels = span_labels(toks, getattr(args, k), dom, [args.fusion], fill, tau, polarity)[args.fusion]
        spans = span_sentence_counts(rows, toks, labels, dom)
        mentions = mention_sentence_counts(rows, toks, labels, dom, pairing)
        settings[k] = {"model": getattr(args, k), "pairing": pairing, "opinion_fill": fill, "opinion_fill_confidence": tau,
                       "opinion_polarity": polarity}
        counts[k] = {
            **{f"span_{key}": [(c[key][0], c[key][2], c[key][3]) for c in spans] for key in ("all", "asp", "opn")},
            **{f"mention_{key}": [(c[key], c["pred"], c["gold"]) for c in mentions] for key in ("pair", "opinion")},
            # precision as an F1: with gold = pred, 2tp / (pred + pred) = tp / pred
            **{f"mention_{key}_precision": [(c[key], c["pred"], c["pred"]) for c in mentions]
               for key in ("pair", "opinion")},
        }
    res: dict = {"data": args.data, "a": args.a, "b": args.b, "fusion": args.fusion, "pairing": args.pairing,
                 "settings": settings, "domain": dom, "n_sentences": len(rows)}
    for name in counts["a"]:
        r = res[name] = paired_f1_bootstrap(counts["a"][name], counts["b"][name], args.resamples, args.seed)
        print(f"{Path(args.data).name} {name}{'' if name.endswith('precision') else ' F1'}: A {r['a']:.4f} | B {r['b']:.4f} | "
              f"B-A {r['delta']:+.4f} {r['delta_95']} (n={r['n']} sentences)", flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
