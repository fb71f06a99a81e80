"""benchmarks/null_model_run.py: the constant forward pass must fit the backend interface the
Tagger calls, or ``throughput.py --null-model`` would measure a crash or a different code path."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest
from tests.data.script_loading import load_script

from voc_pipeline.models import onnx_backend
from voc_pipeline.models import tagger as tagger_module
from voc_pipeline.models.tagger import load_tagger
from voc_pipeline.schema import SENTIMENT_LABELS
from voc_pipeline.stages.tokenize import KiwiTokenizer

RUNNER = Path(__file__).resolve().parents[2] / "benchmarks" / "null_model_run.py"


def test_constant_forward_runs_through_the_tagger(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = load_script("null_model_run", RUNNER)
    tagger = load_tagger(threads=1)
    texts = ["배송이 너무 늦어서 짜증났어요. 다시는 안 삽니다", "직원분이 정말 친절하셨어요"]
    sents = [[(t.form, t.tag) for t in s.tokens] for doc in KiwiTokenizer(num_workers=1).sentences(texts)
             for s in doc]
    real = tagger.predict(sents)
    assert real.label_ids.any()   # the real model tags spans here: the patched run must not

    monkeypatch.setattr(onnx_backend.OnnxBackend, "forward", runner.constant_forward)
    null = tagger.predict(sents)

    assert null.sentiment.shape == (len(sents), len(SENTIMENT_LABELS))
    np.testing.assert_allclose(null.sentiment.sum(axis=1), 1.0, rtol=1e-6)
    assert not null.label_ids.any()   # every morpheme O
    assert len(null.label_ids) == len(real.label_ids) == sum(len(s) for s in sents)


def test_imported_as_a_module_it_patches_nothing() -> None:
    before = (onnx_backend.OnnxBackend.forward, tagger_module.TorchBackend.forward)
    load_script("null_model_run", RUNNER)
    assert (onnx_backend.OnnxBackend.forward, tagger_module.TorchBackend.forward) == before


def test_a_spawned_worker_gets_the_constant_forward(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--engine processes`` spawns workers that import the script as ``__mp_main__``: they must
    run the constant forward too (the first version patched in ``main()`` only, and c0 equalled c)."""
    monkeypatch.setattr(onnx_backend.OnnxBackend, "forward", onnx_backend.OnnxBackend.forward)
    monkeypatch.setattr(tagger_module.TorchBackend, "forward", tagger_module.TorchBackend.forward)
    runpy.run_path(str(RUNNER), run_name="__mp_main__")
    assert onnx_backend.OnnxBackend.forward.__name__ == "constant_forward"
    assert tagger_module.TorchBackend.forward.__name__ == "constant_forward"
