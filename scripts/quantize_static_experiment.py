"""Experiment: a static int8 ONNX graph of a model directory vs its shipped dynamic one (docs/model.md §5).

    nice -n 19 .venv/bin/python scripts/quantize_static_experiment.py [--model DIR] [--out /tmp/voc_static] \
        [--calibrate minmax|percentile|entropy] [--n-calib 2000] [--n-batch 2000] [--repeats 5] [--threads 2]

Dynamic quantization (``onnx_backend.export_onnx``) scales activations per batch, so a sentence's
probabilities depend on its batch mates. This script writes OUT/shipped (a copy of DIR) and OUT/static
(the same directory with a static QDQ graph in place of ``model.int8.onnx``): fp32 export from the
safetensors, ``quant_pre_process``, then ``quantize_static`` over the weight MatMuls only (the ones
``quantize_dynamic`` turns into MatMulInteger; activation x activation MatMuls of attention stay fp32),
int8 per-channel symmetric weights, uint8 activations, ranges from a CalibrationDataReader over Kiwi
morphemes of the NSMC **calib** split (held-out movies of ``group_split`` = 'calib') and the data/dev
texts. Never data/eval, never the NSMC test movies.

Then, both graphs in one run: (a) the same Kiwi sentences of the NSMC held-out balanced sample at batch
8 vs 64 (max |dp|, sentiment label flips, span label flips); (b) the NSMC held-out balanced neg/pos
accuracy (model_eval.py's sample, text unit); (c) Tagger.predict sentences/s at batch 64, ``--threads``
lanes, interleaved repeats; with ``--demo``, (d) ``make demo``'s config at model.batch_size 8 vs 64 per
graph (sentence/record labels and scores, mention counts). Results in OUT/results.json. Nothing under src/ is written.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def nsmc_frames(model_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(calib-split rows, held-out balanced neg/pos sample as in benchmarks/model_eval.py, seed)."""
    from voc_pipeline.models.corpus import LABEL2ID, group_split, load_training_file, shared_data_dir

    rep = json.loads((model_dir / "training_report.json").read_text(encoding="utf-8"))
    seed, salt = rep["config"]["seed"], rep["config"].get("split_salt", "voc-v0")
    nsmc = load_training_file(shared_data_dir() / "nsmc/nsmc_dev.parquet")
    split = group_split(nsmc["group"].tolist(), salt=salt)
    calib = nsmc[split == "calib"].reset_index(drop=True)
    test = nsmc[(split == "test") & nsmc["label"].isin(["neg", "pos"])]
    test = test.assign(label_id=test["label"].map(LABEL2ID)).reset_index(drop=True)
    test = pd.concat([g.sample(min(len(g), 5000), random_state=seed) for _, g in test.groupby("label_id")])
    return calib, test, seed


class MorphemeReader:
    """onnxruntime CalibrationDataReader: length-sorted batches of encoded morpheme sentences."""

    def __init__(self, tagger, sentences: list, batch_size: int = 64) -> None:
        from voc_pipeline.models.encoding import encode

        cfg = tagger.config
        order = np.argsort([len(s) for s in sentences], kind="stable")
        self.batches = [encode(tagger.tokenizer, [sentences[i] for i in order[b:b + batch_size]],
                               cfg.max_morphemes, cfg.max_subwords, cfg.use_tags)
                        for b in range(0, len(sentences), batch_size)]
        self.pos = 0

    def get_next(self):
        if self.pos >= len(self.batches):
            return None
        self.pos += 1
        return self.batches[self.pos - 1]

    def rewind(self) -> None:
        self.pos = 0


