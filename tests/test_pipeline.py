"""run_pipeline's memory hand-back: a run drops Kiwi and the model once every batch is analysed."""

from __future__ import annotations

from pathlib import Path

from voc_pipeline import pipeline
from voc_pipeline.config import load_config

REPO = Path(__file__).resolve().parents[1]


def test_a_run_unloads_the_models_it_loaded_and_keeps_their_identity(tmp_path, monkeypatch):
    monkeypatch.setenv("VOC_PIPELINE_SECRET", "test-secret")
    monkeypatch.chdir(REPO)
    config = load_config("configs/default.yaml")
    unloaded = []
    unload = pipeline.Stages.unload

    def spy(self):
        unloaded.append(self.model.model_id)
        unload(self)

    monkeypatch.setattr(pipeline.Stages, "unload", spy)
    week = ["data/sample/2026-W47"]
    # stages passed in belong to the caller (reused across runs): left loaded
    stages = pipeline.Stages(config, b"test-secret", workers=1)
    first = pipeline.run_pipeline(config, inputs=week, output=tmp_path / "a", stages=stages)
    assert unloaded == [] and stages.model is not None and stages.tokenizer is not None
    # stages the run loads itself are dropped before aggregation; the manifest still names the model
    second = pipeline.run_pipeline(config, inputs=week, output=tmp_path / "b", workers=1)
    assert unloaded == [stages.model.model_id]
    assert second.manifest["model"] == first.manifest["model"] == stages.model_info
    assert set(stages.model_info) == {"id", "hash", "backend", "sentiment_fusion"} and all(stages.model_info.values())
    # the embedded default has a voc fusion, which config model.sentiment_fusion asks for by default
    assert stages.model_info["sentiment_fusion"] == stages.model.fusion == "voc"
    assert second.records == first.records > 0
