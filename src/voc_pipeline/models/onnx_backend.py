"""ONNX Runtime int8 inference for a model directory, and its export from the safetensors weights.

The exported graph takes the four arrays of ``encoding.encode`` and returns the raw sentiment logits
(B, 3) and span logits (B, W, 7); calibration and decoding stay in ``tagger.Tagger``. The graph is
**statically** quantized (``export_onnx``, docs/model.md §5): int8 per-channel weights, uint8
activations whose scales were fixed once from calibration sentences, int8 word-embedding table, so a
sentence's output does not depend on its batch mates (batch size, lanes, engine). The older dynamic
quantization (activation scales taken from each batch at run time) stays available as
``quantization="dynamic"`` for comparisons. The run path needs neither torch nor transformers loaded.

Re-export a directory (weights unchanged; the graph and so the model fingerprint change)::

    python -m voc_pipeline.models.onnx_backend DIR [--calibration training] [--calibration FILE ...]
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Sequence
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


CALIBRATION_TEXTS = 2000          # texts sampled from the training run's calib split
QUANTIZATIONS = ("static", "dynamic", "none")


def export_onnx(model_dir: str | Path, out: str | Path | None = None, quantization: str = "static",
                calibration: Sequence[str | Path] | None = None, calibration_texts: Sequence[str] | None = None,
                n_calib: int = CALIBRATION_TEXTS, embeddings: str = "word", log=None) -> Path:
    """Write ``model_dir/model.int8.onnx`` (or ``out``) from the directory's config + safetensors.

    The graph is traced with eager attention and dynamic batch/sequence/word axes; opset 17. Then
    ``quantization``:

    - ``"static"`` (default): ``quant_pre_process`` (ONNX shapes + ORT optimisation), then
      ``quantize_static`` in QDQ format over the weight MatMuls (the attention's activation x activation
      MatMuls stay fp32), int8 per-channel symmetric weights, uint8 activations with MinMax ranges from
      calibration sentences, MatMul outputs fp32 (ORT runs MatMulIntegerToFloat with a fixed input
      scale); ``embeddings="word"`` also stores the word-embedding table int8 (Gather on int8 + one
      scale), ``"none"`` keeps it fp32. Calibration sentences are the Kiwi sentences of
      ``calibration_texts`` (``train`` passes its calib split) plus those of ``calibration``: files
      (one text per line for .txt, else a ``text`` column of csv/tsv/jsonl/parquet) or the word
      ``"training"`` = ``n_calib`` texts sampled (seed of the run) from the calib split of the
      training data named in the directory's training_report.json — the default when neither is given.
    - ``"dynamic"``: ``quantize_dynamic`` (activation scales from each batch at run time: a sentence's
      probabilities then depend on its batch mates; kept for comparisons).
    - ``"none"``: the fp32 graph.
    """
    import json
    import warnings

    import torch
    from safetensors.torch import load_file

    from voc_pipeline.models.modeling import VocTaggerConfig, VocTaggerModel

    if quantization not in QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {QUANTIZATIONS}, not {quantization!r}")
    model_dir = Path(model_dir)
    target = Path(out) if out else model_dir / ONNX_WEIGHTS
    sentences, notes = None, []
    if quantization == "static":   # before the export: a missing calibration source fails early
        sentences = calibration_sentences(model_dir, calibration, calibration_texts, n_calib, log=log, notes=notes)
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
        with _quiet_quantizer():
            if quantization == "static":
                _quantize_static(fp32, staged, model_dir, sentences, Path(tmp), embeddings)
            elif quantization == "dynamic":
                from onnxruntime.quantization import QuantType, quantize_dynamic

                quantize_dynamic(str(fp32), str(staged), weight_type=QuantType.QInt8)
            else:
                staged.write_bytes(fp32.read_bytes())
        _describe(staged, quantization, embeddings, sentences, notes)
        os.replace(staged, target)
    return target


def _describe(path: Path, quantization: str, embeddings: str, sentences: list | None, notes: list[str]) -> None:
    """How the graph was quantized and on what, in its metadata (``graph_description``; the card shows it)."""
    import onnx
    import onnxruntime

    how = {"static": "static QDQ (onnxruntime quantize_static): MatMul/Gemm weights int8 per-channel symmetric, "
                     + {"word": "word-embedding table int8, ", "all": "embedding tables int8, "}.get(embeddings, "")
                     + "activations uint8 asymmetric with fixed MinMax ranges, MatMul outputs fp32",
           "dynamic": "dynamic (onnxruntime quantize_dynamic): weights int8, activation scales taken from each "
                      "batch at run time",
           "none": "none (fp32)"}[quantization]
    meta = {"voc_pipeline.quantization": f"{how}; onnxruntime {onnxruntime.__version__}"}
    if sentences is not None:
        meta["voc_pipeline.calibration"] = f"{len(sentences):,} Kiwi sentences of " + "; ".join(notes)
    model = onnx.load(str(path))
    for key, value in meta.items():   # kept beside the quantizer's own entries
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(path))


def graph_description(path: str | Path) -> dict[str, str]:
    """The ``voc_pipeline.*`` metadata ``export_onnx`` wrote into a graph (empty for older graphs)."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    return {p.key.split(".", 1)[1]: p.value for p in model.metadata_props if p.key.startswith("voc_pipeline.")}


