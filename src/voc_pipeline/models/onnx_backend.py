"""ONNX Runtime int8 inference for a model directory, and its export from the safetensors weights.

The exported graph takes the four arrays of ``encoding.encode`` and returns the raw sentiment logits
(B, 3) and span logits (B, W, 7); calibration and decoding stay in ``tagger.Tagger``. The Linear
weights are quantized to int8 (dynamic quantization: activations scaled per batch at run time).
Measured on 2 cores: about 1.75x the sentences/s of torch's own int8 dynamic quantization for the
same weights (docs/model.md), and the run path then needs neither torch nor transformers loaded.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

ONNX_WEIGHTS = "model.int8.onnx"
INPUT_NAMES = ["input_ids", "attention_mask", "tag_ids", "word_index"]
OUTPUT_NAMES = ["sentiment", "span"]


def onnxruntime_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


class OnnxBackend:
    """One ``InferenceSession`` over ``model.int8.onnx``; ``forward`` takes and returns numpy arrays.

    ``threads`` cores are used as **lanes**: the session runs each batch on one intra-op thread
    and ``Tagger.predict`` calls it from ``lanes`` threads at once (ONNX Runtime sessions are safe to
    run concurrently; the GIL is released inside ``run``). At 128 hidden the per-operator hand-off
    between intra-op threads costs more than it gains: on 2 cores, 2 lanes x 1 thread ran 14,598
    sentences/s vs 11,114 for 1 batch x 2 threads (benchmarks/README.md, 2026-11-23).
    ``VOC_PIPELINE_ONNX_LANES=0`` goes back to intra-op threads.
    """

    def __init__(self, path: Path, threads: int, providers: list[str] | None = None) -> None:
        self.path = Path(path)
        self.providers = providers or ["CPUExecutionProvider"]
        self.threads = 0
        self.lanes = 1
        self.session = None
        self.set_threads(threads)

    def set_threads(self, threads: int) -> None:
        """Cores for the model: lanes (default) or intra-op threads; a change builds a new session."""
        import onnxruntime as ort

        threads = max(1, int(threads))
        if threads == self.threads and self.session is not None:
            return
        use_lanes = os.environ.get("VOC_PIPELINE_ONNX_LANES", "1").strip() not in {"0", "false", "no", "off"}
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1 if use_lanes else threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Spinning workers burn the core that Kiwi's threads need in the overlapped engine.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(self.path), options, providers=self.providers)
        self.threads = threads
        self.lanes = threads if use_lanes else 1

    def forward(self, enc: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        sentiment, span = self.session.run(OUTPUT_NAMES, {k: enc[k] for k in INPUT_NAMES})
        return sentiment, span


def export_onnx(model_dir: str | Path, out: str | Path | None = None, quantize: bool = True) -> Path:
    """Write ``model_dir/model.int8.onnx`` (or ``out``) from the directory's config + safetensors.

    The graph is traced with eager attention and dynamic batch/sequence/word axes; opset 17.
    """
    import json
    import warnings

    import torch
    from safetensors.torch import load_file

    from voc_pipeline.models.modeling import VocTaggerConfig, VocTaggerModel

    model_dir = Path(model_dir)
    target = Path(out) if out else model_dir / ONNX_WEIGHTS
    cfg = VocTaggerConfig.from_dict(json.loads((model_dir / "config.json").read_text(encoding="utf-8")))
    cfg.encoder = dict(cfg.encoder, _attn_implementation="eager")
    model = VocTaggerModel(cfg)
    state = {k: v.float() for k, v in load_file(str(model_dir / "model.safetensors")).items()}
    model.load_state_dict(state, strict=False)
    model.eval()

    class _Logits(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, tag_ids, word_index):
            out = self.inner(input_ids, attention_mask, tag_ids, word_index)
            return out["sentiment"], out["span"]

    b, t, w = 4, 20, 15
    example = (torch.randint(5, 100, (b, t)), torch.ones(b, t, dtype=torch.long),
               torch.randint(2, 40, (b, t)), torch.randint(0, t, (b, w)))
    axes = {name: {0: "batch", 1: "subwords"} for name in INPUT_NAMES[:3]}
    axes |= {"word_index": {0: "batch", 1: "words"}, "sentiment": {0: "batch"}, "span": {0: "batch", 1: "words"}}
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(_Logits(model), example, str(fp32), input_names=INPUT_NAMES,
                              output_names=OUTPUT_NAMES, dynamic_axes=axes, opset_version=17, dynamo=False)
        staged = target.with_suffix(".tmp")
        if quantize:
            import logging

            from onnxruntime.quantization import QuantType, quantize_dynamic

            root = logging.getLogger()
            level = root.level
            root.setLevel(logging.ERROR)  # "consider pre-processing" advice, not a problem here
            try:
                quantize_dynamic(str(fp32), str(staged), weight_type=QuantType.QInt8)
            finally:
                root.setLevel(level)
        else:
            staged.write_bytes(fp32.read_bytes())
        os.replace(staged, target)
    return target
