"""``train``: data preparation, the training loop (seeded, checkpointed, resumable), calibration, saving."""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from voc_pipeline.models.corpus import IGNORE, LABEL2ID, group_split, load_training_file, tokenize_cached
from voc_pipeline.models.modeling import (
    PRESETS,
    VocTaggerConfig,
    VocTaggerModel,
    encode,
    last_checkpoint,
    model_from_checkpoint,
    write_checkpoint,
)
from voc_pipeline.models.weak import Lexicon, extend_endings, weak_spans
from voc_pipeline.schema import SPAN_LABELS

SPAN2ID = {lab: i for i, lab in enumerate(SPAN_LABELS)}


@dataclass
class TrainConfig:
    data: list[str]
    out: str
    base: str | None = None
    init: str | None = None               # a `pretrain` output (its encoder and vocabulary, fresh heads) or a trained
                                          # model directory (every weight, heads included: a further fine-tune)
    device: str = "cpu"                   # cpu | cuda | auto (cuda when torch sees one); the report records it
    preset: str = "small"
    seed: int = 13
    epochs: float = 1.0
    batch_size: int = 128
    lr: float | None = None
    weight_decay: float = 0.01
    warmup: float = 0.04
    max_morphemes: int = 64
    max_subwords: int = 96
    vocab_size: int = 16000
    synthetic: int = 30000
    synthetic_version: int = 1            # models/synth.py generate(version=): 2 adds reviews, agent notes, questions
    max_per_class: int | None = 120000   # per sentiment class per source: balances NSMC's 3:1 pos skew
    unlabelled_frac: float = 0.3          # share of rating-7/8 rows kept for the rating loss only
    span_weight: float = 1.0
    rating_weight: float = 0.5
    threads: int | None = None
    checkpoint_every: int = 500
    cache_dir: str | None = None
    domain_yaml: str | None = None
    lexicon: str | None = None
    model_id: str = "voc-small"
    max_steps: int | None = None
    quantize_int8: bool = True
    split_salt: str = "voc-v0"
    extend_endings: bool = True           # opinion spans include their endings (늦었어요)
    ngram_head: bool = True               # fit the hashed n-gram sentence head + fusion (models/ngram_head.py)
    ngram_bits: int = 18                  # 2**bits hashed feature buckets (2**20 scored no better)
    ngram_c: float = 4.0                  # inverse L2 strength of the head's logistic regression
    commerce_head: bool = False           # + an n-gram head on the synthetic commerce rows (shipped: scripts/train_default.sh)
    fusion_dev: str | None = None         # labelled commerce jsonl joining the fusion fit (data/dev, never data/eval)
    fusion_dev_share: float = 0.5         # its share of the fusion's (class-balanced) weight; calib has the rest
    commerce_dev_weight: float = 0.0      # > 0: the commerce head also learns from the fusion_dev rows (variant (c′))
    oversample: dict[str, int] = field(default_factory=dict)   # file stem -> repeat its train-split rows K times
    limit_rows: int | None = None         # tests: read only the first N rows of each file
    extra: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------- data


def _set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def trained_config(model_dir: str | Path, root: str | Path, cache_dir: str | None = None) -> TrainConfig:
    """The TrainConfig a model directory was trained with (its training_report.json), with the report's
    relative data and domain paths resolved against ``root`` (the checkout that trained it) and Kiwi's
    cache in ``cache_dir``: ``prepare`` on it rebuilds the model's own splits (experiment scripts)."""
    cfg = json.loads((Path(model_dir) / "training_report.json").read_text(encoding="utf-8"))["config"]

    def resolve(p: str) -> str:
        return p if Path(p).is_absolute() else str(Path(root) / p)

    return TrainConfig(**{**cfg, "cache_dir": cache_dir, "data": [resolve(p) for p in cfg["data"]],
                          "domain_yaml": resolve(cfg["domain_yaml"]) if cfg.get("domain_yaml") else None})


