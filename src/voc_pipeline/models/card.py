"""Model card (README.md in the model directory) from training_report.json and eval_results.json."""

from __future__ import annotations

import json
from pathlib import Path


def _fmt(d: dict | None, keys=("n", "accuracy", "macro_f1", "ece")) -> str:
    if not d:
        return "—"
    return ", ".join(f"{k} {d[k]:.4f}" if isinstance(d.get(k), float) else f"{k} {d.get(k)}" for k in keys if k in d)


def _ngram_lines(model_dir: Path, rep: dict) -> list[str]:
    """The hashed n-gram sentence head (models/ngram_head.py), when the directory has one."""
    if not (model_dir / "ngram_head.npz").is_file():
        return []
    h = rep.get("ngram_head") or {}
    bits = h.get("bits")
    return [
        f"- sentiment is fused with a hashed subword n-gram linear head (`ngram_head.npz`: "
        f"{f'2^{bits}' if bits else '?'} buckets × 3, float16; {'/'.join(h.get('orders', []))} features of the encoder's "
        "own subword ids, binary, L2-normalised): a class-balanced logistic regression "
        f"(C {h.get('C', '?')}) on the same training split ({h.get('train_rows', '?')} labelled rows); the fusion "
        "softmax(A·[model log-probabilities, head logits] + c) is fitted by NLL on a class-balanced sample of the calib "
        f"split ({h.get('calib_rows', '?')} rows; NLL {h.get('calib_nll_model', '?')} → {h.get('calib_nll_fused', '?')}) "
        "and applies after the temperature",
        *_commerce_lines(h),
        *_voc_fusion_lines(rep.get("voc_fusion")),
    ]


def _voc_fusion_lines(v: dict | None) -> list[str]:
    """The second, VOC fusion of the same inputs (``run``'s default, config model.sentiment_fusion)."""
    if not v:
        return []
    gate = v.get("gate") or {}
    return [f"- a second fusion, `voc`, of the same inputs: what `run` uses (config `model.sentiment_fusion`, default "
            f"`voc`; `general` is the one above). Fitted on the {v.get('fit_rows')} rows of "
            f"{', '.join(f'`{f}`' for f in v.get('fit') or [])} (class-balanced; the commerce-head logits of rows it "
            f"was fitted on cross-fitted) with the calib sample at {v.get('calib_share')} of the weight; chosen "
            f"by 5-fold CV (3-class macro-F1 {', '.join(f'{k} {x:.3f}' for k, x in (v.get('cv_macro_f1') or {}).items())}) and gated on `{gate.get('data')}` (record unit, record_pass "
            f"`{gate.get('record_pass')}`: 3-class macro-F1 {gate.get('macro_f1_delta', 0):+.3f} "
            f"{gate.get('macro_f1_delta_95')} over the general fusion with `mean`); docs/model.md "
            "'A VOC fusion beside the general one'. NSMC and KOTE below are scored with `general`, the commerce "
            "sets with `voc`"]


def _commerce_lines(h: dict) -> list[str]:
    """The optional commerce head and dev rows in the fusion (variants (c)/(c′), docs/model.md §5)."""
    lines = []
    if "commerce" in (h.get("heads") or []):
        dev_w = h.get("commerce_dev_weight") or 0
        lines.append(f"- a second, commerce head (3 more fusion inputs) fitted on the {h.get('commerce_rows', '?')} "
                     "synthetic commerce rows of the training split"
                     + (f" and the {h.get('dev_rows', '?')} rows of `{h.get('fusion_dev')}` (each ×{dev_w:g}; the "
                        "logits the fusion reads for them cross-fitted)" if dev_w else ""))
    if h.get("fusion_dev"):
        lines.append(f"- the fusion is also fitted on `{h['fusion_dev']}` ({h.get('dev_rows', '?')} hand-written commerce "
                     f"rows, class-balanced, {h.get('dev_share', 0):g} of the weight; dev NLL "
                     f"{h.get('dev_nll_model', '?')} → {h.get('dev_nll_fused', '?')}); data/eval is never fitted on")
    return lines


