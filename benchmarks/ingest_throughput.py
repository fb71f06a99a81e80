"""Ingest alone: ``read_source`` over a realistic export vs Python's csv module over the same file.

    python benchmarks/ingest_throughput.py --records 100000

Why it matters: every engine ingests in the driver, sequentially (the cross-file duplicate policy
needs one reader), so with enough cores (``--engine processes``, Ray) the driver's ingest rate caps
the run. Measured in one run on the same file, best of ``--repeats``:

  (floor)   ``csv.reader`` over the file: rows parsed into Python lists, nothing else
  (ingest)  ``read_source`` (stages/ingest.py) in batches of ``--batch-rows``: decoding, column
            mapping, text cleaning, date parsing into the configured zone, ISO-week periods, ratings,
            ids and duplicate check, the records frame

Prints records/s of both, ingest/floor, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import export


def csv_floor(path: Path) -> int:
    with open(path, encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def ingest(config_path: Path, batch_rows: int) -> int:
    from voc_pipeline.config import load_config
    from voc_pipeline.stages.ingest import read_source

    config = load_config(config_path)
    source = config.sources[0]
    path = config.resolve(source.path)
    return sum(len(b.records) for b in read_source(source, path, batch_rows=batch_rows, period=config.period,
                                                     fallback_period=None))


def best_of(repeats: int, fn, *args) -> tuple[float, int]:
    times, n = [], 0
    for _ in range(repeats):
        t = time.perf_counter()
        n = fn(*args)
        times.append(time.perf_counter() - t)
    return min(times), n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--batch-rows", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config_path, _ = export.write_export(Path(tmp), args.records)
        floor_s, rows = best_of(args.repeats, csv_floor, config_path.parent / "reviews.csv")
        ingest_s, records = best_of(args.repeats, ingest, config_path, args.batch_rows)
    result = {"records": records, "rows": rows, "csv_floor_per_s": rows / floor_s,
              "ingest_per_s": records / ingest_s, "ingest_over_floor": (records / ingest_s) / (rows / floor_s),
              "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
    print(f"{records:,} records, batch_rows={args.batch_rows}, best of {args.repeats}")
    print(f"(floor)  csv.reader  : {result['csv_floor_per_s']:>10,.0f} rows/s")
    print(f"(ingest) read_source : {result['ingest_per_s']:>10,.0f} records/s   "
          f"ingest/floor = {result['ingest_over_floor']:.3f}   peak RSS {result['peak_rss_bytes'] / 2**20:,.0f} MiB")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
