"""Inference: ``load_tagger`` and ``Tagger.predict`` (the contract in docs/architecture.md)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from voc_pipeline._hashing import sha256_file
from voc_pipeline.models.encoding import encode, fits_window
from voc_pipeline.schema import SENTIMENT_LABELS, SPAN_LABELS

WEIGHTS = "model.safetensors"


def default_model_dir() -> Path:
    return Path(str(resources.files("voc_pipeline") / "resources" / "model"))


def model_fingerprint(path: str | Path | None = None) -> str:
    """The model's hash in manifests and reports: sha256 over the name and sha256 of every file of the
    directory that ``load_tagger`` reads (config.json with its temperatures, the tokenizer, the weights,
    the ONNX graph, the n-gram head) and the ``lexicon.yaml`` whose aspects the default span fusion
    adds to the model's spans (``stages.tag.fusion_lexicon``), so that any change to what predicts
    changes it. Before, only model.safetensors was hashed, and a new n-gram head or calibration kept
    the old hash."""
    from voc_pipeline.models.ngram_head import HEAD_FILE
    from voc_pipeline.models.onnx_backend import ONNX_WEIGHTS

    p = Path(path) if path else default_model_dir()
    parts = [f"{name}:{sha256_file(p / name)}" for name in ("config.json", "tokenizer.json", WEIGHTS, ONNX_WEIGHTS,
                                                             HEAD_FILE, "lexicon.yaml") if (p / name).is_file()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class TaggerOutput:
    """What ``Tagger.predict`` returns.

    ``sentiment``: (n, 3) calibrated probabilities, SENTIMENT_LABELS order. Morpheme labels are held
    flat (``label_ids``/``confidence`` of every morpheme of every sentence, in input order;
    sentence i is ``offsets[i]:offsets[i + 1]``), so the pipeline decodes only the sentences that
    carry a span; ``span_labels`` (one SPAN_LABELS label per morpheme, BIO-repaired) and
    ``span_confidence`` (probability of that label; 0.0 = beyond the model's window) are the same
    as lists, built on first access.
    """

    def __init__(self, sentiment: np.ndarray, label_ids: np.ndarray, confidence: np.ndarray,
                 offsets: np.ndarray) -> None:
        self.sentiment = sentiment
        self.label_ids = label_ids
        self.confidence = confidence
        self.offsets = offsets
        self._labels: list[list[str]] | None = None

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def has_span(self) -> np.ndarray:
        """(n,) bool: whether sentence i has any morpheme labelled other than O."""
        counts = np.diff(np.concatenate([[0], np.cumsum(self.label_ids != 0)])[self.offsets])
        return counts > 0

    def labels_of(self, i: int) -> list[str]:
        row = self.label_ids[self.offsets[i]:self.offsets[i + 1]]
        labels = _LABELS[row].tolist()
        return fix_bio(labels) if row.any() else labels

    def confidence_of(self, i: int) -> list[float]:
        return self.confidence[self.offsets[i]:self.offsets[i + 1]].tolist()

    @property
    def span_labels(self) -> list[list[str]]:
        if self._labels is None:
            self._labels = [self.labels_of(i) for i in range(len(self))]
        return self._labels

    @property
    def span_confidence(self) -> list[list[float]]:
        return [self.confidence_of(i) for i in range(len(self))]


def fix_bio(labels: list[str]) -> list[str]:
    """I-X after anything but B-X/I-X becomes B-X, so every span is well formed."""
    out = list(labels)
    for i, lab in enumerate(out):
        if lab.startswith("I-"):
            prev = out[i - 1] if i else "O"
            if prev == "O" or prev[2:] != lab[2:]:
                out[i] = "B-" + lab[2:]
    return out


class TorchBackend:
    """The model in PyTorch (GPU, or CPU without ONNX Runtime); ``forward`` takes and returns numpy."""

    def __init__(self, model, device: str) -> None:
        self.model = model
        self.device = device

    def set_threads(self, threads: int) -> None:
        import torch

        if self.device == "cpu" and torch.get_num_threads() != threads:
            torch.set_num_threads(max(1, threads))

    def forward(self, enc: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        import torch

        with torch.inference_mode():
            t = {k: torch.from_numpy(v).to(self.device) for k, v in enc.items()}
            out = self.model(t["input_ids"], t["attention_mask"], t["tag_ids"], t["word_index"])
            return out["sentiment"].float().cpu().numpy(), out["span"].float().cpu().numpy()


def _softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


_LABELS = np.asarray(SPAN_LABELS, dtype=object)


def record_temperatures(config, path: str = "") -> dict[str, float]:
    """config.json ``record_temperature``: {record_pass: T}, a temperature on the record probabilities
    (``stages.tag.record_probabilities``, after the record pass), stored with the ``model.record_pass``
    it was fitted for (scripts/record_temperature.py --write) and applied only under that pass.
    Absent (any directory written before it, or by ``train``) = {} = T 1.0 under every pass."""
    from voc_pipeline.errors import ModelError
    from voc_pipeline.stages.tag import RECORD_PASSES

    raw = getattr(config, "record_temperature", None)
    if raw is None:
        return {}
    bad = not isinstance(raw, dict) or any(k not in RECORD_PASSES for k in raw)
    out: dict[str, float] = {}
    if not bad:
        try:
            out = {k: float(v) for k, v in raw.items()}
        except (TypeError, ValueError):
            bad = True
    if bad or not all(np.isfinite(t) and t > 0 for t in out.values()):
        raise ModelError(f"config.json의 record_temperature가 올바르지 않습니다({{record_pass: T > 0}} 필요): {path}",
                         f"config.json record_temperature must be {{record_pass: T > 0}} with record_pass one of "
                         f"{', '.join(RECORD_PASSES)}, not {raw!r}: {path}")
    return out


class Tagger:
    """A loaded model: ``predict`` over Kiwi morpheme sentences, with either backend."""

    ngram_head = None       # an ngram_head.NgramHead fused with the sentiment logits, when the directory has one
    fusion = "general"      # which of the head's fusions ``predict`` applies (``use_fusion``; load_tagger sets it)

    def __init__(self, backend, tokenizer, config, model_id: str, model_hash: str, batch_size: int = 64,
                 path: str = "", backend_name: str = "torch"):
        self.backend = backend
        self.tokenizer = tokenizer
        self.config = config
        self.model_id = model_id
        self.model_hash = model_hash
        self.batch_size = batch_size
        self.path = path
        self.backend_name = backend_name
        self.temperature = float(getattr(config, "calibration_temperature", 1.0) or 1.0)
        self.record_temperatures = record_temperatures(config, path)

    @property
    def device(self) -> str:
        return getattr(self.backend, "device", "cpu")

    def set_threads(self, threads: int) -> None:
        self.backend.set_threads(threads)

    def use_fusion(self, name: str) -> str:
        """Apply the head's fusion ``name`` (ngram_head.FUSIONS) from now on; returns the one in effect:
        ``general`` when the directory has no head or no fusion of that name (older models)."""
        from voc_pipeline.models.ngram_head import FUSIONS, GENERAL

        if name not in FUSIONS:
            raise ValueError(f"fusion must be one of {', '.join(FUSIONS)}, not {name!r}")
        self.fusion = self.ngram_head.fusion_for(name) if self.ngram_head is not None else GENERAL
        return self.fusion

    def fits_window(self, sentences: Sequence[Sequence[tuple[str, str]]]) -> np.ndarray:
        """(n,) bool: whether sentence i fits the model's window whole (``max_morphemes`` morphemes,
        ``max_subwords`` subwords with [CLS]/[SEP]); ``predict`` truncates what does not."""
        return fits_window(self.tokenizer, sentences, self.config.max_morphemes, self.config.max_subwords)

    def predict(self, sentences: Sequence[Sequence[tuple[str, str]]]) -> TaggerOutput:
        """Length-sorted batches (less padding), results restored to input order."""
        n = len(sentences)
        lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64, count=n)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        probs = np.zeros((n, len(SENTIMENT_LABELS)), dtype=np.float64)
        # morphemes beyond the model's window keep label O (0) with confidence 0
        label_ids = np.zeros(int(offsets[-1]), dtype=np.int8)
        confidence = np.zeros(int(offsets[-1]), dtype=np.float32)
        cfg = self.config
        order = np.argsort(lengths, kind="stable")

        def run_batch(b: int) -> None:   # writes rows idx only: batches may run on parallel lanes
            idx = order[b:b + self.batch_size]
            enc = encode(self.tokenizer, [sentences[i] for i in idx], cfg.max_morphemes, cfg.max_subwords,
                         cfg.use_tags)
            sentiment, span = self.backend.forward(enc)
            p = _softmax(sentiment.astype(np.float64) / self.temperature)
            probs[idx] = p if self.ngram_head is None else self.ngram_head.probs(p, enc, self.fusion)   # models/ngram_head.py
            span_p = _softmax(span.astype(np.float32))
            arg = span_p.argmax(axis=-1)
            conf = np.take_along_axis(span_p, arg[..., None], axis=-1)[..., 0]
            inside = enc["word_index"] >= 0
            inside &= np.arange(arg.shape[1])[None, :] < lengths[idx][:, None]
            rows, cols = np.nonzero(inside)
            at = offsets[idx][rows] + cols
            label_ids[at] = arg[rows, cols]
            confidence[at] = conf[rows, cols]

        starts = range(0, n, self.batch_size)
        lanes = min(getattr(self.backend, "lanes", 1), len(starts))
        if lanes > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(lanes, thread_name_prefix="voc-model-lane") as pool:
                for _ in pool.map(run_batch, starts):   # re-raises a lane's error here
                    pass
        else:
            for b in starts:
                run_batch(b)
        return TaggerOutput(probs, label_ids, confidence, offsets)


def load_tagger(path: str | None = None, device: str = "auto", batch_size: int = 64,
                threads: int | None = None, quantize: bool | None = None, backend: str = "auto",
                fusion: str | None = None) -> Tagger:
    """Load a model directory (None = the embedded default).

    ``fusion``: the n-gram head's sentiment fusion to apply (``Tagger.use_fusion``; default: config
    ``model.sentiment_fusion``'s default, what `run` uses), so a tagger loaded anywhere predicts as a
    default run does unless told otherwise.

    backend ``auto``: on CPU (``device`` cpu, or auto on a machine without an NVIDIA GPU), ONNX
    Runtime over the directory's ``model.int8.onnx`` when both exist (no torch import at all),
    else PyTorch, whose Linear layers are then int8-quantized dynamically
    (config ``quantize_int8``; ``quantize=False`` keeps fp32 and also rules out the int8 ONNX graph).
    ``onnx`` insists on ONNX Runtime; ``torch`` on PyTorch. ``threads`` default to
    ``VOC_PIPELINE_THREADS`` or all cores.
    """
    from voc_pipeline.errors import ModelError
    from voc_pipeline.models.onnx_backend import ONNX_WEIGHTS, onnxruntime_available

    p = Path(path) if path else default_model_dir()
    if not (p / "config.json").is_file() or not (p / WEIGHTS).is_file():
        raise ModelError(f"모델 디렉터리가 올바르지 않습니다(config.json, {WEIGHTS} 필요): {p}",
                         f"not a model directory (needs config.json and {WEIGHTS}): {p}")
    want_threads = threads or int(os.environ.get("VOC_PIPELINE_THREADS", 0) or 0) or max(1, os.cpu_count() or 1)
    backend = os.environ.get("VOC_PIPELINE_BACKEND", "") or backend
    on_cpu = device == "cpu" or (device == "auto" and not _nvidia_gpu_present())
    onnx_ok = (p / ONNX_WEIGHTS).is_file() and quantize is not False and on_cpu
    if backend == "onnx" and not (onnx_ok and onnxruntime_available()):
        raise ModelError(f"ONNX Runtime 백엔드를 쓸 수 없습니다({ONNX_WEIGHTS}, onnxruntime, CPU 필요): {p}",
                         f"the onnx backend needs {ONNX_WEIGHTS} in {p}, onnxruntime installed and a CPU device")
    if backend in ("auto", "onnx") and onnx_ok and onnxruntime_available():
        tagger = _load_onnx(p, batch_size, want_threads)
    else:
        tagger = _load_torch(p, device, batch_size, want_threads, quantize)
    if fusion is None:
        from voc_pipeline.config import ModelConfig

        fusion = ModelConfig().sentiment_fusion
    tagger.use_fusion(fusion)
    return tagger


def _nvidia_gpu_present() -> bool:
    """Whether ``device: auto`` should go to torch (CUDA): checked without importing torch."""
    gpus = Path("/proc/driver/nvidia/gpus")
    return gpus.is_dir() and any(gpus.iterdir())


def _read_config(p: Path):
    """The directory's config.json as attributes (no transformers import on the ONNX path)."""
    from types import SimpleNamespace

    return SimpleNamespace(**json.loads((p / "config.json").read_text(encoding="utf-8")))


