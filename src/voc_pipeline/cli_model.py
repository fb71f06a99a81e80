"""``voc-pipeline train`` and ``voc-pipeline evaluate`` (registered by cli.py with ``app.command()``).

Thin typer functions; the logic is in ``voc_pipeline.models``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer


def train(
    data: Annotated[list[Path], typer.Option("--data", help="labelled training files (NSMC/KOTE/shop parquet, csv, jsonl); repeatable")],
    out: Annotated[Path, typer.Option("--out", help="output model directory (Hugging Face layout)")],
    base: Annotated[Path | None, typer.Option("--base", help="fine-tune this local HF encoder directory instead of the small config")] = None,
    init: Annotated[Path | None, typer.Option("--init", help="start from a `voc-pipeline pretrain` output directory "
                                              "(its encoder, POS-tag embedding and vocabulary; fresh heads) or from "
                                              "a trained model directory (all its weights: a further fine-tune)")] = None,
    config: Annotated[str, typer.Option("--config", help="encoder preset when no --base: small | fast | tiny")] = "small",
    device: Annotated[str, typer.Option("--device", help="auto (cuda when torch sees a GPU) | cpu | cuda; "
                                        "recorded in the training report")] = "cpu",
    epochs: Annotated[float, typer.Option(help="passes over the training split")] = 1.0,
    batch_size: Annotated[int, typer.Option(help="training batch size")] = 128,
    lr: Annotated[float | None, typer.Option(help="peak learning rate (default 1e-3 small, 5e-5 --base)")] = None,
    seed: Annotated[int, typer.Option(help="random seed (data order, init, sampling)")] = 13,
    synthetic: Annotated[int, typer.Option(help="synthetic commerce sentences (weak labels)")] = 30000,
    synthetic_version: Annotated[int, typer.Option(help="synthetic generator: 1 (one- and two-clause sentences, every "
                                                   "model up to voc-fast-v1) | 2 (+ reviews with verdicts, agent notes, "
                                                   "questions; models/synth_v2.py)")] = 1,
    max_per_class: Annotated[int, typer.Option(help="cap per sentiment class and source (balancing)")] = 80000,
    max_steps: Annotated[int | None, typer.Option(help="stop after this many steps")] = None,
    threads: Annotated[int | None, typer.Option(help="torch CPU threads (default: all cores)")] = None,
    domain: Annotated[Path | None, typer.Option(help="domain taxonomy YAML whose keywords are extra aspect weak labels")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Kiwi token cache (default OUT/cache)")] = None,
    resume: Annotated[bool, typer.Option("--resume/--no-resume", help="continue from OUT/checkpoints/last.pt")] = True,
    model_id: Annotated[str, typer.Option(help="model id recorded in the card and outputs")] = "voc-small",
    extend_endings: Annotated[bool, typer.Option("--extend-endings/--no-extend-endings",
                                                 help="opinion span labels include their endings (늦었어요)")] = True,
    ngram_head: Annotated[bool, typer.Option("--ngram-head/--no-ngram-head",
                                             help="also fit the hashed n-gram sentence head, fused on the calib split")] = True,
    commerce_head: Annotated[bool, typer.Option("--commerce-head/--no-commerce-head",
                                                help="a second n-gram head on the synthetic commerce rows, read by the fusion")] = False,
    fusion_dev: Annotated[Path | None, typer.Option("--fusion-dev", help="labelled commerce jsonl (text, label) that joins "
                                                    "the fusion fit, e.g. data/dev/commerce_dev.jsonl; never a test set")] = None,
    fusion_dev_share: Annotated[float, typer.Option(help="the --fusion-dev rows' share of the fusion fit")] = 0.5,
    commerce_dev_weight: Annotated[float, typer.Option(help="> 0: the commerce head also learns from the --fusion-dev "
                                                       "rows, each weighing this many synthetic rows")] = 0.0,
    oversample: Annotated[list[str] | None, typer.Option("--oversample", help="NAME=K: repeat the train-split rows of "
                                                         "the --data file named NAME (its stem) K times; repeatable")] = None,
) -> None:
    """모델 학습 / train the sentiment + span model (seeded, checkpointed, resumable)."""
    from voc_pipeline.models.card import write_card
    from voc_pipeline.models.train import TrainConfig
    from voc_pipeline.models.train import train as run_train

    cfg = TrainConfig(
        data=[str(p) for p in data], out=str(out), base=str(base) if base else None, preset=config, seed=seed,
        init=str(init) if init else None, device=device, epochs=epochs, batch_size=batch_size, lr=lr, synthetic=synthetic,
        synthetic_version=synthetic_version, max_per_class=max_per_class,
        max_steps=max_steps, threads=threads, domain_yaml=str(domain) if domain else None,
        cache_dir=str(cache_dir or Path(out) / "cache"), model_id=model_id, extend_endings=extend_endings,
        ngram_head=ngram_head, commerce_head=commerce_head, fusion_dev=str(fusion_dev) if fusion_dev else None,
        fusion_dev_share=fusion_dev_share, commerce_dev_weight=commerce_dev_weight,
        oversample=_oversample(oversample or [], data),
    )
    report = run_train(cfg, log=lambda m: typer.echo(m, err=True), progress=True, resume=resume)
    rep_path = Path(out) / "training_report.json"
    rec = json.loads(rep_path.read_text(encoding="utf-8"))
    rec["command"] = "voc-pipeline " + " ".join(sys.argv[1:])
    rep_path.write_text(json.dumps(rec, ensure_ascii=False, indent=2), encoding="utf-8")
    write_card(out)
    typer.echo(json.dumps(report, ensure_ascii=False))


def _oversample(specs: list[str], data: list[Path]) -> dict[str, int]:
    stems = {p.stem for p in data}
    out: dict[str, int] = {}
    for spec in specs:
        name, sep, k = spec.partition("=")
        if not sep or not k.strip().isdigit() or int(k) < 1:
            raise typer.BadParameter(f"{spec!r}: expected NAME=K with K a whole number >= 1", param_hint="--oversample")
        if name not in stems:
            raise typer.BadParameter(f"{name!r} is not the stem of a --data file ({', '.join(sorted(stems))})",
                                     param_hint="--oversample")
        out[name] = int(k)
    return out


def pretrain(
    data: Annotated[list[Path], typer.Option("--data", help="files with a text column (NSMC, KOTE, ...); only their "
                                             "train split (by movie/comment hash) is read; repeatable")],
    out: Annotated[Path, typer.Option("--out", help="output directory, read by `train --init`")],
    config: Annotated[str, typer.Option("--config", help="encoder preset: fast | deep | small | tiny")] = "fast",
    max_steps: Annotated[int, typer.Option(help="optimizer steps (the linear decay ends here)")] = 10000,
    batch_size: Annotated[int, typer.Option(help="texts per batch")] = 128,
    lr: Annotated[float, typer.Option(help="peak learning rate")] = 1e-3,
    mask_prob: Annotated[float, typer.Option(help="share of subwords chosen for the MLM loss")] = 0.15,
    seed: Annotated[int, typer.Option(help="random seed (vocab order ties, init, batches, masks)")] = 13,
    device: Annotated[str, typer.Option("--device", help="auto (cuda when torch sees a GPU) | cpu | cuda")] = "auto",
    threads: Annotated[int | None, typer.Option(help="torch CPU threads (default: all cores)")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Kiwi token cache (share train's: checkpoints/kiwi)")] = None,
    checkpoint_every: Annotated[int, typer.Option(help="write OUT/checkpoints/last.pt every N steps")] = 500,
    resume: Annotated[bool, typer.Option("--resume/--no-resume", help="continue from OUT/checkpoints/last.pt")] = True,
    model_id: Annotated[str, typer.Option(help="id recorded in the directory's card")] = "voc-mlm",
    workers: Annotated[int, typer.Option(help="processes preparing batches (0: this one); same batches any way")] = 0,
    export_morphs: Annotated[Path | None, typer.Option(
        "--export-morphs", help="write the train/calib rows' Kiwi morphemes to this parquet file and stop; "
        "`pretrain --data FILE` then reads it without Kiwi (a machine without Kiwi's model)")] = None,
) -> None:
    """MLM 사전학습 / masked-LM pretraining of the project's own encoder on unlabelled text (for train --init)."""
    from voc_pipeline.models.pretrain import PretrainConfig
    from voc_pipeline.models.pretrain import export_morphs as run_export
    from voc_pipeline.models.pretrain import pretrain as run_pretrain

    cfg = PretrainConfig(data=[str(p) for p in data], out=str(out), preset=config, max_steps=max_steps,
                         batch_size=batch_size, lr=lr, mask_prob=mask_prob, seed=seed, device=device, threads=threads,
                         cache_dir=str(cache_dir or Path(out) / "cache"), checkpoint_every=checkpoint_every,
                         model_id=model_id, workers=workers)
    if export_morphs is not None:
        try:
            meta = run_export(cfg, export_morphs, log=lambda m: typer.echo(m, err=True))
        except ValueError as err:
            raise typer.BadParameter(str(err)) from None
        typer.echo(json.dumps(meta, ensure_ascii=False))
        return
    try:
        report = run_pretrain(cfg, log=lambda m: typer.echo(m, err=True), progress=True, resume=resume)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None
    typer.echo(json.dumps(report, ensure_ascii=False))


