"""--engine ray gives the same tables as the local engine on the sample (local Ray, num_cpus=2)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.engines.same_run import assert_same_run

ray = pytest.importorskip("ray", reason="ray is not installed: pip install 'voc-pipeline[ray]' to run this test")

REPO = Path(__file__).resolve().parents[2]
TABLES = ["records", "sentences", "mentions", "quarantine", "pain_points", "journey_map"]
SECRET = "ray-engine-test-secret"


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("period", "record_id", "sentence_index", "start", "stage", "keyword", "polarity",
                        "source_file", "source_row", "stage_order") if c in frame.columns]
    frame = frame.copy()
    for c in frame.columns:  # lists/arrays -> tuples so they compare and sort
        if frame[c].map(lambda v: hasattr(v, "__len__") and not isinstance(v, str)).any():
            frame[c] = frame[c].map(lambda v: tuple(v) if v is not None else None)
    return frame.sort_values(keys).reset_index(drop=True)


@pytest.fixture(scope="module")
def ray_local():
    ray.init(num_cpus=2, include_dashboard=False, ignore_reinit_error=True)
    yield
    ray.shutdown()


def test_ray_engine_tables_equal_local(tmp_path, monkeypatch, ray_local):
    from voc_pipeline.config import load_config
    from voc_pipeline.pipeline import run_pipeline

    monkeypatch.chdir(REPO)
    monkeypatch.setenv("VOC_PIPELINE_SECRET", SECRET)
    monkeypatch.setenv("VOC_PIPELINE_RAY_WINDOW", "3")  # several windows on the small sample
    config = load_config(REPO / "configs" / "default.yaml")
    config = config.model_copy(update={"batch_rows": 40})  # many batches: order across actors matters

    local = run_pipeline(config, output=tmp_path / "local", workers=2, engine="local")
    distributed = run_pipeline(config, output=tmp_path / "ray", workers=2, engine="ray")

    assert_same_run(local, distributed, TABLES, normalise=_sorted, check_exact=False, rtol=1e-9)


def test_secret_is_not_printed():
    from voc_pipeline.engines.ray_engine import Secret

    s = Secret(b"top-secret")
    assert "top-secret" not in repr(s) and "top-secret" not in str(s) and s.reveal() == b"top-secret"
