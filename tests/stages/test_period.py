"""Aggregation part by part (stages/period.py, issue #5) gives the tables of a whole-period
aggregation, whatever the period's split into staged part files: on the demo run's real Korean
records, sentences and mentions, and with the odd rows a period can hold."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

from voc_pipeline import pipeline
from voc_pipeline.config import domain_path
from voc_pipeline.io.dataset import OutputDataset, Staging, to_pandas_compact
from voc_pipeline.schema import TABLE_SCHEMAS
from voc_pipeline.stages import aggregate, impact
from voc_pipeline.stages.journey import load_taxonomy

TABLES = ("records", "sentences", "mentions")
AGGREGATED = ("pain_points", "journey_map", "alerts", "pain_point_candidates", "journeys")


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(domain_path("commerce"))


@pytest.fixture(scope="module")
def demo_tables(demo_run) -> dict[str, dict[str, pa.Table]]:
    """period -> table -> the demo run's committed rows (real masked Korean text)."""
    out = {}
    for period in OutputDataset(demo_run.output).periods():
        out[period] = {t: ds.dataset(demo_run.output / t / f"period={period}", format="parquet",
                                     schema=TABLE_SCHEMAS[t]).to_table() for t in TABLES}
    return out


def _write_parts(root, period: str, tables: dict[str, pa.Table], cuts: dict[str, list[int]]) -> Staging:
    """Stage each table of one period as part files cut at the given row positions."""
    for name, table in tables.items():
        folder = root / name / f"period={period}"
        folder.mkdir(parents=True, exist_ok=True)
        bounds = [0, *[c for c in cuts.get(name, []) if 0 < c < table.num_rows], table.num_rows]
        for i, (a, b) in enumerate(itertools.pairwise(bounds)):
            pq.write_table(table.slice(a, b - a), folder / f"part-{i:05d}.parquet")
    return Staging(root)


def _cuts(tables: dict[str, pa.Table], n: int, seed: int) -> dict[str, list[int]]:
    """``n`` parts per table at random row positions, different for each table (a record's
    mentions and sentences fall in other parts than the record)."""
    rng = np.random.default_rng(seed)
    return {name: sorted(rng.choice(np.arange(1, max(t.num_rows, 2)), size=min(n - 1, max(t.num_rows - 1, 0)),
                                    replace=False).tolist()) for name, t in tables.items()}


def _whole_period(tables: dict[str, pa.Table], taxonomy, previous):
    """The tables as the pipeline computed them before issue #5: whole-period frames."""
    records = to_pandas_compact(tables["records"].select(["record_id", "sentiment", "rating_norm", "nps", "stages"]))
    sentences = to_pandas_compact(tables["sentences"].select(["stage", "sentiment"]), dictionary=("stage", "sentiment"))
    mentions = tables["mentions"].select(["record_id", "sentence_index", "aspect", "opinion", "keyword", "polarity",
                                          "stage", "confidence"]).to_pandas()
    quotes = tables["sentences"].select(["record_id", "sentence_index", "text"]).to_pandas()
    points = aggregate.pain_points(records, quotes, mentions, taxonomy, previous)
    points = impact.add_impact(points, records, mentions)
    return points, aggregate.journey_map(records, sentences, points, taxonomy)


def _part_by_part(staging: Staging, period: str, taxonomy, previous):
    tables = pipeline.read_period_tables(staging, period, taxonomy)
    return tables.tables(staging.read_sentences(period, tables.example_pairs()), previous)


@pytest.mark.parametrize("parts", [1, 3, 11])
def test_part_by_part_equals_whole_period_on_the_demo_data(demo_tables, taxonomy, tmp_path, parts):
    previous = None
    assert len(demo_tables) >= 2 and all(t["mentions"].num_rows for t in demo_tables.values())
    for i, (period, tables) in enumerate(sorted(demo_tables.items())):
        staging = _write_parts(tmp_path / str(i), period, tables, _cuts(tables, parts, seed=i))
        points, journey = _part_by_part(staging, period, taxonomy, previous)
        want_points, want_journey = _whole_period(tables, taxonomy, previous)
        assert len(points) > 10 and points["example_quotes"].map(len).sum() > 0
        assert_frame_equal(points, want_points, check_exact=True)
        assert_frame_equal(journey, want_journey, check_exact=True)
        previous = aggregate.previous_from_points(period, tables["records"].num_rows, points)