def _origin_line(rep: dict) -> str:
    init = rep.get("init")
    dev = rep.get("device", "cpu")
    where = "this machine's CPU" if dev == "cpu" else f"a GPU ({dev})"
    if not init:
        return f"Trained from scratch on {where} by the project's own `train` command; no pretrained weights."
    if init.get("kind") == "trained":   # a further fine-tune of a trained model directory
        parent = _origin_line({"init": init.get("init"), "device": init.get("device", "cpu")})
        return (f"Fine-tuned on {where} by `train --init` from the trained model `{init.get('model_id')}` (all its "
                f"weights; it had been trained {init.get('steps')} steps on {', '.join(init.get('data') or [])}). "
                f"That model: {parent}")
    loss = init.get("mlm_eval_loss") or [None, None]
    batch = f" × batch {init['batch_size']}" if init.get("batch_size") else ""
    secs = f" in {init['seconds']:.0f} s" if init.get("seconds") is not None else ""
    return (f"Fine-tuned on {where} by `train --init` from the project's own masked-LM pretrained encoder "
            f"(`voc-pipeline pretrain`, {init.get('steps')} steps{batch} on {init.get('device')}{secs} over "
            f"{init.get('train_texts')} train-split texts of {', '.join(init.get('data') or [])}; calib MLM loss "
            f"{loss[0]} → {loss[1]}); no downloaded weights.")


def _onnx_inference(graph: Path) -> str:
    """The int8 graph's quantization and calibration data, from the metadata ``export_onnx`` writes."""
    from voc_pipeline.models.onnx_backend import graph_description

    d = graph_description(graph)
    if not d:   # graphs exported before the metadata: all were dynamic
        return "ONNX Runtime over `model.int8.onnx` (Linear layers int8, dynamic quantization; no torch needed)"
    line = f"ONNX Runtime over `model.int8.onnx` (no torch needed); quantization: {d.get('quantization', '?')}"
    if d.get("calibration"):
        line += f"\n- int8 calibration data (activation ranges only, no labels): {d['calibration']}"
    return line


