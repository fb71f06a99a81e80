"""The output dataset: staging, atomic commit per period, rollback of a half-done commit, lock."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from voc_pipeline.errors import OutputError
from voc_pipeline.io.dataset import OutputDataset, read_table


def _records(ids, period):
    return pd.DataFrame({
        "record_id": ids, "source": "reviews", "channel": "review", "text": ["배송이 늦어요"] * len(ids),
        "created_at": pd.Timestamp("2026-11-16 09:12", tz="Asia/Seoul"), "rating": 1.0, "rating_norm": 0.0,
        "stages": [["delivery"]] * len(ids), "pii_types": [[]] * len(ids), "input_rows": 1, "period": period,
    })


class Death(BaseException):
    """Stands for the process dying (SIGKILL): no Python cleanup of the dataset runs."""


def _run(ds: OutputDataset, run_id: str, frames: dict[str, pd.DataFrame]) -> None:
    with ds.lock():
        st = ds.staging(run_id)
        for table, frame in frames.items():
            st.write_by_period(table, frame)
        ds.commit(st, run_id, st.periods, {"run_id": run_id, "periods": sorted(st.periods)})


def test_commit_replaces_only_the_rerun_period(tmp_path):
    ds = OutputDataset(tmp_path)
    _run(ds, "run1", {"records": pd.concat([_records(["a", "b"], "2026-W46"), _records(["c"], "2026-W47")])})
    _run(ds, "run2", {"records": _records(["d"], "2026-W47")})
    assert ds.periods() == ["2026-W46", "2026-W47"]
    assert ds.read("records", "2026-W47")["record_id"].tolist() == ["d"]
    assert sorted(ds.read("records", "2026-W46")["record_id"]) == ["a", "b"]
    table = read_table(tmp_path, "records")
    assert sorted(table["record_id"]) == ["a", "b", "d"]
    assert str(table["created_at"].dt.tz) == "Asia/Seoul"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records", "runs"]


def test_half_done_commit_is_rolled_back(tmp_path, monkeypatch):
    ds = OutputDataset(tmp_path)
    _run(ds, "run1", {"records": _records(["a"], "2026-W47"), "mentions": pd.DataFrame(
        {"record_id": ["a"], "sentence_index": [0], "keyword": ["배송+늦다"], "period": ["2026-W47"]})})

    calls = {"n": 0}
    real_rename = os.rename

    def dying_rename(src, dst):
        calls["n"] += 1
        if calls["n"] == 3:  # old records out, new records in, then die mid-swap
            raise Death
        return real_rename(src, dst)

    monkeypatch.setattr("pathlib.Path.rename", lambda self, target: dying_rename(self, target))
    with pytest.raises(Death):
        _run(ds, "run2", {"records": _records(["x"], "2026-W47")})
    monkeypatch.undo()
    assert (tmp_path / ".journal.json").exists()
    ds.recover()
    assert ds.read("records", "2026-W47")["record_id"].tolist() == ["a"]
    assert ds.read("mentions", "2026-W47")["keyword"].tolist() == ["배송+늦다"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mentions", "records", "runs"]
    assert [m["run_id"] for m in ds.manifests()] == ["run1"]


def test_lock_refuses_a_live_holder_and_ignores_a_dead_ones_file(tmp_path):
    import fcntl

    ds = OutputDataset(tmp_path)
    # another writer holds the lock (flock conflicts between open file descriptions, even in-process)
    with open(tmp_path / ".lock", "w") as holder:
        holder.write("4242")
        holder.flush()
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(OutputError, match="4242"), ds.lock():
            pass
    # a killed run leaves its file but no flock: the next run takes over
    (tmp_path / ".lock").write_text("999999999")
    with ds.lock():
        assert (tmp_path / ".lock").read_text() == str(os.getpid())
    assert not (tmp_path / ".lock").exists()


def test_readers_see_only_committed_data_during_a_dead_commit(tmp_path, monkeypatch):
    """Killed between the renames and the manifest: readers see the previous state before any
    recovery, and a period the dead run added is invisible."""
    ds = OutputDataset(tmp_path)
    _run(ds, "run1", {"records": _records(["a", "b"], "2026-W47")})
    before = read_table(tmp_path, "records")
    import voc_pipeline.io.dataset as dataset_module

    real_write = dataset_module._fsync_write

    def dying_write(path, data):  # every folder swapped in, then die before the manifest
        if path.parent.name == "runs":
            raise Death
        return real_write(path, data)

    monkeypatch.setattr(dataset_module, "_fsync_write", dying_write)
    with pytest.raises(Death):
        _run(ds, "run2", {"records": pd.concat([_records(["x"], "2026-W47"), _records(["y"], "2026-W48")])})
    monkeypatch.undo()
    assert (tmp_path / ".journal.json").exists()
    assert (tmp_path / "records" / "period=2026-W48").exists()
    assert ds.periods() == ["2026-W47"]
    assert sorted(ds.read("records", "2026-W47")["record_id"]) == ["a", "b"]
    assert ds.read("records", "2026-W48").empty
    pd.testing.assert_frame_equal(read_table(tmp_path, "records"), before)
    ds.recover()
    pd.testing.assert_frame_equal(read_table(tmp_path, "records"), before)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records", "runs"]


def test_a_period_folder_without_a_manifest_is_invisible(tmp_path):
    ds = OutputDataset(tmp_path)
    _run(ds, "run1", {"records": _records(["a"], "2026-W47")})
    stray = tmp_path / "records" / "period=2026-W50"
    stray.mkdir()
    (stray / "part-00000.parquet").write_bytes((tmp_path / "records" / "period=2026-W47" / "part-00000.parquet")
                                              .read_bytes())
    assert ds.periods() == ["2026-W47"]
    assert read_table(tmp_path, "records")["period"].tolist() == ["2026-W47"]


def test_a_failed_run_cleans_up_after_itself(tmp_path):
    ds = OutputDataset(tmp_path)
    _run(ds, "run1", {"records": _records(["a"], "2026-W47")})
    with pytest.raises(ValueError), ds.lock():
        st = ds.staging("run2")
        st.write_by_period("records", _records(["x"], "2026-W47"))
        raise ValueError("bad input")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records", "runs"]
    assert ds.read("records", "2026-W47")["record_id"].tolist() == ["a"]


def test_carry_over_keeps_rows_of_files_not_rerun(tmp_path):
    ds = OutputDataset(tmp_path)
    first = pd.concat([_records(["a", "b"], "2026-W47").assign(source_file="w47/reviews.xlsx"),
                       _records(["c"], "2026-W47").assign(source_file="w47/complaints.csv")])
    mentions = pd.DataFrame({"record_id": ["a", "c"], "sentence_index": [0, 0], "keyword": ["배송+지연", "쿠폰+안 되다"],
                             "period": ["2026-W47", "2026-W47"]})
    _run(ds, "run1", {"records": first, "mentions": mentions})
    with ds.lock():
        st = ds.staging("run2")
        st.write_by_period("records", _records(["c2"], "2026-W47").assign(source_file="w47/complaints.csv"))
        kept = ds.carry_over(st, "2026-W47", {"w47/complaints.csv"})
        ds.commit(st, "run2", st.periods, {"run_id": "run2", "periods": sorted(st.periods)})
    assert kept == 2
    assert sorted(ds.read("records", "2026-W47")["record_id"]) == ["a", "b", "c2"]
    assert ds.read("mentions", "2026-W47")["record_id"].tolist() == ["a"]  # c's mention left with c


def _sentences(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "record_id": [f"r{i // 2:04d}" for i in range(n)], "sentence_index": [i % 2 for i in range(n)],
        "char_start": 0, "char_end": 5, "text": [f"문장 {i}" for i in range(n)], "sentiment": "neg",
        "sentiment_score": 0.5, "stage": "delivery", "period": "2026-W47",
    })


def test_read_sentences_returns_only_the_asked_pairs(tmp_path):
    st = OutputDataset(tmp_path).staging("run1")
    frame = _sentences(40)
    st.write("sentences", "2026-W47", frame.iloc[:25])
    st.write("sentences", "2026-W47", frame.iloc[25:])     # two parts
    pairs = pd.DataFrame({"record_id": ["r0013", "r0002", "r0002", "r9999"], "sentence_index": [0, 1, 1, 0]})
    got = st.read_sentences("2026-W47", pairs)
    assert list(got.columns) == ["record_id", "sentence_index", "text"]
    assert got.to_dict("records") == [
        {"record_id": "r0002", "sentence_index": 1, "text": "문장 5"},      # file order
        {"record_id": "r0013", "sentence_index": 0, "text": "문장 26"},
    ]
    assert st.read_sentences("2026-W47", pairs.iloc[:0]).empty
    assert st.read_sentences("2026-W46", pairs).empty


def test_to_pandas_compact_and_back_to_arrow_keep_every_value(tmp_path):
    from voc_pipeline.io.dataset import to_arrow, to_pandas_compact
    from voc_pipeline.schema import TABLE_SCHEMAS

    st = OutputDataset(tmp_path).staging("run1")
    frame = _records(["a", "b", "c"], "2026-W47")
    frame["stages"] = [["delivery"], [], ["order", "delivery"]]
    frame["customer_key"] = ["K1", None, "K1"]
    st.write("records", "2026-W47", frame)
    table = st.read_arrow("records", "2026-W47", ["record_id", "customer_key", "stages", "rating_norm"])
    compact = to_pandas_compact(table, dictionary=["customer_key"])
    assert isinstance(compact["customer_key"].dtype, pd.CategoricalDtype)
    assert isinstance(compact["stages"].dtype, pd.ArrowDtype)
    assert compact["stages"].iloc[2] == ["order", "delivery"] and compact["stages"].iloc[1] == []
    assert compact["customer_key"].isna().tolist() == [False, True, False]
    # written back through to_arrow, the compact columns give the same Arrow values as plain ones
    back = to_arrow("records", compact)
    plain = to_arrow("records", table.to_pandas())
    assert back.schema == plain.schema == TABLE_SCHEMAS["records"]
    for name in ["record_id", "customer_key", "stages", "rating_norm"]:
        assert back.column(name).equals(plain.column(name)), name


def test_release_freed_memory_returns_arrow_pages_to_the_os():
    import numpy as np
    import psutil
    import pyarrow as pa
    import pyarrow.compute as pc

    from voc_pipeline.io.dataset import release_freed_memory

    if pa.default_memory_pool().backend_name not in ("mimalloc", "system"):
        pytest.skip("release_unused is a no-op for this pool")
    proc = psutil.Process()
    base = pa.array(np.arange(8000, dtype=np.int64))
    before = proc.memory_info().rss
    # ~240 MiB in 64 KiB Arrow buffers: more than earlier tests of the same process leave free in the pool
    arrays = [pc.add(base, i) for i in range(4000)]
    held = proc.memory_info().rss - before
    del arrays
    release_freed_memory()
    kept = proc.memory_info().rss - before
    assert held > 100 * 2**20
    assert kept < held / 4, (held / 2**20, kept / 2**20)