def prepare(cfg: TrainConfig, log=print) -> dict[str, pd.DataFrame]:
    """Read, split by group, weak-label, tokenize. Returns {'train','calib','test'} frames with
    columns text, morphs, label_id, rating_norm, spans (list of span ids), source, group."""
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    kt = KiwiTokenizer()
    lex = Lexicon.load(cfg.lexicon, cfg.domain_yaml)
    rng = np.random.default_rng(cfg.seed)
    frames = []
    for f in cfg.data:
        df = load_training_file(f)
        if cfg.limit_rows:
            df = df.iloc[: cfg.limit_rows].reset_index(drop=True)
        df["split"] = group_split(df["group"].tolist(), salt=cfg.split_salt)
        t0 = time.time()
        df["morphs"] = tokenize_cached(df["text"].tolist(), Path(cfg.cache_dir) if cfg.cache_dir else None, kt)
        log(f"{f}: {len(df)} rows, kiwi {time.time() - t0:.0f}s")
        if "rating" in df.columns:
            scale = 10.0 if df["rating"].max() > 5 else 5.0
            df["rating_norm"] = (df["rating"] - 1.0) / (scale - 1.0)
            conf = df["rating"].isin([1, 2, 10] if scale == 10 else [1, 5])
        else:
            df["rating_norm"] = np.nan
            conf = pd.Series(df["label"].notna(), index=df.index)
        df["confident"] = conf.to_numpy()
        # balance classes (train split only) and keep some unlabelled rows for the rating loss
        keep = np.ones(len(df), dtype=bool)
        is_train = (df["split"] == "train").to_numpy()
        lab = df["label"].to_numpy(dtype=object)
        if cfg.max_per_class:
            for c in LABEL2ID:
                idx = np.flatnonzero(is_train & (lab == c))
                if len(idx) > cfg.max_per_class:
                    drop = rng.choice(idx, len(idx) - cfg.max_per_class, replace=False)
                    keep[drop] = False
        unl = np.flatnonzero(is_train & pd.isna(df["label"]).to_numpy())
        if len(unl):
            drop = rng.choice(unl, int(len(unl) * (1 - cfg.unlabelled_frac)), replace=False)
            keep[drop] = False
        df = df[keep | ~is_train].reset_index(drop=True)
        repeat = int(cfg.oversample.get(Path(f).stem, 1))
        if repeat > 1:   # a small hand-labelled file would vanish among 300k movie rows; calib/test rows stay single
            df = pd.concat([df] + [df[df["split"] == "train"]] * (repeat - 1), ignore_index=True)
            log(f"{f}: train rows x{repeat}")
        frames.append(df)
    data = pd.concat(frames, ignore_index=True)
    data["label_id"] = [LABEL2ID.get(x, IGNORE) if isinstance(x, str) else IGNORE for x in data["label"]]
    t0 = time.time()
    ext = extend_endings if cfg.extend_endings else (lambda m, x: x)
    data["spans"] = [
        [SPAN2ID[s] for s in ext(m, weak_spans(m, lex, lab if isinstance(lab, str) else None, bool(c)))]
        for m, lab, c in zip(data["morphs"], data["label"], data["confident"], strict=True)
    ]
    log(f"weak span labels: {len(data)} rows in {time.time() - t0:.0f}s")
    if cfg.synthetic:
        data = pd.concat([data, synthetic_frame(cfg.synthetic, cfg.seed, kt, cfg.extend_endings,
                                                       cfg.synthetic_version)], ignore_index=True)
    cols = ["text", "morphs", "label_id", "rating_norm", "spans", "source", "group", "split"]
    return {s: data.loc[data["split"] == s, cols].reset_index(drop=True) for s in ("train", "calib", "test")}


def synthetic_frame(n: int, seed: int, kt, extend: bool = True, version: int = 1) -> pd.DataFrame:
    from voc_pipeline.models.synth import generate, spans_to_bio

    items = generate(n, seed=seed, kiwi=kt.kiwi, version=version)
    texts = [x["text"] for x in items]
    toks = list(kt.kiwi.tokenize(texts))
    morphs, spans = [], []
    for x, ts in zip(items, toks, strict=True):
        morphs.append([(t.form, t.tag) for t in ts])
        bio = spans_to_bio(len(ts), [t.start for t in ts], [t.start + t.len for t in ts], x["spans"])
        if extend:
            bio = extend_endings(morphs[-1], bio)
        spans.append([SPAN2ID[b] for b in bio])
    return pd.DataFrame({"text": texts, "morphs": morphs, "label_id": [LABEL2ID[x["label"]] for x in items],
                         "rating_norm": np.nan, "spans": spans, "source": "synthetic",
                         "group": [f"synthetic:{i}" for i in range(len(items))], "split": "train"})


# ----------------------------------------------------------------------------- batches


def adamw_with_warmup(named_params, lr: float, weight_decay: float, total: int, warmup: float):
    """(AdamW, LambdaLR) as ``train`` and ``pretrain`` use them: no weight decay on biases and norms
    (parameters under 2-D), linear warm-up over ``warmup`` of ``total`` steps, then linear decay to 0."""
    params = list(named_params)
    decay = [p for _, p in params if p.ndim >= 2]
    no_decay = [p for _, p in params if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=lr)
    warm = max(1, int(total * warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm)))
    return opt, sched


