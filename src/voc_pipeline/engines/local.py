"""The in-process engine: every batch through Stages.prepare -> Stages.complete, in input order.

Two stages overlap (docs/scale.md): a producer thread reads the next batch, masks it and runs Kiwi
on it (``Stages.prepare``) while the calling thread runs the model and the journey mapping on the
current one (``Stages.complete``). Kiwi and torch both release the GIL, so on two cores the
tokenizer of batch i+1 and the model of batch i really run at the same time. The hand-over queue
is bounded (``prefetch`` prepared batches), so memory stays bounded whatever the input size, and a
single consumer keeps batches in input order (stable record ids and part numbers).

``VOC_PIPELINE_OVERLAP=0`` (or ``prefetch=0``) runs the plain sequential loop, e.g. to compare.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

_END = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def default_prefetch() -> int:
    raw = os.environ.get("VOC_PIPELINE_OVERLAP", "").strip()
    if raw in {"0", "false", "no", "off"}:
        return 0
    return 1 if not raw or raw in {"1", "true", "yes", "on"} else max(0, int(raw))


def analyse_batches(
    stages, batches: Iterable, workers: int | None = None, prefetch: int | None = None
) -> Iterator[tuple[Path, int, object]]:
    """(path, rows_read, Analysed) per ingest batch, in input order."""
    prefetch = default_prefetch() if prefetch is None else prefetch
    if prefetch <= 0:
        for path, batch in batches:
            yield path, batch.rows_read, stages.analyse(batch.records, batch.quarantine)
        return
    model = getattr(stages, "model", None)
    if model is not None:
        model.set_threads(model_threads(workers, overlapped=True))
    yield from _overlapped(stages, batches, prefetch)


def model_threads(workers: int | None, overlapped: bool) -> int:
    """torch intra-op threads: all cores (``--workers``), also beside Kiwi's overlapped threads.

    Measured on 2 idle cores (20k reviews): overlap + torch 2 threads 573 records/s, overlap +
    torch 1 thread 457, no overlap 476. On a machine loaded by other work, 2 torch threads were
    several times slower than 1 (OpenMP barriers wait on descheduled threads): set
    ``VOC_PIPELINE_THREADS=1`` there. ``overlapped`` is kept for engines that want to split cores.
    """
    env = int(os.environ.get("VOC_PIPELINE_THREADS", 0) or 0)
    if env > 0:
        return env
    return max(1, workers or os.cpu_count() or 1)


def _overlapped(stages, batches: Iterable, prefetch: int) -> Iterator[tuple[Path, int, object]]:
    handoff: queue.Queue = queue.Queue(maxsize=prefetch)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for path, batch in batches:
                if stop.is_set():
                    return
                prepared = stages.prepare(batch.records, batch.quarantine)
                if not put((path, batch.rows_read, prepared)):
                    return
            put(_END)
        except BaseException as err:  # handed to the consumer, re-raised there with its own type
            put(_Failure(err))

    producer = threading.Thread(target=produce, name="voc-prepare", daemon=True)
    producer.start()
    try:
        while True:
            item = handoff.get()
            if item is _END:
                break
            if isinstance(item, _Failure):
                raise item.error
            path, rows_read, prepared = item
            yield path, rows_read, stages.complete(prepared)
    finally:
        stop.set()
        # Unblock a producer waiting on a full queue, then wait for it (it checks ``stop``).
        while producer.is_alive():
            try:
                handoff.get_nowait()
            except queue.Empty:
                producer.join(timeout=0.1)
