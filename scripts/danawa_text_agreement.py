"""Figures of data/eval/danawa_text_labels.tsv: annotator agreement and how the star ratings relate
to the labels people gave by reading the text.

    .venv/bin/python scripts/danawa_text_agreement.py [--labels data/eval/danawa_text_labels.tsv]

Reads the review ratings from ../shared/data/danawa (the text is not needed and not printed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--labels", default=str(REPO / "data/eval/danawa_text_labels.tsv"))
    args = ap.parse_args()

    from sklearn.metrics import cohen_kappa_score

    from voc_pipeline.models.corpus import shared_data_dir
    from voc_pipeline.models.evaluate import danawa_text_frame

    d = danawa_text_frame(shared_data_dir() / "danawa/mouse_reviews.parquet", args.labels)
    lab = pd.read_csv(args.labels, sep="\t", dtype=str, keep_default_na=False).set_index("id")
    a, b = lab.loc[d["id"], "annotator_a"], lab.loc[d["id"], "annotator_b"]
    agree = (a.to_numpy() == b.to_numpy())
    print(f"reviews {len(d)}; labels {d['label'].value_counts().reindex(['neg', 'neu', 'pos']).to_dict()}")
    print(f"annotators agree on {agree.sum()} ({agree.mean():.1%}); Cohen's kappa {cohen_kappa_score(a, b):.3f}; "
          f"adjudicated {(~agree).sum()}")
    for name, col in (("annotator A", a), ("annotator B", b)):
        print(f"  {name} vs final: {(col.to_numpy() == d['label'].to_numpy()).mean():.1%} agree")
    print("\nstars × text label (rows: rating; columns: label)")
    print(pd.crosstab(d["rating"], d["label"]).reindex(columns=["neg", "neu", "pos"], fill_value=0).to_string())
    by_rating = d["rating"].map(lambda r: "neg" if r <= 2 else ("neu" if r == 3 else "pos"))
    print(f"\nthe rating rule (1–2★ neg, 3★ neu, 4–5★ pos) matches the text label on {(by_rating == d['label']).mean():.1%}; "
          f"text-neg reviews rated 4–5★: {((d['label'] == 'neg') & (d['rating'] >= 4)).sum()}, "
          f"text-pos reviews rated 1–2★: {((d['label'] == 'pos') & (d['rating'] <= 2)).sum()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
