"""Peak RSS of aggregation alone, on the staged tables of one big period (issue #5).

Takes a committed output dataset (e.g. ``throughput.py --records 1000000 --workdir W`` leaves one
in ``W/out``), stages its records, sentences and mentions as ONE period (symlinks to the part
files, nothing copied), and runs ``pipeline._aggregate`` on it in this fresh process::

    python benchmarks/aggregation_memory.py --dataset W/out --workdir /tmp/agg        # every period as one
    python benchmarks/aggregation_memory.py --dataset W/out --workdir /tmp/agg --only 2026-W46

Prints records, RSS before, peak RSS (``ru_maxrss``) and seconds as one JSON line; the tables
written are left in WORKDIR/staging for comparison with another version's.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import time
from pathlib import Path

import psutil
import pyarrow.parquet as pq


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", type=Path, required=True, help="a committed output folder")
    ap.add_argument("--workdir", type=Path, required=True, help="emptied, then WORKDIR/staging is written")
    ap.add_argument("--only", help="stage only this period's parts (default: every period's)")
    ap.add_argument("--as-period", default="2026-W46", help="the one period they are staged as")
    ap.add_argument("--domain", default="commerce")
    args = ap.parse_args()

    shutil.rmtree(args.workdir, ignore_errors=True)
    staging_root = args.workdir / "staging"
    for table in ("records", "sentences", "mentions"):
        dst = staging_root / table / f"period={args.as_period}"
        dst.mkdir(parents=True)
        periods = [args.dataset / table / f"period={args.only}"] if args.only else sorted(
            (args.dataset / table).glob("period=*"))
        n = 0
        for folder in periods:
            for f in sorted(folder.glob("*.parquet")):
                (dst / f"part-{n:05d}.parquet").symlink_to(f.resolve())
                n += 1

    from voc_pipeline.config import domain_path
    from voc_pipeline.io.dataset import OutputDataset, Staging, use_system_memory_pool
    from voc_pipeline.pipeline import _aggregate
    from voc_pipeline.stages.journey import load_taxonomy

    use_system_memory_pool()      # as run_pipeline does
    taxonomy = load_taxonomy(domain_path(args.domain))
    staging = Staging(staging_root)
    before = psutil.Process().memory_info().rss >> 20
    started = time.perf_counter()
    _aggregate(staging, OutputDataset(args.workdir / "dataset"), {args.as_period}, taxonomy)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
    records = sum(pq.ParquetFile(f).metadata.num_rows
                  for f in (staging_root / "records" / f"period={args.as_period}").glob("*.parquet"))
    print(json.dumps({"records": records, "rss_before_mib": before, "peak_rss_mib": peak,
                      "seconds": round(seconds, 1)}))


if __name__ == "__main__":
    main()