def step_progress(label: str, metric: str, total: int, completed: int, value: float):
    """(rich Progress, task) for a training loop: steps done of ``total`` and a running ``metric``."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    pbar = Progress(TextColumn(f"[bold]{label}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TextColumn(metric + " {task.fields[loss]:.3f}"), TimeElapsedColumn(), TimeRemainingColumn())
    pbar.start()
    return pbar, pbar.add_task(label, total=total, completed=completed, loss=value)


def make_batches(lengths: np.ndarray, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    """Shuffled, length-bucketed batches (deterministic per seed and epoch: resumable)."""
    rng = np.random.default_rng(seed * 1000 + epoch)
    order = rng.permutation(len(lengths))
    chunk = batch_size * 50
    batches = []
    for i in range(0, len(order), chunk):
        part = order[i:i + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(part[j:j + batch_size] for j in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def collate(tokenizer, frame: pd.DataFrame, idx: np.ndarray, mconf: VocTaggerConfig) -> dict[str, torch.Tensor]:
    morphs = [frame.at[i, "morphs"] for i in idx]
    enc = encode(tokenizer, morphs, mconf.max_morphemes, mconf.max_subwords, mconf.use_tags)
    w = enc["word_index"].shape[1]
    span = np.full((len(idx), w), IGNORE, dtype=np.int64)
    for r, i in enumerate(idx):
        s = frame.at[i, "spans"][: w]
        span[r, : len(s)] = s
    span[enc["word_index"] < 0] = IGNORE
    batch = {k: torch.from_numpy(v) for k, v in enc.items()}
    batch["labels"] = torch.tensor(frame["label_id"].to_numpy()[idx], dtype=torch.long)
    batch["rating"] = torch.tensor(frame["rating_norm"].to_numpy(dtype=np.float32)[idx])
    batch["span_labels"] = torch.from_numpy(span)
    return batch


# ----------------------------------------------------------------------------- model


def build_model(cfg: TrainConfig, train_frame: pd.DataFrame, log=print):
    """(model, tokenizer): a fresh small encoder + project vocab, or a user's encoder + its tokenizer."""
    if cfg.base and cfg.init:
        raise ValueError("--init and --base are exclusive")
    from transformers import AutoModel, AutoTokenizer

    if cfg.base:
        from transformers import AutoConfig

        base_cfg = AutoConfig.from_pretrained(cfg.base)
        try:
            tok = AutoTokenizer.from_pretrained(cfg.base, add_prefix_space=True)
        except Exception:
            tok = AutoTokenizer.from_pretrained(cfg.base)
        mconf = VocTaggerConfig(encoder=base_cfg.to_dict(), use_tags=False, max_morphemes=cfg.max_morphemes,
                                max_subwords=min(cfg.max_subwords * 2, getattr(base_cfg, "max_position_embeddings", 512) - 2),
                                model_id=cfg.model_id)
        model = VocTaggerModel(mconf)
        model.encoder = AutoModel.from_pretrained(cfg.base)
        log(f"base encoder {cfg.base}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M params")
        return model, tok
    if cfg.init:
        return (_init_from_trained if is_trained_dir(cfg.init) else _init_from_pretrained)(cfg, log)
    from voc_pipeline.models.vocab import build_wordpiece

    tok = build_wordpiece(train_frame["morphs"], vocab_size=cfg.vocab_size)
    enc = dict(PRESETS[cfg.preset])
    enc["vocab_size"] = len(tok)
    enc["pad_token_id"] = tok.pad_token_id
    enc["max_position_embeddings"] = max(enc.get("max_position_embeddings", 128), cfg.max_subwords + 2)
    mconf = VocTaggerConfig(encoder=enc, use_tags=True, max_morphemes=cfg.max_morphemes,
                            max_subwords=cfg.max_subwords, model_id=cfg.model_id)
    model = VocTaggerModel(mconf)
    log(f"vocab {len(tok)}, model {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M params")
    return model, tok