def write_card(model_dir: str | Path, command: str | None = None) -> Path:
    model_dir = Path(model_dir)
    tr = json.loads((model_dir / "training_report.json").read_text(encoding="utf-8")) \
        if (model_dir / "training_report.json").is_file() else {"config": {}, "report": {}}
    ev = json.loads((model_dir / "eval_results.json").read_text(encoding="utf-8")) \
        if (model_dir / "eval_results.json").is_file() else {}
    cfg, rep = tr.get("config", {}), tr.get("report", {})
    conf = json.loads((model_dir / "config.json").read_text(encoding="utf-8")) if (model_dir / "config.json").is_file() else {}
    enc = conf.get("encoder", {})
    size = sum(f.stat().st_size for f in model_dir.iterdir() if f.is_file() and f.name != "README.md")
    data = ", ".join(Path(p).name for p in cfg.get("data", []))
    cmd = command or tr.get("command") or "scripts/train_default.sh"
    lines = [
        f"# {conf.get('model_id', model_dir.name)}",
        "",
        "Korean VOC tagger for voc-pipeline: sentence sentiment (neg/neu/pos, temperature-calibrated) and BIO",
        "spans over Kiwi morphemes (ASP = aspect, NEG = pain-point opinion, POS = praise opinion).",
        _origin_line(rep),
        "",
        "## Architecture",
        f"- encoder: {enc.get('model_type', '?')} {enc.get('num_hidden_layers', '?')} layers, hidden {enc.get('hidden_size', '?')}, "
        f"{enc.get('num_attention_heads', '?')} heads, FFN {enc.get('intermediate_size', '?')}, vocab {enc.get('vocab_size', '?')} "
        "(WordPiece over Kiwi morpheme forms) + Kiwi POS-tag embedding",
        "- heads: [CLS ⊕ mean-pool] → tanh → sentiment (3) and rating regression (aux); first subword of each morpheme → span (7)",
        f"- window: {conf.get('max_morphemes', '?')} morphemes / {conf.get('max_subwords', '?')} subwords (morphemes beyond: `O`, confidence 0)",
        f"- calibration temperature: {conf.get('calibration_temperature', 1.0):.4f}; CPU inference: "
        + (_onnx_inference(model_dir / "model.int8.onnx") if (model_dir / "model.int8.onnx").is_file() else
           f"torch, int8 dynamic quantization of Linear layers = {conf.get('quantize_int8', False)}"),
        *_ngram_lines(model_dir, rep),
        f"- files: {size / 1e6:.1f} MB (weights stored fp16, loaded fp32)",
        "",
        "## Data and recipe",
        f"- training files: {data}; split by movie_id / comment id hashed with salt `{cfg.get('split_salt', '?')}` "
        "into train 90% / calib 5% / test 5% (never by row)",
        "- labels: NSMC 1–4 neg, 9–10 pos, 5–6 neu, 7–8 only in the rating-regression loss; KOTE: complaint or ≥2 negative "
        "emotions neg, no negative + a positive emotion pos, only neutral/cognitive emotions neu; classes capped at "
        f"{cfg.get('max_per_class')} per source and class-weighted",
        f"- {cfg.get('synthetic', 0)} synthetic commerce items (generator version {cfg.get('synthetic_version', 1)}: "
        + ("aspect×opinion sentences, multi-sentence reviews with verdicts, agent notes, questions"
           if cfg.get("synthetic_version", 1) == 2 else "aspect×opinion sentences")
        + ", composed with Kiwi.join; docs/model.md §3)",
        "- span labels: weak (lexicon + negation + noun–predicate pairs + sentiment contrast), see docs/model.md",
        f"- seed {cfg.get('seed')}, epochs {cfg.get('epochs')}, batch {cfg.get('batch_size')}, AdamW lr {cfg.get('lr') or '1e-3'} "
        f"warmup {cfg.get('warmup')} linear decay; {rep.get('steps')} steps over {rep.get('train_rows')} rows in "
        f"{rep.get('train_seconds')} s on " + (f"{rep['device']}" if str(rep.get("device", "cpu")) != "cpu"
                                                 else f"{cfg.get('threads')} CPU threads"),
        f"- training command: `{cmd}`",
        f"- figures: `{ev.get('command', 'benchmarks/model_eval.py --model DIR')}`",
        "",
        "## Scores (held-out; reproduce with the commands in docs/model.md)",
        f"- NSMC, movies never seen in training, balanced neg/pos sample: "
        f"{_fmt(ev.get('nsmc_heldout_balanced') or rep.get('nsmc_heldout_balanced'))}",
        f"- KOTE held-out comments, 3-class: {_fmt(ev.get('kote_heldout_3class') or rep.get('kote_heldout_3class'))}",
    ]
    # the record unit follows model.record_pass (stages/tag.py); older eval_results had only the mean
    record = {"mean": "Kiwi sentences, length-weighted mean",
              "whole": "Kiwi sentences; a record of 2+ sentences inside the window as one more model pass",
              "blend": "Kiwi sentences; the mean averaged with a whole-record pass"}.get(ev.get("record_pass", "mean"), "")
    rows = [("nsmc_heldout_balanced_record", f"NSMC, same sample, per record as `run` scores it ({record})"),
            ("nsmc_tfidf_baseline", "TF-IDF char 1–3 + LR (same training split, neg/pos), same NSMC sample"),
            ("kote_heldout_3class_baseline", "TF-IDF baseline, KOTE held-out"),
            ("danawa_binary", "danawa mouse reviews (commerce, never trained on), 1–2★ neg vs 4–5★ pos"),
            ("danawa_binary_baseline", "TF-IDF baseline, same danawa set"),
            ("danawa_3class", "danawa, 3-class (3★ = neu)"),
            ("danawa_3class_baseline", "TF-IDF baseline, danawa 3-class"),
            ("danawa_binary_record", f"danawa neg/pos, per record as `run` scores it ({record})"),
            ("danawa_3class_record", "danawa 3-class, per record as `run` scores it"),
            ("danawa_text_3class", "danawa, the same reviews labelled by reading their text "
             "(data/eval/danawa_text_labels.tsv), 3-class"),
            ("danawa_text_3class_baseline", "TF-IDF baseline, danawa by text, 3-class"),
            ("danawa_text_binary", "danawa by text, neg/pos rows only"),
            ("danawa_text_binary_baseline", "TF-IDF baseline, danawa by text, neg/pos"),
            ("danawa_text_3class_record", "danawa by text, 3-class, per record as `run` scores it"),
            ("danawa_text_binary_record", "danawa by text, neg/pos, per record as `run` scores it"),
            ("commerce_reviews", "data/eval/commerce_reviews.jsonl (hand-written, 3-class)"),
            ("commerce_reviews_baseline", "TF-IDF baseline, commerce_reviews 3-class"),
            ("commerce_reviews_binary", "commerce_reviews, neg/pos rows only"),
            ("commerce_reviews_binary_baseline", "TF-IDF baseline, commerce_reviews neg/pos"),
            ("commerce_reviews_record", f"commerce_reviews 3-class, per record as `run` scores it ({record}): "
             "what users get"),
            ("commerce_reviews_binary_record", "commerce_reviews neg/pos, per record as `run` scores it"),
            ("commerce_spans_sentiment", "data/eval/commerce_spans.jsonl sentence sentiment, 3-class"),
            ("commerce_spans_sentiment_baseline", "TF-IDF baseline, commerce_spans sentences")]
    for key, title in rows:
        if key in ev:
            lines.append(f"- {title}: {_fmt(ev[key])}")
    if "spans" in ev:
        s, lx = ev["spans"], ev.get("spans_lexicon_only", {})
        lines += ["", f"### Spans (data/eval/commerce_spans.jsonl, {s.get('n_sentences')} hand-labelled sentences; overlap match)",
                  "| | aspect F1 | opinion+polarity F1 | all F1 | all exact F1 | stage F1 |", "|---|---|---|---|---|---|"]
        fusion = s.get("fusion", "model")
        filled = f" + opinion fill (`{s['opinion_fill']}`)" if s.get("opinion_fill") else ""
        shown = ((f"model + lexicon (`{fusion}`){filled}, what `run` uses", s),
                 ("model only", ev.get("spans_model_only", {})),
                 ("lexicon only", lx)) if fusion != "model" else (("model", s), ("lexicon only", lx))
        for name, d in shown:
            if d:
                lines.append(f"| {name} | {d['asp']['overlap']['f1']:.3f} | {d['opn']['overlap']['f1']:.3f} | "
                             f"{d['all']['overlap']['f1']:.3f} | {d['all']['exact']['f1']:.3f} | {d.get('stage', {}).get('f1', 0):.3f} |")
        mentions = [(name, d["mentions"]) for name, d in shown if d and "mentions" in d]
        if ev.get("mentions_nearest_pairing"):
            mentions.insert(1, ("same spans, old `nearest` pairing", ev["mentions_nearest_pairing"]))
        if ev.get("mentions_no_opinion_fill"):
            mentions.insert(1, ("same fusion and pairing, no opinion fill", ev["mentions_no_opinion_fill"]))
        if mentions:
            lines += ["", "### Mentions (the same sentences; the mentions `run` makes vs the gold mentions, docs/model.md "
                      "'Mention pairing')",
                      "| | pairing | pair F1 (P / R) | pair F1, implicit strict | opinion+polarity F1 | stage accuracy |",
                      "|---|---|---|---|---|---|"]
            for name, m in mentions:
                p = m["pair"]
                lines.append(f"| {name} | `{m.get('pairing')}` | {p['f1']:.3f} ({p['precision']:.3f} / {p['recall']:.3f}) | "
                             f"{m['pair_strict']['f1']:.3f} | {m['opinion']['f1']:.3f} | "
                             f"{m.get('stage_accuracy', {}).get('accuracy', 0):.3f} |")
    sp = rep.get("speed") or {}
    lines += ["", "## Throughput (CPU)"]
    if "throughput" not in ev:
        lines.append(f"- {sp.get('texts_per_s')} texts/s at the end of training (model incl. subword encoding, batch "
                     f"{sp.get('batch_size')}, {sp.get('threads')} threads; machine possibly shared)")
    for key in ("throughput", "throughput_benchmark"):
        if key in ev:
            lines.append(f"- {key}: {json.dumps(ev[key], ensure_ascii=False)}")
    # eval_results.json describes the directory as it is now (e.g. with a head fitted after training)
    nsmc, base = ev.get("nsmc_heldout_balanced") or rep.get("nsmc_heldout_balanced"), ev.get("nsmc_tfidf_baseline")
    tp = ev.get("throughput") or {}
    if nsmc:
        lines += ["", "## Targets (issue) and status",
                  f"- NSMC held-out balanced accuracy ≥ 0.90: {nsmc['accuracy']:.4f}"
                  + (f" (TF-IDF baseline {base['accuracy']:.4f})" if base else "")
                  + (" — met" if nsmc["accuracy"] >= 0.90 else f" — MISSED by {0.90 - nsmc['accuracy']:.3f}")]
        for key, name in (("danawa_binary", "danawa"), ("danawa_text_3class", "danawa labelled by text, 3-class"),
                          ("danawa_text_binary", "danawa labelled by text, neg/pos"),
                          ("commerce_reviews", "data/eval commerce_reviews"),
                          ("commerce_reviews_record", "data/eval commerce_reviews, per record as `run` scores it")):
            if key in ev:
                f1 = ev[key]["macro_f1"]
                lines.append(f"- commerce macro-F1 ≥ 0.85 on {name}: {f1:.4f}"
                             + (" — met" if f1 >= 0.85 else f" — MISSED by {0.85 - f1:.3f}"))
        eces = {k: ev[k]["ece"] for k in ("nsmc_heldout_balanced", "danawa_binary", "danawa_text_3class",
                                          "commerce_reviews") if k in ev}
        if eces:
            lines.append("- ECE ≤ 0.03: " + ", ".join(f"{k} {v:.4f}" for k, v in eces.items()))
        if tp:
            lines.append(f"- CPU speed ≥ 10× the 12L-256H fp32 reference: {tp.get('speedup')}× "
                         f"({tp.get('tagger_texts_per_s')} vs {tp.get('reference_12L256H_fp32_texts_per_s')} texts/s)")
        lines.append(f"- size ≤ 25 MB: {size / 1e6:.1f} MB")
    origin = rep.get("init") or {}
    while origin.get("kind") == "trained":   # a further fine-tune: the pretraining is its parent's
        origin = origin.get("init") or {}
    pretraining = (f"- pretrained only on {origin.get('train_texts', '?')} short reviews and comments "
                   "(a small masked-LM run), so rare words and long, multi-topic reviews are weaker than in an encoder "
                   "pretrained on gigabytes of text"
                   if origin else
                   "- trained from scratch: no pretraining, so rare words and long, multi-topic reviews are weaker than a "
                   "large pretrained encoder")
    # the hand-written training text of data/train (README there)
    written = [Path(d).name for d in cfg.get("data", []) if Path(d).parent.name == "train"]
    commerce_limit = ("- commerce language comes from synthetic frames, a lexicon and hand-written texts ("
                      + ", ".join(f"`{w}`" for w in written)
                      + "), not from real customers; real shop reviews differ (see danawa scores)"
                      if written else
                      "- commerce language comes only from synthetic frames and a lexicon; real shop reviews differ "
                      "(see danawa scores)")
    lines += ["", "## Limitations", pretraining,
              commerce_limit,
              "- span labels are weak: spans follow the lexicon's granularity (predicate stems) more than human phrase boundaries",
              "- neutral is learned from 5–6★ movie reviews, KOTE and synthetic inquiries"
              + (" and the hand-written facts, questions and mixed texts" if written else "")
              + "; 'mixed' reviews tend to neg/pos",
              "- ratings are noisy labels (a 5★ review may complain), so commerce scores against ratings understate text accuracy"]
    path = model_dir / "README.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
