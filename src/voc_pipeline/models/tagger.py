"""Inference: ``load_tagger`` and ``Tagger.predict`` (the contract in docs/architecture.md)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from voc_pipeline._hashing import sha256_file
from voc_pipeline.schema import SENTIMENT_LABELS, SPAN_LABELS

WEIGHTS = "model.safetensors"


def default_model_dir() -> Path:
    return Path(str(resources.files("voc_pipeline") / "resources" / "model"))


@dataclass
class TaggerOutput:
    sentiment: np.ndarray                 # (n, 3) calibrated probabilities, SENTIMENT_LABELS order
    span_labels: list[list[str]]          # one SPAN_LABELS label per morpheme
    span_confidence: list[list[float]]    # probability of that label (0.0 = beyond the model's window)


def fix_bio(labels: list[str]) -> list[str]:
    """I-X after anything but B-X/I-X becomes B-X, so every span is well formed."""
    out = list(labels)
    for i, lab in enumerate(out):
        if lab.startswith("I-"):
            prev = out[i - 1] if i else "O"
            if prev == "O" or prev[2:] != lab[2:]:
                out[i] = "B-" + lab[2:]
    return out


class Tagger:
    def __init__(self, model, tokenizer, model_id: str, model_hash: str, batch_size: int = 64,
                 device: str = "cpu", path: str = ""):
        self.model = model
        self.tokenizer = tokenizer
        self.config = model.config
        self.model_id = model_id
        self.model_hash = model_hash
        self.batch_size = batch_size
        self.device = device
        self.path = path
        self.temperature = float(getattr(self.config, "calibration_temperature", 1.0) or 1.0)

    def predict(self, sentences: Sequence[Sequence[tuple[str, str]]]) -> TaggerOutput:
        import torch

        from voc_pipeline.models.modeling import encode

        n = len(sentences)
        probs = np.zeros((n, len(SENTIMENT_LABELS)), dtype=np.float64)
        labels: list[list[str]] = [[] for _ in range(n)]
        confs: list[list[float]] = [[] for _ in range(n)]
        if n == 0:
            return TaggerOutput(probs, labels, confs)
        cfg = self.config
        order = np.argsort([len(s) for s in sentences], kind="stable")
        with torch.inference_mode():
            for b in range(0, n, self.batch_size):
                idx = order[b:b + self.batch_size]
                batch = [list(sentences[i]) for i in idx]
                enc = encode(self.tokenizer, batch, cfg.max_morphemes, cfg.max_subwords, cfg.use_tags)
                t = {k: torch.from_numpy(v).to(self.device) for k, v in enc.items()}
                out = self.model(t["input_ids"], t["attention_mask"], t["tag_ids"], t["word_index"])
                p = torch.softmax(out["sentiment"].float() / self.temperature, dim=-1).cpu().numpy()
                sp = torch.softmax(out["span"].float(), dim=-1)
                conf, arg = sp.max(dim=-1)
                conf = conf.cpu().numpy()
                arg = arg.cpu().numpy()
                wi = enc["word_index"]
                for r, i in enumerate(idx):
                    probs[i] = p[r]
                    k = len(sentences[i])
                    ok = wi[r, :k] >= 0 if k else np.zeros(0, dtype=bool)
                    m = min(k, wi.shape[1])
                    lab = ["O"] * k
                    cf = [0.0] * k
                    for j in range(m):
                        if ok[j]:
                            lab[j] = SPAN_LABELS[arg[r, j]]
                            cf[j] = float(conf[r, j])
                    labels[i] = fix_bio(lab)
                    confs[i] = cf
        return TaggerOutput(probs, labels, confs)


def load_tagger(path: str | None = None, device: str = "auto", batch_size: int = 64,
                threads: int | None = None, quantize: bool | None = None) -> Tagger:
    """Load a model directory (None = the embedded default). On CPU the small model's Linear layers
    are int8-quantized dynamically (config ``quantize_int8``), which is measured not to cost accuracy."""
    import torch

    from voc_pipeline.errors import ModelError
    from voc_pipeline.models.modeling import VocTaggerConfig, VocTaggerModel

    p = Path(path) if path else default_model_dir()
    if not (p / "config.json").is_file() or not (p / WEIGHTS).is_file():
        raise ModelError(f"모델 디렉터리가 올바르지 않습니다(config.json, {WEIGHTS} 필요): {p}",
                         f"not a model directory (needs config.json and {WEIGHTS}): {p}")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        want = threads or int(os.environ.get("VOC_PIPELINE_THREADS", 0)) or max(1, os.cpu_count() or 1)
        if torch.get_num_threads() != want:
            torch.set_num_threads(want)
    from safetensors.torch import load_file

    cfg = VocTaggerConfig.from_dict(json.loads((p / "config.json").read_text(encoding="utf-8")))
    model = VocTaggerModel(cfg)
    state = {k: v.float() for k, v in load_file(str(p / WEIGHTS)).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]
    if missing or unexpected:
        raise ModelError(f"모델 가중치가 설정과 맞지 않습니다: {p}",
                         f"weights do not match the config in {p}: missing {missing[:3]}, unexpected {unexpected[:3]}")
    model.eval()
    q = getattr(cfg, "quantize_int8", False) if quantize is None else quantize
    if device == "cpu" and q:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    model.to(device)
    tok = _load_tokenizer(p)
    return Tagger(model, tok, model_id=getattr(cfg, "model_id", p.name), model_hash=sha256_file(p / WEIGHTS),
                  batch_size=batch_size, device=device, path=str(p))


def _load_tokenizer(path: Path):
    """The directory's tokenizer. transformers warns that `voc_tagger` is not a type it knows while
    it reads config.json for the tokenizer class; that is expected here, so it is silenced."""
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        return AutoTokenizer.from_pretrained(str(path))
    finally:
        hf_logging.set_verbosity(level)
