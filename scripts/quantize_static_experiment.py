"""The static int8 graph vs the dynamic one of the same weights: the ship rule's checks (docs/model.md §5).

    nice -n 19 .venv/bin/python scripts/quantize_static_experiment.py [--model DIR] [--out /tmp/voc_static] \
        [--variants static,static_fp32emb] [--n-calib 2000] [--n-batch 2000] [--repeats 5] [--threads 2] [--demo]

Writes OUT/dynamic (a copy of DIR with its graph re-exported by ``export_onnx(quantization="dynamic")``)
and one directory per static variant (``export_onnx``'s default: QDQ, int8 per-channel weights, uint8
MinMax activations, int8 word embeddings; ``static_fp32emb`` keeps the embedding table fp32), all from
DIR's safetensors. Calibration texts: ``n_calib`` texts of the training run's **calib** split (NSMC +
KOTE held-out groups, ``export_onnx``'s "training" source) + the data/dev texts. Never data/eval, never the
NSMC test movies. With ``--keep-graph`` DIR's own graph is the dynamic arm instead of a re-export.

Then, all graphs in one run: (1) the same Kiwi sentences (NSMC held-out sample + data/dev) at batch 1, 8
and 64 and on 1 vs 2 lanes: max |dp|, label and span flips, bit-identity; agreement with torch fp32 on
those sentences; (2) NSMC held-out balanced neg/pos accuracy (model_eval.py's sample, text unit) and
data/dev pooled (677 records, record unit) 3-class accuracy / macro-F1; (3) Tagger.predict texts/s at
batch 64, ``--threads`` lanes, interleaved repeats; (4) with ``--demo``, ``make demo``'s config at
model.batch_size 8 vs 64 per graph. Results in OUT/results.json. Nothing under src/ is written.
"""

from __future__ import annotations

import argparse
import json
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


