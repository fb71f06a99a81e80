"""``voc-pipeline`` with the model's forward pass replaced by constant logits (``throughput.py --null-model``).

Everything else runs as in ``python -m voc_pipeline``: config, model load, ingest, masking, Kiwi,
subword encoding, the n-gram heads, span decoding and lexicon fusion, journey, writing, aggregation,
report. What it measures is what the pipeline costs *around* the network, so
``records / wall`` of this run bounds c from above for any model of the same interface, however
fast: c/a of this run is the ceiling of c/a on this machine.

The constant output (neutral sentiment, every morpheme ``O``) leaves fewer mentions than a real
model (those of lexicon fusion only), so the stages after the model do a little less work than in
a real run: the bound is, if anything, optimistic.

    python benchmarks/null_model_run.py run --config CFG --output OUT   # as voc-pipeline run
"""

from __future__ import annotations

import numpy as np

from voc_pipeline.models import onnx_backend, tagger
from voc_pipeline.schema import SENTIMENT_LABELS, SPAN_LABELS


def constant_forward(self, enc: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    rows, words = enc["word_index"].shape
    sentiment = np.zeros((rows, len(SENTIMENT_LABELS)), dtype=np.float32)
    sentiment[:, SENTIMENT_LABELS.index("neu")] = 4.0
    span = np.zeros((rows, words, len(SPAN_LABELS)), dtype=np.float32)
    span[..., SPAN_LABELS.index("O")] = 4.0
    return sentiment, span


def patch() -> None:
    onnx_backend.OnnxBackend.forward = constant_forward
    tagger.TorchBackend.forward = constant_forward


# ``--engine processes`` spawns its workers, which import this file as ``__mp_main__``: patching at
# import time (as a script or a spawned worker's main module, never when a test imports it) puts the
# constant forward pass into every worker too.
if __name__ in {"__main__", "__mp_main__"}:
    patch()

if __name__ == "__main__":
    from voc_pipeline.cli import app

    app(prog_name="voc-pipeline")