def build_static(shipped: Path, static_dir: Path, calib_sentences: list, method: str, work: Path,
                 fmt: str = "qdq", quantize_outputs: bool = False) -> dict:
    import onnx
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quant_pre_process,
        quantize_static,
    )

    from voc_pipeline.models.onnx_backend import ONNX_WEIGHTS, export_onnx
    from voc_pipeline.models.tagger import load_tagger

    fp32 = export_onnx(shipped, out=work / "model.fp32.onnx", quantize=False)
    prep = work / "model.prep.onnx"
    info: dict = {}
    cwd = os.getcwd()
    os.chdir(work)   # a failed symbolic pass leaves sym_shape_infer_temp.onnx + *.data in the cwd
    try:
        quant_pre_process(str(fp32), str(prep), skip_symbolic_shape=False)
        info["pre_process"] = "ok"
    except Exception as e:
        # the symbolic pass trips on Min(128, subwords) (the position slice); ONNX shape inference
        # and the ORT graph optimisation alone still run
        info["pre_process"] = f"symbolic shape inference failed ({e}); onnx shapes + optimisation only"
        try:
            quant_pre_process(str(fp32), str(prep), skip_symbolic_shape=True)
        except Exception as e2:
            info["pre_process"] = f"failed ({type(e2).__name__}: {e2}); fp32 graph used as is"
            prep = fp32
    finally:
        os.chdir(cwd)
    model = onnx.load(str(prep))
    inits = {i.name for i in model.graph.initializer}
    consts = {o for n in model.graph.node if n.op_type == "Constant" for o in n.output}
    weighted = lambda n: any(x in inits or x in consts for x in n.input[:2])  # noqa: E731
    matmuls = [n for n in model.graph.node if n.op_type in ("MatMul", "Gemm")]
    exclude = [n.name for n in matmuls if not weighted(n)]
    info["matmuls_quantized"] = len(matmuls) - len(exclude)
    info["matmuls_fp32"] = len(exclude)
    tagger = load_tagger(str(shipped), batch_size=64, threads=1, backend="onnx")
    reader = MorphemeReader(tagger, calib_sentences)
    methods = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile,
               "entropy": CalibrationMethod.Entropy}
    extra = {"ActivationSymmetric": False, "WeightSymmetric": True}
    if not quantize_outputs:
        # fp32 MatMul outputs: ORT fuses DQ -> MatMul into MatMulIntegerToFloat (the dynamic graph's
        # kernel, with a fixed input scale) instead of QLinearMatMul + requantize + DequantizeLinear
        extra["OpTypesToExcludeOutputQuantization"] = ["MatMul", "Gemm"]
    if method == "percentile":
        extra["CalibPercentile"] = 99.999
    t0 = time.perf_counter()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_static(str(prep), str(static_dir / ONNX_WEIGHTS), reader, quant_format=QuantFormat.QDQ if fmt == "qdq" else QuantFormat.QOperator,
                        op_types_to_quantize=["MatMul", "Gemm"], nodes_to_exclude=exclude, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=methods[method], extra_options=extra)
    finally:
        root.setLevel(level)
    info["quantize_s"] = round(time.perf_counter() - t0, 1)
    info["calib_batches"] = len(reader.batches)
    info["calib_sentences"] = len(calib_sentences)
    info["method"] = method
    info["format"] = fmt
    info["quantize_outputs"] = quantize_outputs
    return info


