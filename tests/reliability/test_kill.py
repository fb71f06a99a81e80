"""Kill test: `voc-pipeline run` (a subprocess, the embedded model) is SIGKILLed at random points,
including inside the commit; every time, readers still see exactly the previous state of every
period (or exactly the new one, when the kill came after the manifest), and once the next run
takes the lock (recovery) no stray file is left in the dataset.

    pytest tests/reliability/test_kill.py                          # 2 kills (default test run)
    pytest -m slow tests/reliability/test_kill.py -s               # 20 kills at random points

Kill points: ``anytime`` = uniform over 90 % of the shortest measured whole run (load, ingest,
model, staging, commit, report); ``commit`` = a random 0-600 ms after the commit journal appears,
with the CLI run through ``slow_commit_cli.py`` (every rename of the commit slowed by 20 ms, test
only), so the kill lands among the renames, the manifest write or the cleanup.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.e2e.cli_helpers import REPO, SECRET
from voc_pipeline.io.dataset import OutputDataset, read_table
from voc_pipeline.schema import TABLE_SCHEMAS

SAMPLE = REPO / "data" / "sample"
WEEKS = ("2026-W46", "2026-W47")
FILES = ("complaints.csv", "agent_notes.csv", "reviews.xlsx")
SLOW_COMMIT_CLI = Path(__file__).with_name("slow_commit_cli.py")


def _config(sources: list[str]) -> str:
    blocks = {
        "complaints": "  - name: complaints\n    channel: complaint\n    path: in/*/complaints.csv\n"
                      "    columns: {id: 접수번호, text: 문의내용, created_at: 접수일시, customer_key: 고객연락처,"
                      " product: 상품명}\n",
        "notes": "  - name: agent_notes\n    channel: agent_note\n    path: in/*/agent_notes.csv\n"
                 "    columns: {id: 메모ID, text: 메모, created_at: 작성일, customer_key: 고객ID}\n",
        "reviews": "  - name: reviews\n    channel: review\n    path: in/*/reviews.xlsx\n"
                   "    columns: {id: 리뷰ID, text: 리뷰내용, created_at: 작성일, rating: 별점, rating_scale: 5,"
                   " customer_key: 회원ID, product: 상품명}\n",
    }
    return "sources:\n" + "".join(blocks[s] for s in sources) + "domain: commerce\n"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "VOC_PIPELINE_SECRET"}
    env["VOC_PIPELINE_SECRET"] = SECRET
    env.setdefault("VOC_PIPELINE_THREADS", "1")   # shared CI cores
    return env


def _start(work: Path, config: str, out: Path, slow_commit: bool = False) -> subprocess.Popen:
    cli = [str(SLOW_COMMIT_CLI)] if slow_commit else ["-m", "voc_pipeline"]
    return subprocess.Popen([sys.executable, *cli, "run", "--config", config, "--output", str(out)],
                            cwd=work, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _run(work: Path, config: str, out: Path) -> float:
    t = time.perf_counter()
    proc = _start(work, config, out)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode("utf-8", "replace")[-2000:]
    return time.perf_counter() - t


def _state(out: Path) -> dict[str, pd.DataFrame]:
    return {t: read_table(out, t) for t in TABLE_SCHEMAS}


def _same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> bool:
    try:
        for t in TABLE_SCHEMAS:
            pd.testing.assert_frame_equal(a[t], b[t], check_categorical=False)
    except AssertionError:
        return False
    return True


def _stray(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*")
                  if p.name.startswith(".") or p.name.endswith(".tmp") or ".staging" in p.parts)


class KillBench:
    def __init__(self, work: Path) -> None:
        self.work = work
        for week in WEEKS:
            (work / "in" / week).mkdir(parents=True)
            for name in FILES:
                shutil.copy(SAMPLE / week / name, work / "in" / week / name)
        (work / "old.yaml").write_text(_config(["complaints", "notes"]), encoding="utf-8")
        (work / "new.yaml").write_text(_config(["complaints", "notes", "reviews"]), encoding="utf-8")
        self.base = work / "base"
        self.full_s = _run(work, "old.yaml", self.base)   # re-measured by new()
        self.old = _state(self.base)
        self.old_runs = sorted(p.name for p in (self.base / "runs").glob("*.json"))
        self._new: dict[str, pd.DataFrame] | None = None

    def new(self) -> dict[str, pd.DataFrame]:
        """The state after a complete run of new.yaml over the old state (computed once)."""
        if self._new is None:
            out = self.work / "reference"
            shutil.copytree(self.base, out)
            self.full_s = min(self.full_s, _run(self.work, "new.yaml", out))
            self._new = _state(out)
            assert not _same(self._new, self.old)
        return self._new

    def kill_once(self, i: int, mode: str, rng: random.Random) -> str:
        """One kill; a run that finished before its kill time is retried (up to 3 times)."""
        for attempt in range(3):
            outcome = self._kill_once(i * 10 + attempt, mode, rng)
            if not outcome.endswith("finished->new"):
                return outcome
            self.full_s *= 0.8
        return outcome

    def _kill_once(self, i: int, mode: str, rng: random.Random) -> str:
        out = self.work / f"kill{i:03d}"
        shutil.copytree(self.base, out)
        proc = _start(self.work, "new.yaml", out, slow_commit=mode == "commit")
        if mode == "anytime":
            time.sleep(rng.uniform(0.2, self.full_s * 0.9))
        else:
            deadline = time.monotonic() + 600
            while not (out / ".journal.json").exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            # the slowed commit: ~20 ms per rename, then the manifest, then the cleanup
            time.sleep(rng.uniform(0, 0.6))
        finished = proc.poll() is not None
        if not finished:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        runs = sorted(p.name for p in (out / "runs").glob("*.json"))
        committed = runs != self.old_runs
        mid_commit = (out / ".journal.json").exists()
        # readers, before any recovery: exactly the old state, or exactly the new one
        seen = _state(out)
        expected = self.new() if committed else self.old
        assert _same(seen, expected), f"kill {i} ({mode}): readers see a mixed state"
        # the next run takes the lock: a stale lock and any half-done commit are cleared
        with OutputDataset(out).lock():
            pass
        assert _same(_state(out), expected), f"kill {i} ({mode}): recovery changed the committed state"
        assert not _stray(out), f"kill {i} ({mode}): stray files {_stray(out)}"
        shutil.rmtree(out)
        where = "finished" if finished else "mid-commit" if mid_commit else "after-commit" if committed else "before-commit"
        return f"{mode}:{where}->{'new' if committed else 'old'}"


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    return KillBench(tmp_path_factory.mktemp("kill"))


def test_kill_during_commit_and_at_a_random_point(bench):
    rng = random.Random(7)
    outcomes = [bench.kill_once(0, "commit", rng), bench.kill_once(1, "anytime", rng)]
    print(f"\nkill test: 2/2 passed; outcomes {outcomes}")


@pytest.mark.slow
def test_kill_20_times(bench):
    rng = random.Random(2026)
    bench.new()
    outcomes = [bench.kill_once(10 + i, "commit" if i % 2 else "anytime", rng) for i in range(20)]
    assert not [o for o in outcomes if "finished" in o]
    print(f"\nkill test: 20/20 passed; outcomes {sorted(outcomes)}; full run {bench.full_s:.1f}s")
