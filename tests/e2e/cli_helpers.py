"""Running the CLI as a user does: a subprocess of `python -m voc_pipeline` from the repo root."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SECRET = "e2e-test-secret"


@dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str
    output: Path


def run_cli(*args: str, env_extra: dict[str, str] | None = None, secret: bool = True, cwd: Path = REPO) -> CliRun:
    env = {k: v for k, v in os.environ.items() if k != "VOC_PIPELINE_SECRET"}
    if secret:
        env["VOC_PIPELINE_SECRET"] = SECRET
    env.update(env_extra or {})
    proc = subprocess.run(
        [sys.executable, "-m", "voc_pipeline", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    out = Path(args[args.index("--output") + 1]) if "--output" in args else Path()
    return CliRun(proc.returncode, proc.stdout, proc.stderr, out)
