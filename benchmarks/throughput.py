"""Throughput benchmark: the Kiwi floor, a naive baseline and ``voc-pipeline run``, in one run.

    python benchmarks/throughput.py --records 20000            # the embedded default model
    python benchmarks/throughput.py --records 100000 --skip-naive --skip-floor   # RSS only
    python benchmarks/throughput.py --records 5000 --model /tmp/voc-standin-model  # before training

Same texts (real NSMC reviews from ../shared/data, optionally petitions as long texts, written as a
realistic CSV export by benchmarks/export.py) and the same cores for every measurement:

  (a) floor     Kiwi ``tokenize`` alone over the texts (Kiwi's own threads = --workers)
  (b) naive     pandas ``apply`` row by row: Kiwi on one text, then the same model through a
                transformers ``pipeline()`` at batch size 1, sentence by sentence
                (on the first --naive-records texts; it is slow)
  (c) pipeline  ``python -m voc_pipeline run`` in a subprocess, wall clock from process start to
                exit (config, model load, ingest, mask, Kiwi, model, journey, write, aggregation,
                commit, report); peak RSS from the OS (getrusage of the child) and the process
                tree sampled with psutil
  model alone   ``Tagger.predict`` over the Kiwi sentences of the texts, all cores
  (c0) with ``--null-model``: (c) again with the network's forward pass replaced by constant logits
                (benchmarks/null_model_run.py): what the pipeline costs around the model, so c0/a is
                the ceiling of c/a on this machine for any model, however fast

Prints records/s of each, c/a, c/b, peak RSS and CPU seconds (user + sys) of (c); ``--json FILE``
writes them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import export

REPO = Path(__file__).resolve().parents[1]


def run_kiwi(workers: int):
    """A Kiwi configured as ``voc-pipeline run`` configures its own (default config)."""
    from voc_pipeline.config import PipelineConfig
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    multi = PipelineConfig().multi_word_dictionary
    return KiwiTokenizer(num_workers=workers, multi_word_dictionary=multi).kiwi


def floor(texts: list[str], workers: int) -> float:
    kiwi = run_kiwi(workers)
    kiwi.tokenize(texts[:200])
    t = time.perf_counter()
    for _ in kiwi.tokenize(texts):
        pass
    return len(texts) / (time.perf_counter() - t)


def kiwi_sentences(texts: list[str], workers: int) -> list[list[tuple[str, str]]]:
    kiwi = run_kiwi(workers)
    return [[(t.form, t.tag) for t in s.tokens] for ss in
            kiwi.split_into_sents(texts, return_tokens=True, return_sub_sents=False) for s in ss if s.tokens]


def model_alone(model: str | None, texts: list[str], workers: int, batch_size: int) -> dict:
    """Tagger.predict alone, best of model threads = 1 and = workers."""
    from voc_pipeline.models import load_tagger

    sents = kiwi_sentences(texts, workers)
    tagger = load_tagger(model, batch_size=batch_size, threads=workers)
    tagger.predict(sents[:256])
    best = {}
    for threads in sorted({1, workers}):
        tagger.set_threads(threads)
        t = time.perf_counter()
        tagger.predict(sents)
        dt = time.perf_counter() - t
        best[threads] = len(texts) / dt
    top = max(best, key=best.get)
    dt = len(texts) / best[top]
    return {"records_per_s": best[top], "sentences_per_s": len(sents) / dt, "model_threads": top,
            "backend": tagger.backend_name,
            "records_per_s_by_threads": best, "sentences_per_record": len(sents) / len(texts),
            "model_id": tagger.model_id}


def naive(model: str | None, texts: list[str]) -> float:
    """pandas apply, one row at a time, the model through transformers.pipeline() at batch size 1."""
    import numpy as np
    import pandas as pd
    import torch
    from kiwipiepy import Kiwi
    from transformers import Pipeline, pipeline
    from transformers.pipelines import PIPELINE_REGISTRY

    from voc_pipeline.models import load_tagger
    from voc_pipeline.models.modeling import VocTaggerModel, encode

    tagger = load_tagger(model, batch_size=1, backend="torch")   # a transformers pipeline() needs the torch model
    cfg = tagger.config

    class VocPipeline(Pipeline):
        def _sanitize_parameters(self, **kwargs):
            return {}, {}, {}

        def preprocess(self, item):
            enc = encode(self.tokenizer, [item["morphs"]], cfg.max_morphemes, cfg.max_subwords, cfg.use_tags)
            return {k: torch.from_numpy(v) for k, v in enc.items()}

        def _forward(self, inputs):
            return self.model(**inputs)

        def postprocess(self, out):
            probs = torch.softmax(out["sentiment"].float(), -1)[0].numpy()
            spans = out["span"][0].argmax(-1).numpy()
            return {"sentiment": probs, "spans": spans}

    PIPELINE_REGISTRY.register_pipeline("voc-tagging", pipeline_class=VocPipeline, pt_model=VocTaggerModel)
    pipe = pipeline("voc-tagging", model=tagger.backend.model, tokenizer=tagger.tokenizer, batch_size=1, device="cpu")
    kiwi = Kiwi(num_workers=1)

    def one(text: str):
        sents = kiwi.split_into_sents(text, return_tokens=True)
        outs = [pipe({"morphs": [(t.form, t.tag) for t in s.tokens]}) for s in sents if s.tokens]
        return float(np.mean([o["sentiment"][2] - o["sentiment"][0] for o in outs])) if outs else 0.0

    frame = pd.DataFrame({"text": texts})
    one(texts[0])
    t = time.perf_counter()
    frame["score"] = frame["text"].apply(one)
    return len(texts) / (time.perf_counter() - t)


def run_pipeline_cli(config: Path, out: Path, workers: int, engine: str, null_model: bool = False) -> dict:
    import psutil

    env = dict(os.environ, VOC_PIPELINE_SECRET=os.environ.get("VOC_PIPELINE_SECRET", "benchmark-secret"))
    entry = [str(Path(__file__).resolve().parent / "null_model_run.py")] if null_model else ["-m", "voc_pipeline"]
    cmd = [sys.executable, *entry, "run", "--config", str(config), "--output", str(out),
           "--workers", str(workers), "--engine", engine]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    tree_peak = 0
    done = threading.Event()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def sample() -> None:
        nonlocal tree_peak
        try:
            root = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not done.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                tree_peak = max(tree_peak, sum(p.memory_info().rss for p in procs))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate()
    wall = time.perf_counter() - t
    done.set()
    if proc.returncode != 0:
        raise SystemExit(f"voc-pipeline run failed ({proc.returncode}):\n{stderr[-3000:]}")
    # ru_maxrss of waited-for children: the OS high-water mark of the largest child process (KiB on Linux)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    maxrss = after.ru_maxrss * 1024
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    manifest = json.loads(sorted((out / "runs").glob("*.json"))[-1].read_text(encoding="utf-8"))
    return {"wall_s": wall, "peak_rss_bytes": maxrss, "peak_tree_rss_bytes": tree_peak, "cpu_s": cpu_s,
            "timings_s": manifest.get("timings_s", {}), "records": manifest["counts"]["records"],
            "model": manifest.get("model", {}), "engine": manifest.get("engine", {})}


def machine() -> dict:
    import psutil

    cpu = "?"
    with contextlib.suppress(OSError, StopIteration), open("/proc/cpuinfo") as f:
        cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "load_avg_1m_start": round(os.getloadavg()[0], 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--long-share", type=float, default=0.0, help="share of long petition texts (0..1)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--model", default=None, help="model directory (default: the embedded model)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--naive-records", type=int, default=1000)
    ap.add_argument("--engine", default="local", help="as `voc-pipeline run --engine` (local, its default; auto; ...)")
    ap.add_argument("--skip-floor", action="store_true")
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--skip-model", action="store_true")
    ap.add_argument("--null-model", action="store_true",
                    help="also run (c) with constant logits in place of the network (c0): the ceiling of c/a")
    ap.add_argument("--weeks", type=int, default=4,
                    help="ISO weeks the export's timestamps spread over (1: one period, aggregation's worst case)")
    ap.add_argument("--workdir", default=None, help="where the export and output go (default: a temp dir)")
    ap.add_argument("--record-pass", default=None, choices=["mean", "whole", "blend"],
                    help="the run's model.record_pass (default: the config default)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    work = Path(args.workdir or tempfile.mkdtemp(prefix="voc-bench-"))
    config, texts = export.write_export(work / "export", args.records, args.long_share, model_path=args.model,
                                         weeks=args.weeks, record_pass=args.record_pass)
    result: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
                    "records": args.records, "long_share": args.long_share, "workers": args.workers,
                    "engine": args.engine}
    print(f"{args.records:,} records ({args.long_share:.0%} long), workers={args.workers}, "
          f"load {result['machine']['load_avg_1m_start']}", flush=True)
    # (c) first: its peak RSS is read from a fresh child; the in-process parts below load their own models.
    c = run_pipeline_cli(config, work / "out", args.workers, args.engine)
    result["pipeline"] = {**c, "records_per_s": args.records / c["wall_s"]}
    print(f"(c) voc-pipeline run : {args.records / c['wall_s']:9,.0f} records/s  "
          f"({c['wall_s']:.1f} s; peak RSS {c['peak_rss_bytes'] / 2**20:,.0f} MiB, "
          f"tree {c['peak_tree_rss_bytes'] / 2**20:,.0f} MiB; CPU {c['cpu_s']:.1f} s)  engine {c['engine']}  "
          f"timings {c['timings_s']}", flush=True)
    if args.null_model:   # after (c): RUSAGE_CHILDREN's peak RSS above is (c)'s alone
        c0 = run_pipeline_cli(config, work / "out-null-model", args.workers, args.engine, null_model=True)
        c0.pop("peak_rss_bytes")   # RUSAGE_CHILDREN keeps the largest child so far: not this run's own
        result["pipeline_null_model"] = {**c0, "records_per_s": args.records / c0["wall_s"]}
        print(f"(c0) run, null model : {args.records / c0['wall_s']:9,.0f} records/s  ({c0['wall_s']:.1f} s; "
              f"CPU {c0['cpu_s']:.1f} s)  timings {c0['timings_s']}", flush=True)
    if not args.skip_floor:
        a = floor(texts, args.workers)
        result["floor_records_per_s"] = a
        print(f"(a) Kiwi tokenize    : {a:9,.0f} records/s   c/a = {result['pipeline']['records_per_s'] / a:.2f}",
              flush=True)
        if args.null_model:
            print(f"    c0/a = {result['pipeline_null_model']['records_per_s'] / a:.2f} (the ceiling of c/a: "
                  f"the pipeline around a model that costs nothing)", flush=True)
    if not args.skip_model:
        m = model_alone(args.model, texts, args.workers, args.batch_size)
        result["model_alone"] = m
        print(f"    model alone      : {m['records_per_s']:9,.0f} records/s ({m['sentences_per_s']:,.0f} sentences/s, "
              f"{m['sentences_per_record']:.2f} per record; {m['backend']} threads {m['model_threads']})", flush=True)
    if not args.skip_naive:
        b = naive(args.model, texts[: args.naive_records])
        result["naive_records_per_s"] = b
        print(f"(b) naive apply      : {b:9,.1f} records/s (first {min(args.naive_records, len(texts)):,})   "
              f"c/b = {result['pipeline']['records_per_s'] / b:.1f}", flush=True)
    result["machine"]["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
