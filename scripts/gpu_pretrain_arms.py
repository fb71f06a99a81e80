"""Pretrain several encoder presets side by side on one GPU (the device call).

    PYTHONPATH=src python3 scripts/gpu_pretrain_arms.py --morphs FILE --out DIR \
        --arm F:fast:19000 --arm G:deep:12500

Made for a device machine that holds torch and transformers but not Kiwi's model: ``--morphs`` is a
``voc-pipeline pretrain --export-morphs`` file. Each arm is NAME:PRESET:STEPS. Set STEPS from a measured
steady rate (docs/model.md §5: on an H100 0.022 s/step for ``fast`` and 0.034 for ``deep`` at batch 256,
two arms sharing the GPU); a short timed probe overstated s/step 2.4–2.9× there, so the script has none.
The arms run at once, each in its own process; each arm's directory (no checkpoints) is packed into
``OUT/<name>.tar`` and the runs' reports go to ``OUT/arms.json``.
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
    ap.add_argument("--arm", action="append", required=True, help="NAME:PRESET:STEPS, repeatable")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default="/tmp/arms")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--split-salt", default="voc-v0", help="must equal the morpheme file's (train's) salt")
    a = ap.parse_args()
    arms = {}
    for spec in a.arm:
        name, preset, steps = [*spec.split(":"), ""][:3]
        if not steps.isdigit():
            ap.error(f"--arm {spec}: expected NAME:PRESET:STEPS")
        arms[name] = (preset, int(steps))
    out, work = Path(a.out), Path(a.work)
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    base = {"data": [a.morphs], "batch_size": a.batch_size, "lr": a.lr, "workers": a.workers, "threads": a.threads,
            "device": a.device, "split_salt": a.split_salt, "seed": 13, "checkpoint_every": 5000}
    t0 = time.time()
    run_arms({n: dict(base, out=str(work / n), preset=p, max_steps=k, model_id=f"voc-mlm-gpu-{p}")
              for n, (p, k) in arms.items()}, out)
    summary: dict = {"wall_s": round(time.time() - t0, 1), "arms": {}}
    for n, (preset, k) in arms.items():
        d = work / n
        rep = json.loads((d / "pretrain_report.json").read_text())["report"]
        summary["arms"][n] = {"preset": preset, "max_steps": k, "run": rep}
        with tarfile.open(out / f"{n}.tar", "w") as tar:
            for f in sorted(d.iterdir()):
                if f.is_file():
                    tar.add(f, arcname=f"{n}/{f.name}")
    (out / "arms.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(json.dumps({n: {k: v for k, v in s["run"].items() if k != "loss_first"} for n, s in summary["arms"].items()}),
          flush=True)


if __name__ == "__main__":
    main()