def evaluate(
    data: Annotated[Path, typer.Option("--data", help="labelled file: csv, tsv, jsonl or parquet")],
    model: Annotated[Path | None, typer.Option("--model", help="model directory (default: the embedded model)")] = None,
    text_column: Annotated[str, typer.Option("--text-column", help="column with the text")] = "text",
    label_column: Annotated[str, typer.Option("--label-column", help="column with neg/neu/pos labels")] = "label",
    baseline: Annotated[bool, typer.Option("--baseline", help="also train and score TF-IDF + LR on the model's training data")] = False,
    spans: Annotated[Path | None, typer.Option("--spans", help="also score span/stage F1 on a commerce_spans.jsonl file")] = None,
    domain: Annotated[Path | None, typer.Option(help="domain YAML for stage F1 (default: packaged commerce)")] = None,
    batch_size: Annotated[int, typer.Option(help="inference batch size")] = 64,
    unit: Annotated[str, typer.Option("--unit", help="text: each text is one model sequence; record: what "
                                      "`run` writes in records.sentiment (Kiwi sentences, the model per "
                                      "sentence, then model.record_pass)")] = "text",
    record_pass: Annotated[str | None, typer.Option("--record-pass", help="with --unit record: the run's "
                                                    "model.record_pass (mean, whole, blend; default: the "
                                                    "config default)")] = None,
    fusion: Annotated[str | None, typer.Option("--fusion", help="the sentiment fusion: voc (fitted on VOC "
                                               "records) or general (fitted on the training corpora); default: "
                                               "the config default, what `run` uses")] = None,
    span_fusion: Annotated[str | None, typer.Option("--span-fusion", help="with --spans: the run's "
                                                    "model.span_fusion (model, fill, lexicon_aspects, union; "
                                                    "default: the config default)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object as the last line")] = False,
) -> None:
    """모델 평가 / score a labelled file: accuracy, macro-F1, ECE, texts/s (neg/pos-only files: binary)."""
    from voc_pipeline.models.evaluate import UNITS, evaluate_file, span_eval
    from voc_pipeline.models.ngram_head import FUSIONS
    from voc_pipeline.stages.tag import RECORD_PASSES, SPAN_FUSIONS

    if unit not in UNITS:
        raise typer.BadParameter(f"one of {', '.join(UNITS)}", param_hint="--unit")
    if record_pass is not None and record_pass not in RECORD_PASSES:
        raise typer.BadParameter(f"one of {', '.join(RECORD_PASSES)}", param_hint="--record-pass")
    if fusion is not None and fusion not in FUSIONS:
        raise typer.BadParameter(f"one of {', '.join(FUSIONS)}", param_hint="--fusion")
    if span_fusion is not None and span_fusion not in SPAN_FUSIONS:
        raise typer.BadParameter(f"one of {', '.join(SPAN_FUSIONS)}", param_hint="--span-fusion")
    res = evaluate_file(str(model) if model else None, str(data), text_column, label_column, baseline=baseline,
                        batch_size=batch_size, unit=unit, record_pass=record_pass, fusion=fusion,
                        log=lambda m: typer.echo(m, err=True))
    if spans is not None:
        from voc_pipeline.config import ModelConfig, domain_path

        dom = domain or domain_path("commerce")
        fusion, fill = span_fusion or ModelConfig().span_fusion, ModelConfig().opinion_fill
        # what `run` makes mentions from (model.span_fusion, model.opinion_fill), and the model alone
        res["spans"] = span_eval(spans, str(model) if model else None, dom, fusion=fusion)
        if fusion != "model" or fill != "none":
            res["spans_model_only"] = span_eval(spans, str(model) if model else None, dom, fusion="model",
                                                opinion_fill="none", opinion_polarity="none")
        res["spans_lexicon_only"] = span_eval(spans, None, dom, lexicon_only=True)
    if as_json:
        typer.echo(json.dumps(res, ensure_ascii=False))
        return
    shown = (f"unit={unit}" + (f" record_pass={res['record_pass']}" if res.get("record_pass") else "")
             + f" fusion={res['sentiment_fusion']}")
    typer.echo(f"{res['model_id']}  {res['file']}  n={res['n']}  labels={'/'.join(res['labels'])}  {shown}")
    typer.echo(f"accuracy {res['accuracy']:.4f}  macro-F1 {res['macro_f1']:.4f}  ECE {res['ece']:.4f}  "
               f"{res['texts_per_s']:.0f} texts/s (model), {res['texts_per_s_with_kiwi']:.0f} with Kiwi")
    if "baseline" in res:
        b = res["baseline"]
        typer.echo(f"TF-IDF+LR baseline: accuracy {b['accuracy']:.4f}  macro-F1 {b['macro_f1']:.4f}  "
                   f"ECE {b['ece']:.4f}  (model/baseline macro-F1 {res['macro_f1_ratio_vs_baseline']})")
    if "spans" in res:
        for name in ("spans", "spans_model_only", "spans_lexicon_only"):
            if name not in res:
                continue
            s = res[name]
            how = " + ".join(x for x in (s.get("fusion"), s.get("opinion_fill")) if x)
            typer.echo(f"{name}{' (' + how + ')' if how else ''}: aspect F1 {s['asp']['overlap']['f1']:.3f}  opinion F1 {s['opn']['overlap']['f1']:.3f}  "
                       f"all {s['all']['overlap']['f1']:.3f} (overlap; exact {s['all']['exact']['f1']:.3f})  "
                       f"stage F1 {s.get('stage', {}).get('f1', float('nan')):.3f}")
            if "mentions" in s:
                m = s["mentions"]
                typer.echo(f"  mentions ({m['pairing']} pairing): pair F1 {m['pair']['f1']:.3f}  opinion F1 "
                           f"{m['opinion']['f1']:.3f}  stage accuracy {m.get('stage_accuracy', {}).get('accuracy', 0):.3f}")