def _load_onnx(p: Path, batch_size: int, threads: int) -> Tagger:
    from voc_pipeline.models.encoding import MorphemeEncoder
    from voc_pipeline.models.ngram_head import NgramHead
    from voc_pipeline.models.onnx_backend import ONNX_WEIGHTS, OnnxBackend

    cfg = _read_config(p)
    tok = MorphemeEncoder(str(p / "tokenizer.json"))
    tagger = Tagger(OnnxBackend(p / ONNX_WEIGHTS, threads), tok, cfg, model_id=getattr(cfg, "model_id", p.name),
                    model_hash=model_fingerprint(p), batch_size=batch_size, path=str(p), backend_name="onnx")
    tagger.ngram_head = NgramHead.load(p)
    return tagger


def _load_torch(p: Path, device: str, batch_size: int, threads: int, quantize: bool | None) -> Tagger:
    import torch

    from voc_pipeline.errors import ModelError
    from voc_pipeline.models.modeling import VocTaggerConfig, VocTaggerModel

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu" and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
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
    tagger = Tagger(TorchBackend(model, device), tok, cfg, model_id=getattr(cfg, "model_id", p.name),
                    model_hash=model_fingerprint(p), batch_size=batch_size, path=str(p), backend_name="torch")
    from voc_pipeline.models.ngram_head import NgramHead

    tagger.ngram_head = NgramHead.load(p)
    return tagger


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