def _init_from_pretrained(cfg: TrainConfig, log=print):
    """(model, tokenizer) from a ``pretrain`` directory: its encoder, POS-tag embedding and vocabulary;
    the sentiment, rating and span heads freshly initialised (seeded)."""
    from transformers import PreTrainedTokenizerFast

    from voc_pipeline.models.pretrain import is_pretrained_dir

    if not is_pretrained_dir(cfg.init):
        raise ValueError(f"{cfg.init}: neither a `voc-pipeline pretrain` output (no pretrain_report.json) "
                         "nor a trained model directory (no training_report.json)")
    tok = PreTrainedTokenizerFast.from_pretrained(cfg.init)
    src = VocTaggerModel.from_pretrained(cfg.init)
    enc = dict(src.config.encoder)
    need = cfg.max_subwords + 2
    if enc.get("max_position_embeddings", 0) < need:
        raise ValueError(f"{cfg.init}: {enc.get('max_position_embeddings')} positions < max_subwords + 2 = {need}")
    mconf = VocTaggerConfig(encoder=enc, use_tags=src.config.use_tags, max_morphemes=cfg.max_morphemes,
                            max_subwords=cfg.max_subwords, model_id=cfg.model_id)
    model = VocTaggerModel(mconf)   # fresh heads (seeded by train's _set_seed)
    model.encoder.load_state_dict(src.encoder.state_dict())
    if model.tag_embeddings is not None:
        model.tag_embeddings.load_state_dict(src.tag_embeddings.state_dict())
    log(f"init from pretrained {cfg.init}: vocab {len(tok)}, model {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M params")
    return model, tok


def is_trained_dir(path: str | Path) -> bool:
    """A ``train`` output: weights, tokenizer and training_report.json (what ``--init`` continues from)."""
    return (Path(path) / "training_report.json").is_file() and (Path(path) / "model.safetensors").is_file()


def _init_from_trained(cfg: TrainConfig, log=print):
    """(model, tokenizer) from a trained model directory: every weight, the heads included, in fp32 (the
    directory stores fp16); a further fine-tune on new data. The input lengths must be the directory's."""
    from transformers import PreTrainedTokenizerFast

    tok = PreTrainedTokenizerFast.from_pretrained(cfg.init)
    model = VocTaggerModel.from_pretrained(cfg.init).float()
    mc = model.config
    if (mc.max_morphemes, mc.max_subwords) != (cfg.max_morphemes, cfg.max_subwords):
        raise ValueError(f"{cfg.init}: trained with max_morphemes/max_subwords {mc.max_morphemes}/{mc.max_subwords}, "
                         f"not {cfg.max_morphemes}/{cfg.max_subwords}")
    mc.model_id = cfg.model_id
    mc.calibration_temperature = 1.0   # refitted after this fine-tune
    log(f"init from trained {cfg.init}: vocab {len(tok)}, model {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M params")
    return model, tok


def _losses(model, batch, class_weight, cfg: TrainConfig):
    out = model(batch["input_ids"], batch["attention_mask"], batch["tag_ids"], batch["word_index"])
    loss = torch.zeros(())
    lab = batch["labels"]
    if (lab != IGNORE).any():
        loss = loss + nn.functional.cross_entropy(out["sentiment"], lab, weight=class_weight, ignore_index=IGNORE)
    r = batch["rating"]
    ok = ~torch.isnan(r)
    if ok.any():
        loss = loss + cfg.rating_weight * nn.functional.mse_loss(torch.sigmoid(out["rating"][ok]), r[ok])
    sl = batch["span_labels"]
    if (sl != IGNORE).any():
        loss = loss + cfg.span_weight * nn.functional.cross_entropy(
            out["span"].reshape(-1, out["span"].size(-1)), sl.reshape(-1), ignore_index=IGNORE)
    return loss, out


