"""Every paired comparison a model ship rule reads (docs/model.md §5), candidate B against reference A.

    .venv/bin/python scripts/compare_ship.py --a src/voc_pipeline/resources/model --b CANDIDATE_DIR [--out DIR]

Runs, on the same rows for both models (paired bootstrap, 2,000 resamples):
  scripts/compare_models.py  NSMC held-out balanced sample (text and record unit; the model card's
                             sample, ``models.evaluate.nsmc_heldout_balanced``; the general fusion, as the card
                             scores it), data/eval/commerce_reviews.jsonl (text and record unit), danawa 1–2★ vs
                             4–5★ (record unit), danawa labelled by its text (data/eval/danawa_text_labels.tsv;
                             record unit, 3-class)
  scripts/compare_spans.py   data/eval/commerce_spans.jsonl with the pipeline's defaults
The NSMC and danawa samples are written to a temporary directory (danawa may not be copied into the
repository). Each tool's JSON goes to --out (default: a temporary directory, printed).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def write_samples(work: Path) -> dict[str, Path]:
    from voc_pipeline.models.corpus import shared_data_dir
    from voc_pipeline.models.evaluate import danawa_frame, danawa_text_frame, nsmc_heldout_balanced

    data = shared_data_dir()
    danawa = danawa_frame(data / "danawa/mouse_reviews.parquet")
    frames = {"nsmc_heldout": nsmc_heldout_balanced(data),
              "danawa_binary": danawa[danawa["label"].isin(["neg", "pos"])],
              "danawa_text": danawa_text_frame(data / "danawa/mouse_reviews.parquet",
                                               REPO / "data/eval/danawa_text_labels.tsv")}
    paths = {}
    for name, frame in frames.items():
        paths[name] = work / f"{name}.jsonl"
        paths[name].write_text("".join(json.dumps({"text": t, "label": lab}, ensure_ascii=False) + "\n"
                                       for t, lab in zip(frame["text"], frame["label"], strict=True)), encoding="utf-8")
    return paths


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True, help="reference model directory (e.g. the shipped one)")
    ap.add_argument("--b", required=True, help="candidate model directory")
    ap.add_argument("--out", default=None, help="directory for each comparison's JSON")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="voc-compare-") as tmp:
        out = Path(args.out or tmp)
        out.mkdir(parents=True, exist_ok=True)
        samples = write_samples(Path(tmp))
        general = ["--a-fusion", "general", "--b-fusion", "general"]   # movie text: the movie calibration
        runs = [("nsmc", "compare_models.py", samples["nsmc_heldout"], "text,record", general),
                ("commerce", "compare_models.py", REPO / "data/eval/commerce_reviews.jsonl", "text,record", []),
                ("danawa", "compare_models.py", samples["danawa_binary"], "record", []),
                ("danawa_text", "compare_models.py", samples["danawa_text"], "record", []),
                ("spans", "compare_spans.py", REPO / "data/eval/commerce_spans.jsonl", None, [])]
        for name, script, data, units, extra in runs:
            cmd = [sys.executable, str(REPO / "scripts" / script), "--a", args.a, "--b", args.b, "--data", str(data),
                   "--out", str(out / f"{name}.json")] + (["--units", units] if units else []) + extra
            done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO)
            print("\n".join(line for line in done.stdout.splitlines() if "unit=" in line or " F1" in line), flush=True)
        if args.out is None:
            print(f"(JSON written to {tmp}, removed on exit; pass --out to keep it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
