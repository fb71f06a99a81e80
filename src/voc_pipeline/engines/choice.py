"""``--engine auto``: let the run pick between the in-process engine and worker processes.

In one process the per-record Python of every stage shares one GIL, so the threaded ``local``
engine keeps about 1.6 cores busy however many the machine has; ``processes`` keeps every core
busy but pays a start-up (imports, Kiwi, the model) in each worker and ~0.6 GB of memory per
worker. Measured on 2 cores (benchmarks/README.md): 100k short reviews (16 MB of CSV) local 61.7 s
vs processes 49.4 s (fourth session); in the eleventh session, two runs or more
each (wall s, local / processes): 5k reviews (0.8 MiB) 6.8 / 7.1, 10k (1.6 MiB) 10.0 / 10.8, 15k
(2.3 MiB) 14.9 / 13.3, 20k (3.1 MiB) 18.1 / 16.4. So:

- ``processes`` when there are >= 2 cores, the inputs hold >= ``MIN_PROCESSES_INPUT_BYTES`` and
  the machine has the memory for at least two workers beside the driver; as many workers as
  cores (``--workers``) and the memory allow;
- otherwise ``local``. Ray is never chosen: it needs a cluster and the extra.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: below this much input the workers' start-up (~3 s each) costs more than they win (crossover
#: between 1.6 and 2.3 MiB of short reviews, module docstring)
MIN_PROCESSES_INPUT_BYTES = 2 * 2**20
#: peak RSS of one worker process (Kiwi without the multi-word dictionary + model + frames): 607 MB measured
WORKER_MEMORY_BYTES = 700 * 2**20
#: the driver (ingest, writing, aggregation) and headroom for the rest of the machine
DRIVER_MEMORY_BYTES = 1024 * 2**20


@dataclass(frozen=True)
class EngineChoice:
    engine: str             # local | processes | ray
    workers: int | None     # the --workers to run it with (None: the engine's default)
    reason: str             # why, for the log and the manifest


def available_memory() -> int:
    """What the run may use: the machine's available memory, or less under a cgroup (container) limit."""
    import psutil

    available = int(psutil.virtual_memory().available)
    try:   # cgroup v2; psutil reports the host's memory inside a container
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        if limit != "max":
            available = min(available, int(limit) - used)
    except (OSError, ValueError):
        pass
    return available


def usable_cores() -> int:
    """CPUs this process may run on (an affinity mask or cpuset counts; the host's total does not)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        return os.cpu_count() or 1


def choose_engine(requested: str, input_bytes: int, workers: int | None = None, cores: int | None = None,
                  memory: int | None = None) -> EngineChoice:
    """The engine for a run: ``requested`` unless it is ``auto``."""
    if requested != "auto":
        return EngineChoice(requested, workers, "the default" if requested == "local" else "as requested")
    cores = workers or cores or usable_cores()
    if cores < 2:
        return EngineChoice("local", workers, "one core")
    if input_bytes < MIN_PROCESSES_INPUT_BYTES:
        return EngineChoice("local", workers, f"input {input_bytes / 2**20:.1f} MiB < "
                                              f"{MIN_PROCESSES_INPUT_BYTES // 2**20} MiB: worker start-up would not pay")
    memory = available_memory() if memory is None else memory
    fit = (memory - DRIVER_MEMORY_BYTES) // WORKER_MEMORY_BYTES
    if fit < 2:
        return EngineChoice("local", workers, f"{memory / 2**30:.1f} GiB available: too little for 2 worker processes")
    n = int(min(cores, fit))
    return EngineChoice("processes", n, f"input {input_bytes / 2**20:.0f} MiB, {cores} cores, "
                                        f"{memory / 2**30:.1f} GiB available: {n} worker processes")