@contextlib.contextmanager
def _quiet_quantizer():
    """The quantizer logs advice ("consider pre-processing", per-node notes) at WARNING/INFO."""
    import logging

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def calibration_sentences(model_dir: str | Path, calibration: Sequence[str | Path] | None = None,
                          calibration_texts: Sequence[str] | None = None, n_calib: int = CALIBRATION_TEXTS,
                          log=None, notes: list[str] | None = None) -> list[list[tuple[str, str]]]:
    """(form, tag) morpheme sentences for the static graph's activation ranges: the Kiwi sentences of
    ``calibration_texts`` and of each ``calibration`` source (a texts file, or ``"training"``: the
    training run's calib split, see ``export_onnx``). Neither given = ``["training"]``. ``notes``
    receives one line per source (the graph's metadata)."""
    from voc_pipeline.errors import ModelError
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    notes = [] if notes is None else notes
    texts = list(calibration_texts or [])
    if texts:
        notes.append(f"{len(texts):,} texts given by the caller (train: its calib split)")
    sources = list(calibration or [])
    if not sources and not texts:
        sources = ["training"]
    for src in sources:
        if str(src) == "training":
            got = training_calib_texts(model_dir, n_calib)
            conf = _training_config(model_dir)
            notes.append(f"{len(got):,} texts of the training run's calib split (corpus.group_split salt "
                         f"{conf.get('split_salt', 'voc-v0')!r}, sampled with seed {conf.get('seed', 13)}) of "
                         + ", ".join(Path(f).name for f in conf.get("data", [])))
        else:
            got = read_texts(src)
            notes.append(f"{len(got):,} texts of {Path(src).name}")
        if log:
            log(f"calibration: {len(got)} texts from {src}")
        texts += got
    texts = [x for x in texts if isinstance(x, str) and x.strip()]
    if not texts:
        raise ModelError("정적 int8 그래프의 보정 텍스트가 없습니다: --calibration FILE 로 지정하세요",
                         "no calibration texts for the static int8 graph: pass calibration=[FILE] "
                         "(--calibration FILE, one text per line or a text column)")
    kiwi = KiwiTokenizer(multi_word_dictionary=False)
    sents = [[(t.form, t.tag) for t in s.tokens] for ss in kiwi.sentences(texts) for s in ss]
    return [s for s in sents if s]


def read_texts(path: str | Path) -> list[str]:
    """Texts of a calibration file: .txt one per line; csv/tsv/jsonl/parquet its ``text`` column."""
    from voc_pipeline.models.corpus import read_table

    path = Path(path)
    if path.suffix.lower() == ".txt":
        return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    frame = read_table(path)
    if "text" not in frame.columns:
        raise ValueError(f"{path}: a calibration file needs a 'text' column (or one text per line in .txt)")
    return frame["text"].dropna().astype(str).tolist()


def training_calib_texts(model_dir: str | Path, n: int = CALIBRATION_TEXTS) -> list[str]:
    """``n`` texts of the calib split (``corpus.group_split`` with the run's salt) of the training data
    named in ``model_dir/training_report.json``, sampled with the run's seed: the same rows ``train``
    samples for its own export (same files, salt, seed and file order), so a re-export should reproduce
    train's graph up to the metadata's wording (by construction; not checked against a full train run)."""
    import pandas as pd

    from voc_pipeline.errors import ModelError
    from voc_pipeline.models.corpus import group_split, load_training_file, shared_data_dir

    conf = _training_config(model_dir)
    frames = []
    for f in conf.get("data", []):
        path = Path(f)
        if not path.is_file() and "shared/data/" in Path(f).as_posix():
            path = shared_data_dir() / Path(f).as_posix().split("shared/data/", 1)[1]
        if not path.is_file():
            raise ModelError(f"학습 파일을 찾을 수 없습니다: {f} (--calibration FILE 로 보정 텍스트를 지정하세요)",
                             f"training file {f} not found: pass calibration texts (--calibration FILE)")
        df = load_training_file(path)
        if conf.get("limit_rows"):
            df = df.iloc[: conf["limit_rows"]]
        frames.append(df.loc[group_split(df["group"].tolist(), salt=conf.get("split_salt", "voc-v0")) == "calib",
                             ["text"]])
    calib = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"text": []})
    return sample_texts(calib["text"].tolist(), n, int(conf.get("seed", 13)))