def demo_check(graphs: dict[str, Path], out: Path) -> dict:
    """``make demo``'s config (configs/default.yaml) run at model.batch_size 8 and 64 with each graph;
    sentence/record labels and scores and mention counts compared per graph."""
    import glob
    import subprocess

    import yaml

    def load(d: Path, table: str) -> pd.DataFrame:
        return pd.concat([pd.read_parquet(f) for f in sorted(glob.glob(f"{d}/{table}/**/*.parquet", recursive=True))])

    base = yaml.safe_load((REPO / "configs/default.yaml").read_text(encoding="utf-8"))
    env = dict(os.environ, VOC_PIPELINE_SECRET=os.environ.get("VOC_PIPELINE_SECRET", "demo-secret-not-for-production"))
    res: dict = {}
    for name, d in graphs.items():
        runs = {}
        for b in (8, 64):
            cfg = dict(base, model=dict(base.get("model") or {}, path=str(d), batch_size=b))
            cpath, opath = out / f"demo_{name}_{b}.yaml", out / f"demo_{name}_{b}"
            cpath.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
            if opath.exists():
                shutil.rmtree(opath)
            subprocess.run([str(Path(sys.executable).parent / "voc-pipeline"), "run", "--config", str(cpath),
                            "--output", str(opath)], cwd=REPO, env=env, check=True, capture_output=True)
            runs[b] = opath
        s8, s64 = (load(runs[b], "sentences").set_index(["record_id", "sentence_index"]).sort_index() for b in (8, 64))
        r8, r64 = (load(runs[b], "records").set_index("record_id").sort_index() for b in (8, 64))
        res[name] = {"sentences": len(s8), "sentence_label_flips": int((s8.sentiment != s64.sentiment).sum()),
                     "sentence_max_abs_dscore": float((s8.sentiment_score - s64.sentiment_score).abs().max()),
                     "records": len(r8), "record_label_flips": int((r8.sentiment != r64.sentiment).sum()),
                     "record_max_abs_dscore": float((r8.sentiment_score - r64.sentiment_score).abs().max()),
                     "mentions_b8_b64": [len(load(runs[b], "mentions")) for b in (8, 64)]}
        print("demo batch 8 vs 64", name, res[name], flush=True)
    return res


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(REPO / "src/voc_pipeline/resources/model"))
    ap.add_argument("--out", default="/tmp/voc_static")
    ap.add_argument("--calibrate", default="minmax", choices=["minmax", "percentile", "entropy"])
    ap.add_argument("--format", default="qdq", choices=["qdq", "qoperator"])
    ap.add_argument("--quantize-outputs", action="store_true",
                    help="also quantize the MatMul outputs (QLinearMatMul; measured slower and less exact)")
    ap.add_argument("--n-calib", type=int, default=2000, help="NSMC calib-split texts (plus all data/dev texts)")
    ap.add_argument("--n-batch", type=int, default=2000, help="sentences of the batch 8 vs 64 test")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--demo", action="store_true", help="also run make demo's config at batch 8 and 64 per graph")
    args = ap.parse_args()
    out = Path(args.out)
    if str(out.resolve()).startswith(str((REPO / "src").resolve())):
        sys.exit("--out must be outside src/")

    from voc_pipeline.models.evaluate import restrict_to
    from voc_pipeline.models.onnx_backend import ONNX_WEIGHTS
    from voc_pipeline.models.tagger import load_tagger
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    src = Path(args.model)
    shipped, static = out / "shipped", out / "static"
    work = out / "work"
    for d in (shipped, static):
        if d.exists():
            shutil.rmtree(d)
        shutil.copytree(src, d)
    work.mkdir(parents=True, exist_ok=True)
    (static / ONNX_WEIGHTS).unlink()

    calib, test, seed = nsmc_frames(src)
    dev_texts = []
    for f in ("data/dev/commerce_dev.jsonl", "data/dev/commerce_reviews_dev.jsonl"):
        dev_texts += pd.read_json(REPO / f, lines=True)["text"].tolist()
    calib_texts = calib["text"].sample(min(len(calib), args.n_calib), random_state=seed).tolist()
    kt = KiwiTokenizer(num_workers=args.threads)
    # sentences as the pipeline feeds them (Kiwi sentences), from NSMC calib + data/dev only
    calib_sentences = [[(t.form, t.tag) for t in s.tokens] for ss in kt.sentences(calib_texts + dev_texts) for s in ss]
    res: dict = {"model": str(src), "out": str(out), "seed": seed, "n_calib_texts": len(calib_texts),
                 "n_dev_texts": len(dev_texts)}
    res["build"] = build_static(shipped, static, calib_sentences, args.calibrate, work, args.format,
                                 args.quantize_outputs)
    print("build", res["build"], flush=True)

    texts, y = test["text"].tolist(), test["label_id"].to_numpy()
    morphs = kt.morphemes(texts)
    sents = [[(t.form, t.tag) for t in s.tokens] for ss in kt.sentences(texts[:args.n_batch]) for s in ss]
    sents = sents[:args.n_batch]
    graphs = {"dynamic": shipped, "static": static}
    res["batch_independence"] = {}
    full: dict = {}
    for name, d in graphs.items():
        outs = {b: load_tagger(str(d), batch_size=b, threads=args.threads, backend="onnx").predict(sents)
                for b in (8, 64)}
        p8, p64 = outs[8].sentiment, outs[64].sentiment
        r = {"n": len(sents), "max_abs_dp": float(np.abs(p8 - p64).max()),
             "label_flips": int((p8.argmax(1) != p64.argmax(1)).sum()),
             "span_label_flips": int((outs[8].label_ids != outs[64].label_ids).sum()),
             "n_morphemes": len(outs[8].label_ids)}
        res["batch_independence"][name] = r
        full[name] = outs[64]
        print("batch 8 vs 64", name, r, flush=True)
    res["static_vs_dynamic_sentences"] = {
        "max_abs_dp": float(np.abs(full["static"].sentiment - full["dynamic"].sentiment).max()),
        "label_differ": int((full["static"].sentiment.argmax(1) != full["dynamic"].sentiment.argmax(1)).sum()),
        "span_label_differ": int((full["static"].label_ids != full["dynamic"].label_ids).sum())}
    print("static vs dynamic", res["static_vs_dynamic_sentences"], flush=True)

    taggers = {k: load_tagger(str(d), batch_size=64, threads=args.threads, backend="onnx") for k, d in graphs.items()}
    res["nsmc_heldout_balanced"] = {}
    preds = {}
    for name, t in taggers.items():
        p = restrict_to(t.predict(morphs).sentiment, [0, 2])
        preds[name] = p.argmax(1)
        res["nsmc_heldout_balanced"][name] = {"n": len(y), "accuracy": round(float((np.where(
            preds[name] == 1, 2, preds[name]) == y).mean()), 4)}
    res["nsmc_heldout_balanced"]["labels_differ"] = int((preds["static"] != preds["dynamic"]).sum())
    print("nsmc held-out", res["nsmc_heldout_balanced"], flush=True)

    for t in taggers.values():
        t.predict(morphs[:512])
    times: dict = {k: [] for k in taggers}
    for _ in range(args.repeats):   # interleaved
        for name, t in taggers.items():
            t0 = time.perf_counter()
            t.predict(morphs)
            times[name].append(len(morphs) / (time.perf_counter() - t0))
    res["speed"] = {k: {"texts_per_s_median": round(float(np.median(v)), 1), "texts_per_s_best": round(max(v), 1),
                        "repeats": len(v), "threads": args.threads, "batch_size": 64, "n": len(morphs)}
                    for k, v in times.items()}
    res["speed"]["static_over_dynamic_median"] = round(res["speed"]["static"]["texts_per_s_median"]
                                                       / res["speed"]["dynamic"]["texts_per_s_median"], 3)
    print("speed", res["speed"], flush=True)
    if args.demo:
        res["demo"] = demo_check(graphs, out)
    res["graph_bytes"] = {k: (d / ONNX_WEIGHTS).stat().st_size for k, d in graphs.items()}
    (out / "results.json").write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(res, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
