"""--engine processes gives the same tables, part files and manifest model as the local engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.engines.same_run import assert_same_run

REPO = Path(__file__).resolve().parents[2]
TABLES = ["records", "sentences", "mentions", "quarantine", "pain_points", "journey_map", "journeys",
          "alerts", "pain_point_candidates"]
SECRET = "process-engine-test-secret"


def test_process_engine_tables_equal_local(tmp_path, monkeypatch):
    from voc_pipeline.config import load_config
    from voc_pipeline.pipeline import run_pipeline

    monkeypatch.chdir(REPO)
    monkeypatch.setenv("VOC_PIPELINE_SECRET", SECRET)
    config = load_config(REPO / "configs" / "default.yaml")
    config = config.model_copy(update={"batch_rows": 40})  # many batches: order across workers matters

    local = run_pipeline(config, output=tmp_path / "local", workers=2, engine="local")
    pooled = run_pipeline(config, output=tmp_path / "processes", workers=2, engine="processes")

    assert_same_run(local, pooled, TABLES)
    assert pooled.manifest["model"] == local.manifest["model"] and pooled.manifest["model"]["hash"]


def test_secret_does_not_print():
    from voc_pipeline.engines.processes import Secret

    s = Secret(b"hunter2")
    assert "hunter2" not in repr(s) and "hunter2" not in str(s) and "hunter2" not in json.dumps(str([s]))
    import pickle

    assert pickle.loads(pickle.dumps(s)).reveal() == b"hunter2"


def test_a_dead_worker_is_a_clear_error(tmp_path, monkeypatch):
    """A worker killed mid-run (e.g. by the OOM killer) ends the run with E600, nothing committed."""
    from voc_pipeline.config import load_config
    from voc_pipeline.engines import processes
    from voc_pipeline.errors import EngineError
    from voc_pipeline.pipeline import run_pipeline

    monkeypatch.chdir(REPO)
    monkeypatch.setenv("VOC_PIPELINE_SECRET", SECRET)
    monkeypatch.setattr(processes, "_analyse", _die)
    config = load_config(REPO / "configs" / "default.yaml")
    with pytest.raises(EngineError, match="E600"):
        run_pipeline(config, output=tmp_path / "out", workers=1, engine="processes")
    assert not list((tmp_path / "out").glob("runs/*.json"))          # no run committed
    assert not list((tmp_path / "out").glob("records/**/*.parquet"))   # no table left behind


def _die(records, quarantine):
    import os

    os._exit(9)



def test_no_batch_at_all_still_names_the_model(monkeypatch):
    """The driver learns the model from its workers; with nothing to analyse it asks one."""
    from voc_pipeline.config import load_config
    from voc_pipeline.engines import processes
    from voc_pipeline.pipeline import Stages

    monkeypatch.chdir(REPO)
    monkeypatch.setenv("VOC_PIPELINE_SECRET", SECRET)
    config = load_config(REPO / "configs" / "default.yaml")
    driver = Stages(config, b"", 1, only="driver")
    assert driver.model is None and driver.tokenizer is None and driver.model_info is None
    assert list(processes.analyse_batches(driver, iter([]), workers=1)) == []
    assert driver.model_info["id"] and len(driver.model_info["hash"]) == 64