def _training_config(model_dir: str | Path) -> dict:
    import json

    from voc_pipeline.errors import ModelError

    report = Path(model_dir) / "training_report.json"
    if not report.is_file():
        raise ModelError(f"{report} 파일이 없습니다(--calibration FILE 로 보정 텍스트를 지정하세요)",
                         f"{report} is missing: pass calibration texts (--calibration FILE)")
    return json.loads(report.read_text(encoding="utf-8")).get("config", {})


def sample_texts(texts: Sequence[str], n: int, seed: int) -> list[str]:
    """``n`` of ``texts`` (all when fewer), as ``train`` and ``training_calib_texts`` both pick them."""
    import pandas as pd

    s = pd.Series(list(texts), dtype=object)
    return s.sample(min(len(s), n), random_state=seed).tolist() if len(s) else []


class _Reader:
    """onnxruntime CalibrationDataReader: length-sorted batches of 64 encoded sentences."""

    def __init__(self, model_dir: Path, sentences: list, batch_size: int = 64) -> None:
        import json

        from voc_pipeline.models.encoding import MorphemeEncoder, encode

        cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        tok = MorphemeEncoder(str(model_dir / "tokenizer.json"))
        order = np.argsort([len(s) for s in sentences], kind="stable")
        self.batches = [encode(tok, [sentences[i] for i in order[b:b + batch_size]], cfg["max_morphemes"],
                               cfg["max_subwords"], cfg.get("use_tags", True))
                        for b in range(0, len(sentences), batch_size)]
        self.pos = 0

    def get_next(self):
        if self.pos >= len(self.batches):
            return None
        self.pos += 1
        return {k: self.batches[self.pos - 1][k] for k in INPUT_NAMES}

    def rewind(self) -> None:
        self.pos = 0


def _quantize_static(fp32: Path, target: Path, model_dir: Path, sentences: list, work: Path,
                     embeddings: str = "word") -> None:
    import onnx
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quant_pre_process,
        quantize_static,
    )

    prep = work / "model.prep.onnx"
    # ONNX shape inference + ORT's basic optimisation (folds the weight transposes into initializers);
    # the symbolic shape pass trips on Min(128, subwords) (the position slice), so it is skipped
    quant_pre_process(str(fp32), str(prep), skip_symbolic_shape=True)
    graph = onnx.load(str(prep)).graph
    inits = {i.name: i for i in graph.initializer}
    consts = {o for n in graph.node if n.op_type == "Constant" for o in n.output}
    weighted = lambda n: any(x in inits or x in consts for x in n.input[:2])  # noqa: E731
    exclude = [n.name for n in graph.node if n.op_type in ("MatMul", "Gemm") and not weighted(n)]
    types = ["MatMul", "Gemm"]
    if embeddings != "none":
        types.append("Gather")

        def table(n) -> bool:   # a float embedding table (word: the 16,000 x 128 one only)
            init = inits.get(n.input[0])
            if init is None or init.data_type != onnx.TensorProto.FLOAT:
                return False
            return embeddings == "all" or int(np.prod(init.dims)) >= 1 << 20
        exclude += [n.name for n in graph.node if n.op_type == "Gather" and not table(n)]
    quantize_static(str(prep), str(target), _Reader(model_dir, sentences), quant_format=QuantFormat.QDQ,
                    op_types_to_quantize=types, nodes_to_exclude=exclude, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax,
                    extra_options={"ActivationSymmetric": False, "WeightSymmetric": True,
                                   # fp32 MatMul outputs: DQ -> MatMul fuses into MatMulIntegerToFloat
                                   "OpTypesToExcludeOutputQuantization": ["MatMul", "Gemm"]})


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m voc_pipeline.models.onnx_backend",
                                 description="(Re-)write DIR/model.int8.onnx from DIR's safetensors weights.")
    ap.add_argument("model_dir")
    ap.add_argument("--out", default=None, help="write the graph here instead of DIR/model.int8.onnx")
    ap.add_argument("--quantization", default="static", choices=QUANTIZATIONS)
    ap.add_argument("--calibration", action="append", default=None, metavar="FILE|training",
                    help="calibration texts (repeatable): a file (one text per line for .txt, else a 'text' "
                         "column), or 'training' = the training run's calib split (the default)")
    ap.add_argument("--n-calib", type=int, default=CALIBRATION_TEXTS,
                    help="texts sampled from the calib split for 'training'")
    ap.add_argument("--embeddings", default="word", choices=["word", "all", "none"])
    args = ap.parse_args(argv)
    path = export_onnx(args.model_dir, out=args.out, quantization=args.quantization, calibration=args.calibration,
                       n_calib=args.n_calib, embeddings=args.embeddings, log=print)
    print(f"wrote {path} ({path.stat().st_size:,} bytes, {args.quantization})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
