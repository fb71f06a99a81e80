"""What "an engine gives the same run as the local engine" means, for every engine's test."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from voc_pipeline.io.dataset import read_table


def assert_same_run(local, other, tables: list[str],
                    normalise: Callable[[pd.DataFrame], pd.DataFrame] = lambda frame: frame, **compare) -> None:
    """Same counts and periods, the same ``tables`` (after ``normalise``) and the same part files
    (batches came back in input order, so record ids and part numbers match)."""
    assert local.records == other.records > 0
    assert local.quarantined == other.quarantined
    assert local.periods == other.periods
    for table in tables:
        a = normalise(read_table(local.output, table))
        b = normalise(read_table(other.output, table))
        pd.testing.assert_frame_equal(a, b, obj=table, **compare)
    parts = sorted(p.relative_to(local.output) for p in local.output.rglob("part-*.parquet"))
    assert parts == sorted(p.relative_to(other.output) for p in other.output.rglob("part-*.parquet"))