def _odd(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """A period with the rows aggregation must survive: a record id twice (other rating and stages),
    a mention of a record not in the period, mentions with no keyword or stage, a NaN confidence,
    ties in confidence, records with null / empty stage lists, a sentence with no stage."""
    rec, sen, men = (tables[t].to_pylist() for t in TABLES)
    dup = dict(rec[0], rating_norm=0.123, nps=10.0, stages=["refund"], sentiment="pos")
    rec = [*rec, dup, dict(rec[1], record_id="no-stages", stages=None), dict(rec[2], record_id="empty", stages=[])]
    sen = [*sen, dict(sen[0], stage=None), dict(sen[1], sentiment=None)]
    men = [*men,
           dict(men[0], record_id="not-in-records"),
           dict(men[1], keyword=None),
           dict(men[2], stage=None, confidence=float("nan")),
           dict(men[3], confidence=men[4]["confidence"]),
           dict(men[4], record_id=dup["record_id"], keyword=men[0]["keyword"], stage=men[0]["stage"],
                polarity=men[0]["polarity"], confidence=0.5)]
    return {t: pa.Table.from_pylist(rows, schema=TABLE_SCHEMAS[t]) for t, rows in zip(TABLES, (rec, sen, men),
                                                                                        strict=True)}


def test_part_by_part_equals_whole_period_with_odd_rows(demo_tables, taxonomy, tmp_path):
    period, tables = max(demo_tables.items(), key=lambda kv: kv[1]["mentions"].num_rows)
    tables = _odd(tables)
    want_points, want_journey = _whole_period(tables, taxonomy, None)
    for parts in (1, 5):
        staging = _write_parts(tmp_path / str(parts), period, tables, _cuts(tables, parts, seed=parts))
        points, journey = _part_by_part(staging, period, taxonomy, None)
        assert_frame_equal(points, want_points, check_exact=True)
        assert_frame_equal(journey, want_journey, check_exact=True)


def test_example_rows_is_the_documented_pandas_expression(demo_tables):
    m = pa.concat_tables([t["mentions"] for t in demo_tables.values()]).to_pandas()
    rng = np.random.default_rng(0)
    # many ties in confidence (two decimals), a NaN, a repeated (key, record) with another confidence
    m["confidence"] = m["confidence"].round(2)
    m.loc[m.index[::17], "confidence"] = np.nan
    m = pd.concat([m, m.sample(50, random_state=1).assign(confidence=rng.random(50))], ignore_index=True)
    want = (m.sort_values(["confidence", "record_id"], ascending=[False, True], kind="stable")
            .drop_duplicates([*aggregate.KEY, "record_id"]).groupby(aggregate.KEY, sort=False).head(aggregate.EXAMPLES))
    got = aggregate.example_mentions(m)
    assert got.index.tolist() == want.index.tolist()


def _stage_whole_run(root, demo_tables: dict, parts: int) -> Staging:
    for i, (period, tables) in enumerate(sorted(demo_tables.items())):
        _write_parts(root, period, tables, _cuts(tables, parts, seed=10 + i))
    return Staging(root)


def test_aggregate_tables_do_not_depend_on_the_split_into_parts(demo_tables, taxonomy, tmp_path, monkeypatch):
    """pipeline._aggregate over every demo period (trends, alerts, candidates against earlier
    periods, journeys over the lookback window): one part per table vs many parts, the journeys'
    dictionaries merged every few values."""
    periods = set(demo_tables)
    one = _stage_whole_run(tmp_path / "one", demo_tables, 1)
    pipeline._aggregate(one, OutputDataset(tmp_path / "ds1"), periods, taxonomy)
    monkeypatch.setattr(pipeline, "_lookback", functools.partial(pipeline._lookback, merge_every=7))
    many = _stage_whole_run(tmp_path / "many", demo_tables, 9)
    pipeline._aggregate(many, OutputDataset(tmp_path / "ds2"), periods, taxonomy)
    compared = 0
    for table in AGGREGATED:
        for period in sorted(periods):
            a, b = (tmp_path / s / table / f"period={period}" for s in ("one", "many"))
            assert a.is_dir() == b.is_dir(), (table, period)
            if a.is_dir():
                assert ds.dataset(a).to_table().equals(ds.dataset(b).to_table()), (table, period)
                compared += 1
    assert compared >= 4 * len(periods)


def test_parts_read_each_file_as_the_table_schema(tmp_path):
    """Staging.parts: file order; a column a file lacks (an older file) comes back null, dictionary
    columns dictionary-encoded whether the file has them or not."""
    folder = tmp_path / "records" / "period=2026-W47"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"record_id": ["a", "b"], "channel": ["review", "chat"]}), folder / "part-00000.parquet")
    pq.write_table(pa.table({"record_id": ["c"]}), folder / "part-00001.parquet")
    parts = list(Staging(tmp_path).parts("records", "2026-W47", ["record_id", "channel", "customer_key"],
                                         dictionary=("channel", "customer_key")))
    assert [p.column("record_id").to_pylist() for p in parts] == [["a", "b"], ["c"]]
    assert [p.column("channel").to_pylist() for p in parts] == [["review", "chat"], [None]]
    assert all(pa.types.is_dictionary(p.schema.field("channel").type) for p in parts)
    assert parts[1].column("customer_key").null_count == 1
    assert list(Staging(tmp_path).parts("records", "2026-W48", ["record_id"])) == []


def test_a_period_without_mentions(demo_tables, taxonomy, tmp_path):
    period, tables = min(demo_tables.items())
    tables = {**tables, "mentions": tables["mentions"].slice(0, 0), "sentences": tables["sentences"].slice(0, 0)}
    points, journey = _part_by_part(_write_parts(tmp_path, period, tables, {}), period, taxonomy, None)
    want_points, want_journey = _whole_period(tables, taxonomy, None)
    assert points.empty and want_points.empty
    assert_frame_equal(journey, want_journey, check_exact=True)