def train(cfg: TrainConfig, log=print, progress: bool = True, resume: bool = True) -> dict:
    """Train, calibrate, evaluate on the held-out split and save a HF directory at cfg.out."""
    from voc_pipeline.models import evaluate as ev
    from voc_pipeline.models.pretrain import resolve_device

    t_start = time.time()
    device = resolve_device(cfg.device)
    threads = cfg.threads or max(1, os.cpu_count() or 1)
    torch.set_num_threads(threads)
    _set_seed(cfg.seed)
    out = Path(cfg.out)
    ckdir = out / "checkpoints"
    ckdir.mkdir(parents=True, exist_ok=True)
    splits = prepare(cfg, log)
    tr = splits["train"]
    log(f"train {len(tr)} rows, calib {len(splits['calib'])}, test {len(splits['test'])}")
    state = last_checkpoint(ckdir, resume)
    _set_seed(cfg.seed)
    if state is not None:
        tok, model = model_from_checkpoint(ckdir, state, log)
    else:
        model, tok = build_model(cfg, tr, log)
        tok.save_pretrained(str(ckdir / "tokenizer"))
    mconf = model.config
    model.to(device)
    lengths = np.asarray([len(m) for m in tr["morphs"]])
    counts = np.bincount(tr["label_id"][tr["label_id"] >= 0], minlength=3).astype(float)
    class_weight = torch.tensor(counts.sum() / (3 * np.maximum(counts, 1)), dtype=torch.float32).to(device)
    steps_per_epoch = math.ceil(len(tr) / cfg.batch_size)
    total = int(steps_per_epoch * cfg.epochs)
    if cfg.max_steps:
        total = min(total, cfg.max_steps)
    lr = cfg.lr or (5e-5 if cfg.base else 1e-3)
    opt, sched = adamw_with_warmup(model.named_parameters(), lr, cfg.weight_decay, total, cfg.warmup)
    step = 0
    if state is not None:
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        step = state["step"]
        torch.set_rng_state(state["torch_rng"])
    model.train()
    t0 = time.time()
    ema = None
    pbar = None
    if progress:
        pbar, task = step_progress("train", "loss", total, step, 0.0)
    epoch = step // steps_per_epoch
    while step < total:
        batches = make_batches(lengths, cfg.batch_size, cfg.seed, epoch)
        for bi in range(step - epoch * steps_per_epoch, len(batches)):
            if step >= total:
                break
            batch = collate(tok, tr, batches[bi], mconf)
            if device != "cpu":
                batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
            loss, _ = _losses(model, batch, class_weight, cfg)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
            if pbar is not None:
                pbar.update(task, advance=1, loss=ema)
            elif step % 100 == 0:
                log(f"step {step}/{total} loss {ema:.4f} {time.time() - t0:.0f}s")
            if step % cfg.checkpoint_every == 0 or step == total:
                write_checkpoint(ckdir, {"model": {k: v.cpu() for k, v in model.state_dict().items()},
                                         "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                                         "step": step, "config": mconf.to_dict(),
                                         "torch_rng": torch.get_rng_state()})
        epoch += 1
    if pbar is not None:
        pbar.stop()
    train_s = time.time() - t0
    log(f"trained {step} steps in {train_s:.0f}s on {device}")
    model.eval()
    # ---- calibration on the held-out calib split (groups never trained on)
    calib = splits["calib"]
    calib = calib[calib["label_id"] >= 0]
    if len(calib) >= 20:
        calib = _balanced(calib, cfg.seed, per_class=4000)
        logits = _sentiment_logits(model, tok, calib["morphs"].tolist(), mconf)
        temp = fit_temperature(logits, calib["label_id"].to_numpy())
    else:
        temp = 1.0
    mconf.calibration_temperature = float(temp)
    log(f"temperature {temp:.3f}")
    save_model(model, tok, out, cfg, calibration_texts=_calibration_texts(splits, cfg.seed))
    head_rep = None
    if cfg.ngram_head:   # fitted on the train split, fused on calib (needs labelled calib rows)
        from voc_pipeline.models.ngram_head import fit_for_model

        cal_lab = splits["calib"]["label_id"]
        if (cal_lab >= 0).sum() >= 20 and cal_lab[cal_lab >= 0].nunique() >= 2:
            head_rep = fit_for_model(out, tr, splits["calib"], bits=cfg.ngram_bits, C=cfg.ngram_c, seed=cfg.seed,
                                     commerce_head=cfg.commerce_head, fusion_dev=cfg.fusion_dev,
                                     dev_share=cfg.fusion_dev_share, commerce_dev_weight=cfg.commerce_dev_weight,
                                     log=log)
        else:
            log("n-gram head skipped: the calib split has too few labelled rows")
    # ---- held-out report
    report = {"train_rows": len(tr), "steps": int(step), "train_seconds": round(train_s, 1),
              "wall_seconds": round(time.time() - t_start, 1), "temperature": round(temp, 4), "device": device}
    if cfg.init:
        report["init"] = _init_summary(cfg.init)
    if head_rep is not None:
        report["ngram_head"] = head_rep
    report.update(ev.heldout_report(str(out), splits["test"], seed=cfg.seed, log=log))
    (out / "training_report.json").write_text(json.dumps({"config": asdict(cfg), "report": report},
                                                         ensure_ascii=False, indent=2), encoding="utf-8")
    return report


