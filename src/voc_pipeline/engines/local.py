"""The in-process engine: every batch through Stages.analyse, in input order.

Kiwi parallelises across the batch on its own threads and torch uses its intra-op threads, so one
process already uses every core; batches stay in input order so record ids and parts are stable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path


def analyse_batches(stages, batches: Iterable, workers: int | None = None) -> Iterator[tuple[Path, int, object]]:
    for path, batch in batches:
        yield path, batch.rows_read, stages.analyse(batch.records, batch.quarantine)
