"""Worker processes (``--engine processes --workers N``): the whole per-batch path in N processes.

    driver: ingest (streaming, sequential: cross-file duplicate policy) -> batches
    N worker processes, each with its own masker, Kiwi (1 thread) and model (1 thread):
        Stages.analyse(records, quarantine)  = mask -> Kiwi -> model -> journey
    driver: results in input order -> accounting, staging, aggregation, commit (pipeline.py)

Why: in one process the per-record Python of every stage (ingest, masking, building morpheme
lists, decoding spans, journey mapping) runs under one GIL, so the in-process engine stops
scaling at about one core of Python however many cores Kiwi and ONNX Runtime get. Processes
scale that part too. The price is memory: every worker holds its own Kiwi (~500 MB once it has
tokenized) and model, so on a small machine the threaded ``local`` engine stays the default
(docs/scale.md has the figures).

At most ``2 x N`` batches are in flight, so memory stays bounded whatever the input size. Worker
processes are started with ``spawn`` (forking a process that already runs Arrow's and ONNX
Runtime's threads is unsafe). The pseudonymisation secret reaches the workers as an initializer
argument over the pool's pipe, wrapped so that it never prints.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from voc_pipeline.engines._secret import Secret
from voc_pipeline.io.dataset import release_freed_memory, use_system_memory_pool

_STAGES = None   # the worker process's own Stages, built once by _start_worker


def _start_worker(config, secret: Secret, threads: int) -> None:
    global _STAGES
    os.environ.setdefault("VOC_PIPELINE_THREADS", str(threads))   # the model's cores (load_tagger reads it)
    from voc_pipeline.pipeline import Stages

    use_system_memory_pool()   # as the driver: freed Arrow pages can be handed back (below)
    _STAGES = Stages(config, secret.reveal(), threads)


def _analyse(records, quarantine):
    # the previous batch's frames are pickled and gone by now: give their pages back, or every
    # worker's RSS creeps over a long run as the driver's did (docs/scale.md)
    release_freed_memory()
    done = _STAGES.analyse(records, quarantine)
    # morpheme lists are only needed inside the worker: do not ship them back
    done.sentences = done.sentences.drop(columns=["forms", "tags", "lemmas", "starts", "lens"], errors="ignore")
    return done, _STAGES.model_info


def _model_info():
    return _STAGES.model_info


def default_processes(workers: int | None) -> int:
    return max(1, workers or os.cpu_count() or 1)


def analyse_batches(stages, batches: Iterable, workers: int | None = None) -> Iterator[tuple[Path, int, object]]:
    """(path, rows_read, Analysed) per ingest batch, in input order, computed in worker processes.

    ``stages`` is the driver's (taxonomy, config); it needs no Kiwi or model of its own
    (``Stages(..., only="driver")``): its ``model_info`` is filled from the workers' answers.
    """
    from voc_pipeline.errors import EngineError
    from voc_pipeline.stages.mask import secret_from_env

    n = default_processes(workers)
    threads = int(os.environ.get("VOC_PIPELINE_THREADS", 0) or 0) or 1
    secret = Secret(secret_from_env(stages.config.privacy.secret_env))
    pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(stages.config, secret, threads))
    pending: deque[tuple[Path, int, Future]] = deque()

    def finished() -> tuple[Path, int, object]:
        path, rows_read, future = pending.popleft()
        try:
            done, model_info = future.result()
        except BrokenProcessPool as err:
            raise EngineError(
                f"작업 프로세스가 비정상 종료했습니다(메모리 부족?): {err}",
                f"a worker process died (out of memory?): {err}; try fewer --workers or --engine local",
            ) from None
        stages.model_info = stages.model_info or model_info
        return path, rows_read, done

    try:
        for path, batch in batches:
            pending.append((path, batch.rows_read, pool.submit(_analyse, batch.records, batch.quarantine)))
            if len(pending) >= 2 * n:
                yield finished()
        while pending:
            yield finished()
        if stages.model_info is None:   # no batch at all (an empty input): the manifest still names the model
            stages.model_info = pool.submit(_model_info).result()
    finally:
        for _, _, future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)

