"""The model hash in manifests names everything that predicts, and --skip-unchanged re-runs on a new model."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from voc_pipeline.models.tagger import default_model_dir, load_tagger, model_fingerprint

REVIEWS = ["배송이 너무 늦어서 화가 났어요.", "상담원분이 친절하게 안내해 주셔서 감사합니다.", "그냥 그래요"]


@pytest.fixture
def model_copy(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(default_model_dir(), copy)
    return copy


@pytest.mark.parametrize("name", ["ngram_head.npz", "config.json", "model.int8.onnx", "model.safetensors", "lexicon.yaml"])
def test_a_change_to_any_file_that_predicts_changes_the_hash(model_copy, name):
    before = model_fingerprint(model_copy)
    assert before == model_fingerprint(default_model_dir())          # same files, same hash
    with (model_copy / name).open("ab") as f:
        f.write(b" ")
    assert model_fingerprint(model_copy) != before


def test_the_loaded_model_reports_the_fingerprint(model_copy):
    assert load_tagger(str(model_copy), threads=1).model_hash == model_fingerprint(model_copy)


def test_skip_unchanged_reruns_when_the_model_directory_changes(model_copy, tmp_path, monkeypatch):
    from voc_pipeline.config import load_config
    from voc_pipeline.pipeline import run_pipeline

    monkeypatch.setenv("VOC_PIPELINE_SECRET", "test-secret")
    export = tmp_path / "reviews.csv"
    pd.DataFrame({"리뷰ID": [f"R{i}" for i in range(len(REVIEWS))], "리뷰내용": REVIEWS,
                  "작성일": ["2026-11-16 10:00"] * len(REVIEWS)}).to_csv(export, index=False, encoding="utf-8")
    cfg = tmp_path / "config.yaml"
    cfg.write_text(json.dumps({"sources": [{"name": "reviews", "channel": "review", "path": str(export),
                                            "columns": {"id": "리뷰ID", "text": "리뷰내용", "created_at": "작성일"}}],
                               "model": {"path": str(model_copy)},
                               "output": str(tmp_path / "out")}, ensure_ascii=False), encoding="utf-8")
    first = run_pipeline(load_config(cfg), workers=1)
    assert first.manifest["model"]["hash"] == model_fingerprint(model_copy)
    assert run_pipeline(load_config(cfg), workers=1, skip_unchanged=True).skipped

    # a new n-gram head (as the fourth session shipped) with the same transformer weights
    with (model_copy / "ngram_head.npz").open("ab") as f:
        f.write(b" ")
    again = run_pipeline(load_config(cfg), workers=1, skip_unchanged=True)
    assert not again.skipped
    assert again.manifest["model"]["hash"] == model_fingerprint(model_copy) != first.manifest["model"]["hash"]


def test_the_shipped_figures_name_the_shipped_model():
    """eval_results.json (the card's figures) was measured on exactly the files that ship: a new n-gram
    head, graph or calibration without a new model_eval run fails here."""
    results = json.loads((default_model_dir() / "eval_results.json").read_text(encoding="utf-8"))
    assert results["model_hash"] == model_fingerprint(default_model_dir())