def invariance(d: Path, sents: list, threads: int) -> tuple[dict, object]:
    """Batch 1 / 8 / 64 and 1 vs 2 lanes on the same sentences: differences against batch 64, 2 lanes."""
    from voc_pipeline.models.tagger import load_tagger

    ref = load_tagger(str(d), batch_size=64, threads=threads, backend="onnx").predict(sents)
    res: dict = {"n": len(sents), "n_morphemes": len(ref.label_ids)}
    os.environ["VOC_PIPELINE_ONNX_LANES"] = "1"
    arms = {f"batch{b}": dict(batch_size=b, threads=threads) for b in (1, 8)}
    arms["lanes1"] = dict(batch_size=64, threads=1)
    for name, kw in arms.items():
        o = load_tagger(str(d), backend="onnx", **kw).predict(sents)
        res[name] = {"max_abs_dp": float(np.abs(o.sentiment - ref.sentiment).max()),
                     "label_flips": int((o.sentiment.argmax(1) != ref.sentiment.argmax(1)).sum()),
                     "span_label_flips": int((o.label_ids != ref.label_ids).sum()),
                     "max_abs_dconf": float(np.abs(o.confidence - ref.confidence).max()),
                     "identical": bool(np.array_equal(o.sentiment, ref.sentiment)
                                       and np.array_equal(o.label_ids, ref.label_ids)
                                       and np.array_equal(o.confidence, ref.confidence))}
    return res, ref


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(REPO / "src/voc_pipeline/resources/model"))
    ap.add_argument("--out", default="/tmp/voc_static")
    ap.add_argument("--variants", default="static,static_fp32emb")
    ap.add_argument("--keep-graph", action="store_true", help="DIR's own graph as the dynamic arm")
    ap.add_argument("--n-calib", type=int, default=2000, help="calib-split texts (plus all data/dev texts)")
    ap.add_argument("--n-batch", type=int, default=2000, help="NSMC sentences of the invariance test (+ data/dev)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--demo", action="store_true", help="also run make demo's config at batch 8 and 64 per graph")
    args = ap.parse_args()
    out = Path(args.out)
    if str(out.resolve()).startswith(str((REPO / "src").resolve())):
        sys.exit("--out must be outside src/")

    from voc_pipeline.models.evaluate import read_labelled, restrict_to, sentiment_metrics, unit_probabilities
    from voc_pipeline.models.onnx_backend import ONNX_WEIGHTS, export_onnx
    from voc_pipeline.models.tagger import load_tagger
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    src = Path(args.model)
    dev_files = [REPO / "data/dev/commerce_dev.jsonl", REPO / "data/dev/commerce_reviews_dev.jsonl"]
    embeddings = {"static": "word", "static_fp32emb": "none", "static_allemb": "all"}
    names = ["dynamic", *args.variants.split(",")]
    graphs = {k: out / k for k in names}
    res: dict = {"model": str(src), "out": str(out), "build": {}}
    for name, d in graphs.items():
        if d.exists():
            shutil.rmtree(d)
        shutil.copytree(src, d)
        if name == "dynamic" and args.keep_graph:
            continue
        t0 = time.perf_counter()
        kw = (dict(quantization="dynamic") if name == "dynamic" else
              dict(quantization="static", embeddings=embeddings[name], n_calib=args.n_calib,
                   calibration=["training", *map(str, dev_files)], log=print))
        export_onnx(d, **kw)
        res["build"][name] = {**{k: v for k, v in kw.items() if k != "log"}, "seconds": round(time.perf_counter() - t0, 1),
                              "graph_bytes": (d / ONNX_WEIGHTS).stat().st_size}
        print("build", name, res["build"][name], flush=True)

    _, test, _ = nsmc_frames(src)
    kt = KiwiTokenizer(num_workers=args.threads, multi_word_dictionary=False)
    texts, y = test["text"].tolist(), test["label_id"].to_numpy()
    morphs = kt.morphemes(texts)
    dev_texts = [t for f in dev_files for t in read_labelled(f, "text", "label")[0]]
    sents = [[(t.form, t.tag) for t in s.tokens] for ss in kt.sentences(texts[:args.n_batch]) for s in ss]
    sents = sents[:args.n_batch]
    sents += [[(t.form, t.tag) for t in s.tokens] for ss in kt.sentences(dev_texts) for s in ss]
    sents = [s for s in sents if s]
    fp32 = load_tagger(str(src), backend="torch", quantize=False, threads=args.threads).predict(sents)
    res["invariance"], res["vs_torch_fp32"] = {}, {}
    for name, d in graphs.items():
        res["invariance"][name], o = invariance(d, sents, args.threads)
        res["vs_torch_fp32"][name] = {
            "sentence_label_agreement": round(float((o.sentiment.argmax(1) == fp32.sentiment.argmax(1)).mean()), 5),
            "span_label_agreement": round(float((o.label_ids == fp32.label_ids).mean()), 5),
            "max_abs_dp": round(float(np.abs(o.sentiment - fp32.sentiment).max()), 4)}
        print("invariance", name, res["invariance"][name], "vs fp32", res["vs_torch_fp32"][name], flush=True)

    taggers = {k: load_tagger(str(d), batch_size=64, threads=args.threads, backend="onnx") for k, d in graphs.items()}
    res["nsmc_heldout_balanced"], res["dev_record"] = {}, {}
    ydev = np.concatenate([read_labelled(f, "text", "label")[1] for f in dev_files])
    for name, t in taggers.items():
        p = restrict_to(t.predict(morphs).sentiment, [0, 2]).argmax(1)
        res["nsmc_heldout_balanced"][name] = {"n": len(y), "accuracy": round(float((np.where(p == 1, 2, p) == y).mean()), 4)}
        pd_ = unit_probabilities(t, dev_texts, "record")[0]
        m = sentiment_metrics(pd_, ydev, [0, 1, 2])
        res["dev_record"][name] = {"n": len(ydev), "accuracy": round(float(m["accuracy"]), 4),
                                   "macro_f1": round(float(m["macro_f1"]), 4), "ece": round(float(m["ece"]), 4)}
        print("nsmc held-out", name, res["nsmc_heldout_balanced"][name], "dev record", res["dev_record"][name], flush=True)

    if not args.skip_speed:
        for t in taggers.values():
            t.predict(morphs[:512])
        times: dict = {k: [] for k in taggers}
        for _ in range(args.repeats):   # interleaved
            for name, t in taggers.items():
                t0 = time.perf_counter()
                t.predict(morphs)
                times[name].append(len(morphs) / (time.perf_counter() - t0))
        res["speed"] = {k: {"texts_per_s_median": round(float(np.median(v)), 1), "min": round(min(v), 1),
                            "max": round(max(v), 1), "repeats": len(v), "threads": args.threads, "batch_size": 64,
                            "n": len(morphs)} for k, v in times.items()}
        for k in graphs:
            if k != "dynamic":
                ratios = np.asarray(times[k]) / np.asarray(times["dynamic"])
                res["speed"][f"{k}_over_dynamic"] = {"median_ratio": round(res["speed"][k]["texts_per_s_median"]
                                                                          / res["speed"]["dynamic"]["texts_per_s_median"], 3),
                                                     "per_round": [round(float(r), 3) for r in ratios]}
        print("speed", res["speed"], flush=True)
    if args.demo:
        res["demo"] = demo_check(graphs, out)
    res["graph_bytes"] = {k: (d / ONNX_WEIGHTS).stat().st_size for k, d in graphs.items()}
    (out / "results.json").write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(res, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
