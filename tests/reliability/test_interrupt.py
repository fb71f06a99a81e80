"""Ctrl-C: a run interrupted while it streams exits 130 and leaves nothing behind, on both engines.

A terminal's Ctrl-C sends SIGINT to the whole foreground process group: the driver and, with
``--engine processes``, every worker. The run must not hang on its pool, must leave no staging, no
manifest and no worker process, and the next run must work on the same output folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.e2e.cli_helpers import REPO, SECRET


def _start(out: Path, engine: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "VOC_PIPELINE_SECRET"}
    env.update(VOC_PIPELINE_SECRET=SECRET, VOC_PIPELINE_THREADS="1")
    cmd = [sys.executable, "-m", "voc_pipeline", "run", "--config", "configs/default.yaml", "--output", str(out),
           "--engine", engine, "--workers", "2"]
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)   # its own group: SIGINT reaches it and its workers only


def _wait_for_staging(proc: subprocess.Popen, out: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not any((out / ".staging").glob("*")):
        assert proc.poll() is None, f"the run ended before it started staging: {proc.stderr.read()[-2000:]}"
        assert time.monotonic() < deadline, "no staging folder appeared"
        time.sleep(0.05)


def _running(proc: psutil.Process) -> str:
    """The command line of a process that is still running ('' once it has exited)."""
    try:
        return "" if proc.status() == psutil.STATUS_ZOMBIE else " ".join(proc.cmdline())
    except psutil.Error:
        return ""


@pytest.mark.parametrize("engine", ["local", "processes"])
def test_ctrl_c_mid_run_exits_130_and_leaves_nothing(tmp_path, engine):
    out = tmp_path / "out"
    proc = _start(out, engine)
    children = psutil.Process(proc.pid)
    _wait_for_staging(proc, out)
    time.sleep(0.5)   # into the streaming
    workers = children.children(recursive=True)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"--engine {engine}: still running 60 s after Ctrl-C")
    assert proc.returncode == 130, stderr[-2000:]
    assert not (out / ".staging").exists()
    assert not list(out.glob("runs/*.json")), "an interrupted run committed a manifest"
    # workers (and multiprocessing's resource tracker) notice the closed pipe within moments; one
    # still alive after that is a leaked process
    _, alive = psutil.wait_procs(workers, timeout=15)
    assert not [desc for w in alive if (desc := _running(w))]

    done = subprocess.run([sys.executable, "-m", "voc_pipeline", "run", "--config", "configs/default.yaml",
                           "--output", str(out), "--period", "2026-W47", "--input",
                           "data/sample/2026-W47/complaints.csv"],
                          cwd=REPO, env={**os.environ, "VOC_PIPELINE_SECRET": SECRET}, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
