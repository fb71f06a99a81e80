"""CPU cost of ``model.record_pass`` on the benchmark export's texts (benchmarks/export.py): how many
records get the whole-record pass, and the model stage's CPU seconds (``time.process_time``, all
threads of this process) with and without it.

    nice -n 19 .venv/bin/python scripts/record_pass_cost.py [--records 20000] [--repeats 2]

Records go through the run's own stage code in batches of ``batch_rows`` (``Stages.prepare``, then
``stages.tag.Tagger`` and its ``record_probabilities``, what ``Stages.complete`` times as ``tag``);
mask + Kiwi run once, outside the timings. Passes alternate (mean, whole, mean, whole, ...) so drift
on a shared machine hits both; CPU time, not wall time, is what is reported.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--passes", default="mean,whole")
    args = ap.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from export import texts  # type: ignore[import-not-found]

    from voc_pipeline.config import PipelineConfig
    from voc_pipeline.models.tagger import load_tagger
    from voc_pipeline.pipeline import Stages
    from voc_pipeline.stages.tag import Tagger, record_probabilities

    cfg = PipelineConfig()
    body = texts(args.records)
    stages = Stages(cfg, secret=b"", only="prepare")
    batches = []
    for lo in range(0, len(body), cfg.batch_rows):
        rec = pd.DataFrame({"record_id": [f"r{i}" for i in range(lo, min(lo + cfg.batch_rows, len(body)))],
                            "text": body[lo:lo + cfg.batch_rows]})
        batches.append((rec["record_id"], stages.prepare(rec, pd.DataFrame()).sentences))
    model = load_tagger(None, batch_size=cfg.model.batch_size)
    sizes = pd.concat([s.groupby("record_id").size() for _, s in batches])
    out: dict = {"records": len(body), "sentences": int(sizes.sum()), "multi_sentence_records": int((sizes >= 2).sum()),
                 "backend": model.backend_name, "threads": getattr(model.backend, "threads", None), "runs": []}
    Tagger(model)(batches[0][1].head(256))      # warm-up
    for rep in range(args.repeats):
        for rp in args.passes.split(","):
            stage = Tagger(model, record_pass=rp)
            cpu_sent = cpu_whole = cpu_rest = 0.0
            extra = 0
            for ids, sents in batches:
                t0 = time.process_time()
                tagged, _ = stage(sents)
                t1 = time.process_time()
                whole = stage.whole_records(tagged)
                t2 = time.process_time()
                record_probabilities(ids, tagged, whole, rp)
                t3 = time.process_time()
                cpu_sent, cpu_whole, cpu_rest = cpu_sent + t1 - t0, cpu_whole + t2 - t1, cpu_rest + t3 - t2
                extra += len(whole)
            run = {"repeat": rep, "record_pass": rp, "records_with_whole_pass": extra,
                   "cpu_s_sentence_pass_and_spans": round(cpu_sent, 2), "cpu_s_whole_record_pass": round(cpu_whole, 2),
                   "cpu_s_record_combine": round(cpu_rest, 2), "cpu_s_model_stage": round(cpu_sent + cpu_whole + cpu_rest, 2)}
            out["runs"].append(run)
            print(json.dumps(run), flush=True)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
