"""Pretrain several encoder presets side by side on one GPU inside a fixed time budget (the device call).

    PYTHONPATH=src python3 scripts/gpu_pretrain_arms.py --morphs FILE --out DIR --budget-s 360 \
        --arm F:fast --arm G:deep

Made for a device machine that holds torch and transformers but not Kiwi's model: ``--morphs`` is a
``voc-pipeline pretrain --export-morphs`` file. Each arm first runs a short timed probe (all arms at once,
so the probe sees the same GPU sharing as the run); its measured s/step sets the arm's ``max_steps``
(whole multiples of 500) so that the real runs, again all at once, end inside ``--budget-s``. The step
count is then a fixed number in each ``pretrain_report.json``: the run is repeatable with ``pretrain
--max-steps N`` and the same options. Each arm's directory (no checkpoints) is packed into
``OUT/<name>.tar``; the probes' and the runs' reports go to ``OUT/arms.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import tarfile
import time
from pathlib import Path


def _run(kwargs: dict, log_path: str) -> None:
    from voc_pipeline.models.pretrain import PretrainConfig, pretrain

    with open(log_path, "a", encoding="utf-8") as fh:
        def log(msg: str) -> None:
            fh.write(f"{time.strftime('%H:%M:%S')} {msg}\n")
            fh.flush()

        pretrain(PretrainConfig(**kwargs), log=log, progress=False, resume=False)


def run_arms(arms: dict[str, dict], log_dir: Path) -> None:
    ctx = mp.get_context("spawn")   # CUDA in each child: never fork a process that holds a CUDA context
    procs = [ctx.Process(target=_run, args=(kw, str(log_dir / f"{name}.log"))) for name, kw in arms.items()]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    bad = [name for name, p in zip(arms, procs, strict=True) if p.exitcode != 0]
    if bad:
        raise SystemExit(f"arms failed: {bad} (see {log_dir})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--morphs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--arm", action="append", required=True,
                    help="NAME:PRESET (steps from the probe) or NAME:PRESET:STEPS (no probe), repeatable")
    ap.add_argument("--budget-s", type=float, default=0.0, help="seconds the real runs' training loops may take")
    ap.add_argument("--probe-steps", type=int, default=300)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--workers", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-steps-cap", type=int, default=60000)
    ap.add_argument("--work", default="/tmp/arms")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--split-salt", default="voc-v0", help="must equal the morpheme file's (train's) salt")
    a = ap.parse_args()
    out, work = Path(a.out), Path(a.work)
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    base = {"data": [a.morphs], "batch_size": a.batch_size, "lr": a.lr, "workers": a.workers, "threads": a.threads,
            "device": a.device, "split_salt": a.split_salt, "seed": 13, "checkpoint_every": 1000000}
    parts = [x.split(":") for x in a.arm]
    named = {x[0]: x[1] for x in parts}
    steps = {x[0]: int(x[2]) for x in parts if len(x) > 2}
    summary: dict = {"budget_s": a.budget_s, "arms": {n: {"preset": p, "max_steps": steps.get(n)} for n, p in named.items()}}
    probed = [n for n in named if n not in steps]
    t0 = time.time()
    if probed:
        run_arms({n: dict(base, out=str(work / f"probe-{n}"), preset=named[n], max_steps=a.probe_steps,
                          model_id=f"probe-{n}") for n in probed}, out)
    for n in probed:
        rep = json.loads((work / f"probe-{n}" / "pretrain_report.json").read_text())["report"]
        sps = rep["seconds_per_step_after_start"] or rep["seconds_per_step"]
        steps[n] = int(min(a.max_steps_cap, a.budget_s / sps) // 500 * 500)
        summary["arms"][n] = {"preset": named[n], "probe": rep, "max_steps": steps[n]}
        print(f"probe {n}: {sps} s/step -> {steps[n]} steps", flush=True)
        # start-up (data, vocabulary, loader): the run pays it again outside --budget-s
        summary["arms"][n]["startup_s"] = round(rep["wall_seconds_this_run"] - sps * rep["steps"], 1)
    summary["probe_wall_s"] = round(time.time() - t0, 1)
    t1 = time.time()
    run_arms({n: dict(base, out=str(work / n), preset=named[n], max_steps=steps[n], model_id=f"voc-mlm-gpu-{named[n]}",
                      checkpoint_every=5000) for n in named}, out)
    summary["run_wall_s"] = round(time.time() - t1, 1)
    for n in named:
        d = work / n
        summary["arms"][n]["run"] = json.loads((d / "pretrain_report.json").read_text())["report"]
        with tarfile.open(out / f"{n}.tar", "w") as tar:
            for f in sorted(d.iterdir()):
                if f.is_file():
                    tar.add(f, arcname=f"{n}/{f.name}")
    (out / "arms.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(json.dumps({n: {k: v for k, v in s["run"].items() if k != "loss_first"} for n, s in summary["arms"].items()}),
          flush=True)


if __name__ == "__main__":
    main()