def _init_summary(path: str) -> dict:
    from voc_pipeline.models.pretrain import REPORT_FILE

    if is_trained_dir(path):
        rec = json.loads((Path(path) / "training_report.json").read_text(encoding="utf-8"))
        conf = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
        rep = rec.get("report", {})
        # the model it continues carries its own origin (pretraining, or an earlier fine-tune): keep the chain
        return {"dir": str(path), "kind": "trained", "model_id": conf.get("model_id"), "steps": rep.get("steps"),
                "data": [Path(d).name for d in rec.get("config", {}).get("data", [])],
                "command": rec.get("command"), "init": rep.get("init"), "device": rep.get("device")}

    rec = json.loads((Path(path) / REPORT_FILE).read_text(encoding="utf-8"))
    r = rec.get("report", {})
    c = rec.get("config", {})
    return {"dir": str(path), "steps": r.get("steps"), "train_texts": r.get("train_texts"),
            "data": r.get("sources") or [Path(p).name for p in c.get("data", [])],
            "mlm_eval_loss": [r.get("eval_loss_start"), r.get("eval_loss_end")], "device": r.get("device"),
            "preset": c.get("preset"), "batch_size": c.get("batch_size"), "lr": c.get("lr"),
            # a resumed pretraining's report times only its last run: no figure beats a wrong one
            "seconds": r.get("seconds_this_run") if r.get("steps_this_run") == r.get("steps") else None}


def _balanced(frame: pd.DataFrame, seed: int, per_class: int) -> pd.DataFrame:
    parts = []
    for _c, g in frame.groupby("label_id"):
        parts.append(g.sample(min(len(g), per_class), random_state=seed))
    return pd.concat(parts).reset_index(drop=True)


@torch.inference_mode()
def _sentiment_logits(model, tok, morphs, mconf, batch_size: int = 256) -> np.ndarray:
    order = np.argsort([len(m) for m in morphs], kind="stable")
    out = np.zeros((len(morphs), 3), dtype=np.float32)
    for i in range(0, len(order), batch_size):
        idx = order[i:i + batch_size]
        enc = encode(tok, [morphs[j] for j in idx], mconf.max_morphemes, mconf.max_subwords, mconf.use_tags)
        dev = next(model.parameters()).device
        o = model(*(torch.from_numpy(enc[k]).to(dev) for k in ("input_ids", "attention_mask", "tag_ids")), None)
        out[idx] = o["sentiment"].float().cpu().numpy()
    return out


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature scaling (Guo et al. 2017): one scalar T minimising NLL on held-out logits."""
    x = torch.tensor(logits, dtype=torch.float64)
    y = torch.tensor(labels, dtype=torch.long)
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200)

    def closure():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(x / log_t.exp(), y)
        loss.backward()
        return loss

    opt.step(closure)
    return float(log_t.exp().item())


def _calibration_texts(splits: dict[str, pd.DataFrame], seed: int) -> list[str]:
    """The static int8 graph's calibration texts: texts of the calib split (as
    ``onnx_backend.training_calib_texts`` re-derives them from training_report.json); a run without a
    calib split (tiny data) falls back to the train split's."""
    from voc_pipeline.models.onnx_backend import CALIBRATION_TEXTS, sample_texts

    texts = sample_texts(splits["calib"]["text"].tolist(), CALIBRATION_TEXTS, seed)
    return texts or sample_texts(splits["train"]["text"].tolist(), CALIBRATION_TEXTS, seed)


def save_model(model, tok, out: Path, cfg: TrainConfig, calibration_texts: list[str] | None = None) -> None:
    """HF directory: config.json, model.safetensors (fp16 for the small model), tokenizer, lexicon, and
    (small model) the static int8 ONNX graph calibrated on ``calibration_texts``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.config.quantize_int8 = bool(cfg.quantize_int8)
    import copy

    to_save = copy.deepcopy(model).cpu()
    if not cfg.base:
        to_save = to_save.half()
    to_save.save_pretrained(str(out), safe_serialization=True)
    tok.save_pretrained(str(out))
    if not cfg.base:
        # the CPU run path: static int8 ONNX Runtime graph of the same weights (models/onnx_backend.py)
        from voc_pipeline.models.onnx_backend import export_onnx

        export_onnx(out, calibration_texts=calibration_texts)
    lex_src = Path(cfg.lexicon) if cfg.lexicon else None
    if lex_src is None:
        from importlib import resources

        (out / "lexicon.yaml").write_text(
            (resources.files("voc_pipeline") / "resources" / "lexicon.yaml").read_text(encoding="utf-8"),
            encoding="utf-8")
    else:
        shutil.copy(lex_src, out / "lexicon.yaml")
