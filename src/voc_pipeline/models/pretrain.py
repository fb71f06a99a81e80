"""``pretrain``: masked-LM pretraining of the project's own encoder on unlabelled Korean text.

Same architecture as ``train`` builds from scratch (``--config fast|small|tiny``): Kiwi morphemes ->
the project's WordPiece vocabulary (models/vocab.py, trained here on the pretraining texts) + a Kiwi
POS-tag embedding added to each subword -> BERT encoder. The MLM head (dense -> GELU -> LayerNorm ->
decoder tied to the word embeddings) is used only here; the output directory is a ``VocTaggerModel``
directory (config.json, model.safetensors fp32, tokenizer, ``pretrain_report.json``, README.md) that
``train --init DIR`` fine-tunes, keeping its vocabulary.

Masking (BERT): 15 % of the non-special subwords of a batch are chosen; of those 80 % become
``[MASK]``, 10 % a random non-special subword, 10 % stay as they are. The POS-tag embedding of a
chosen subword is kept (the tag is an input feature in fine-tuning too; predicting the form given
its tag is still the word-level task). Masks are drawn from a generator seeded with (seed, step), so
a resumed run draws the same masks as an uninterrupted one.

Data: only the ``train`` split of ``corpus.group_split`` (same salt as ``train``: the held-out NSMC
movies and KOTE comments of the ``test`` and ``calib`` splits are never seen; the MLM loss reported
in the card is measured on a sample of the ``calib`` split). Files under the repository's
``data/eval`` and danawa's reviews (a test-only commerce set) are refused.

Kiwi-free runs: ``export_morphs`` writes the train/calib rows' Kiwi morphemes to one parquet file
(``forms``, ``tags``, ``split``, ``source``; the split salt in its metadata), and ``pretrain`` reads
such a file in place of a text file, without Kiwi. A machine that cannot hold Kiwi's model (the device
machine: 64 MiB travel with a call, Kiwi's model is 76 MB) pretrains from it. The texts are encoded
once (``EncodedCorpus``); ``workers`` > 0 assembles and masks the batches in DataLoader processes. Each
batch depends on (seed, step) alone, so the batches are the same with any number of workers.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from voc_pipeline.models.corpus import IGNORE, group_split, load_training_file, tokenize_cached
from voc_pipeline.models.modeling import (
    PRESETS,
    VocTaggerConfig,
    VocTaggerModel,
    encode,
    last_checkpoint,
    model_from_checkpoint,
    write_checkpoint,
)
from voc_pipeline.models.vocab import SPECIALS

MLM_HEAD_FILE = "mlm_head.safetensors"
REPORT_FILE = "pretrain_report.json"
#: columns of an exported morpheme file (``export_morphs``); its parquet metadata key holds the provenance
MORPHS_COLUMNS = ("split", "source", "forms", "tags")
MORPHS_META_KEY = b"voc_pipeline.pretrain_morphs"


@dataclass
class PretrainConfig:
    data: list[str]
    out: str
    preset: str = "fast"
    seed: int = 13
    max_steps: int = 10000
    batch_size: int = 128
    lr: float = 1e-3             # as train from scratch
    weight_decay: float = 0.01
    warmup: float = 0.06
    mask_prob: float = 0.15
    max_morphemes: int = 64      # same window as train's defaults
    max_subwords: int = 96
    vocab_size: int = 16000
    min_morphemes: int = 2       # shorter texts carry no context to predict from
    threads: int | None = None
    device: str = "auto"
    checkpoint_every: int = 500
    cache_dir: str | None = None
    split_salt: str = "voc-v0"   # must equal train's: the held-out groups stay unseen
    eval_texts: int = 2000       # calib-split texts for the before/after MLM loss
    limit_rows: int | None = None
    model_id: str = "voc-mlm"
    workers: int = 0             # DataLoader processes preparing batches (0: in this process)


def resolve_device(device: str | None) -> str:
    """'auto' -> 'cuda' when torch sees a GPU, else 'cpu'; 'cpu' / 'cuda' / 'cuda:N' as given."""
    d = (device or "auto").strip().lower()
    if d == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if d == "cpu" or d == "cuda" or d.startswith("cuda:"):
        if d.startswith("cuda") and not torch.cuda.is_available():
            raise ValueError(f"--device {device}: torch sees no CUDA device here")
        return d
    raise ValueError(f"--device must be auto, cpu or cuda (got {device!r})")


# ----------------------------------------------------------------------------- masking


def special_ids(tokenizer) -> list[int]:
    return sorted({tokenizer.convert_tokens_to_ids(t) for t in SPECIALS})


def mask_tokens(input_ids: torch.Tensor, attention_mask: torch.Tensor, special: list[int], vocab_size: int,
                mask_id: int, generator: torch.Generator, prob: float = 0.15) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT masking at the subword level: (masked inputs, labels with IGNORE where not chosen).

    Candidates are attended, non-special subwords. Each is chosen with probability ``prob``; a chosen
    one becomes ``mask_id`` (80 %), a random non-special id (10 %) or stays (10 %). At least one
    subword per batch is chosen when there is any candidate (a batch with no target has no loss).
    """
    ids = input_ids.clone()
    cand = attention_mask.bool()
    for s in special:
        cand &= input_ids != s
    chosen = (torch.rand(ids.shape, generator=generator) < prob) & cand
    if not chosen.any() and cand.any():
        flat = torch.nonzero(cand.reshape(-1)).squeeze(1)
        pick = flat[torch.randint(len(flat), (1,), generator=generator)]
        chosen.view(-1)[pick] = True
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, IGNORE))
    r = torch.rand(ids.shape, generator=generator)
    ids[chosen & (r < 0.8)] = mask_id
    rand_pos = chosen & (r >= 0.8) & (r < 0.9)
    keep = torch.ones(vocab_size, dtype=torch.bool)
    keep[special] = False
    pool = torch.nonzero(keep).squeeze(1).to(ids.dtype)
    ids[rand_pos] = pool[torch.randint(len(pool), (int(rand_pos.sum()),), generator=generator)]
    return ids, labels


def step_generator(seed: int, step: int) -> torch.Generator:
    """The masks of batch ``step`` depend on (seed, step) only: a resumed run draws the same ones."""
    return torch.Generator().manual_seed((seed * 1_000_003 + step) % (2**63 - 1))


# ----------------------------------------------------------------------------- model


class MLMHead(nn.Module):
    """BERT's LM head: dense -> GELU -> LayerNorm -> decoder (weights tied to the word embeddings)."""

    def __init__(self, hidden: int, vocab: int, eps: float = 1e-12) -> None:
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)
        self.norm = nn.LayerNorm(hidden, eps=eps)
        self.bias = nn.Parameter(torch.zeros(vocab))
        nn.init.normal_(self.dense.weight, 0.0, 0.02)
        nn.init.zeros_(self.dense.bias)

    def forward(self, hidden: torch.Tensor, embeddings: torch.Tensor) -> torch.Tensor:
        h = self.norm(nn.functional.gelu(self.dense(hidden)))
        return h @ embeddings.t() + self.bias


def encoder_hidden(model: VocTaggerModel, input_ids, attention_mask, tag_ids) -> torch.Tensor:
    """The encoder's last hidden states with the POS-tag embedding added (as VocTaggerModel.forward)."""
    emb = model.encoder.get_input_embeddings()(input_ids)
    if model.tag_embeddings is not None and tag_ids is not None:
        emb = emb + model.tag_embeddings(tag_ids)
    return model.encoder(inputs_embeds=emb, attention_mask=attention_mask).last_hidden_state


def mlm_loss(model: VocTaggerModel, head: MLMHead, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    hidden = encoder_hidden(model, batch["input_ids"], batch["attention_mask"], batch["tag_ids"])
    sel = batch["labels"] != IGNORE
    logits = head(hidden[sel], model.encoder.get_input_embeddings().weight)   # only the chosen positions
    return nn.functional.cross_entropy(logits.float(), batch["labels"][sel])


def build_encoder(preset: str, tok, max_morphemes: int, max_subwords: int, model_id: str) -> VocTaggerModel:
    """The same fresh VocTaggerModel ``train`` builds without ``--base`` (train.build_model)."""
    enc = dict(PRESETS[preset])
    enc["vocab_size"] = len(tok)
    enc["pad_token_id"] = tok.pad_token_id
    enc["max_position_embeddings"] = max(enc.get("max_position_embeddings", 128), max_subwords + 2)
    mconf = VocTaggerConfig(encoder=enc, use_tags=True, max_morphemes=max_morphemes, max_subwords=max_subwords,
                            model_id=model_id)
    return VocTaggerModel(mconf)


# ----------------------------------------------------------------------------- data

#: files never pretrained on: the project's scored sets and danawa (test-only commerce reviews)
_REFUSED_PARTS = (("data", "eval"),)
_REFUSED_NAMES = ("mouse_reviews.parquet",)


def check_allowed(path: str | Path) -> None:
    p = Path(path).resolve()
    parts = p.parts
    for a, b in _REFUSED_PARTS:
        if any(parts[i] == a and parts[i + 1] == b for i in range(len(parts) - 1)):
            raise ValueError(f"{path}: data/eval is scored, never trained or pretrained on")
    if p.name in _REFUSED_NAMES or "danawa" in parts:
        raise ValueError(f"{path}: danawa reviews are a test-only commerce set, never trained or pretrained on")


def morphs_file_meta(path: str | Path) -> dict | None:
    """The provenance of an ``export_morphs`` file, or None when ``path`` is not one."""
    p = Path(path)
    if p.suffix.lower() != ".parquet" or not p.is_file():
        return None
    import pyarrow.parquet as pq

    schema = pq.read_schema(p)
    meta = (schema.metadata or {}).get(MORPHS_META_KEY)
    if meta is None or not set(MORPHS_COLUMNS) <= set(schema.names):
        return None
    return json.loads(meta)


def read_morphs_file(path: str | Path, split_salt: str) -> pd.DataFrame:
    """An ``export_morphs`` file -> frame[morphs, source, split]; refused when its split salt differs."""
    import pyarrow.parquet as pq

    meta = morphs_file_meta(path) or {}
    if meta.get("split_salt") != split_salt:
        raise ValueError(f"{path}: exported with split salt {meta.get('split_salt')!r}, this run uses "
                         f"{split_salt!r}; the held-out groups would differ")
    table = pq.read_table(path, columns=list(MORPHS_COLUMNS))
    forms, tags = table.column("forms").to_pylist(), table.column("tags").to_pylist()
    return pd.DataFrame({
        "text": None,
        "morphs": [list(zip(f, t, strict=True)) for f, t in zip(forms, tags, strict=True)],
        "source": table.column("source").to_pylist(),
        "split": table.column("split").to_pylist(),
    })


def export_morphs(cfg: PretrainConfig, path: str | Path, log=print) -> dict:
    """Write the train/calib rows ``pretrain`` would read (Kiwi morphemes, no text) to one parquet file.

    The ``test`` groups are not written. Returns the provenance stored in the file's metadata.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    splits = load_texts(cfg, log)
    data = pd.concat([splits["train"], splits["calib"]], ignore_index=True)
    meta = {"sources": [Path(f).name for f in cfg.data], "split_salt": cfg.split_salt,
            "min_morphemes": cfg.min_morphemes, "rows": {k: len(v) for k, v in splits.items()},
            "limit_rows": cfg.limit_rows}
    table = pa.table({
        "split": pa.array(data["split"].tolist(), pa.string()),
        "source": pa.array(data["source"].tolist(), pa.string()),
        "forms": pa.array([[f for f, _ in m] for m in data["morphs"]], pa.list_(pa.string())),
        "tags": pa.array([[t for _, t in m] for m in data["morphs"]], pa.list_(pa.string())),
    })
    table = table.replace_schema_metadata({MORPHS_META_KEY: json.dumps(meta, ensure_ascii=False).encode()})
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")
    log(f"{path}: {table.num_rows} rows of Kiwi morphemes ({meta['rows']})")
    return meta


def load_texts(cfg: PretrainConfig, log=print) -> dict[str, pd.DataFrame]:
    """{'train', 'calib'} frames (text, morphs, source) of every file's rows by ``group_split``.

    Each whole file is tokenized (so ``train``'s Kiwi cache of the same file is hit), then split. An
    ``export_morphs`` file is read as it is (already split, already tokenized: no Kiwi).
    """
    kt = None
    parts = []
    for f in cfg.data:
        if morphs_file_meta(f) is not None:
            df = read_morphs_file(f, cfg.split_salt)
            log(f"{f}: {len(df)} rows of exported Kiwi morphemes ({df['split'].value_counts().to_dict()})")
            parts.append(df[["text", "morphs", "source", "split"]])
            continue
        from voc_pipeline.stages.tokenize import KiwiTokenizer

        check_allowed(f)
        df = load_training_file(f)
        if cfg.limit_rows:
            df = df.iloc[: cfg.limit_rows].reset_index(drop=True)
        df["split"] = group_split(df["group"].tolist(), salt=cfg.split_salt)
        t0 = time.time()
        if kt is None:
            kt = KiwiTokenizer()
        df["morphs"] = tokenize_cached(df["text"].tolist(), Path(cfg.cache_dir) if cfg.cache_dir else None, kt)
        counts = df["split"].value_counts().to_dict()
        log(f"{f}: {len(df)} rows (train {counts.get('train', 0)}, calib {counts.get('calib', 0)}, "
            f"test {counts.get('test', 0)} never used), kiwi {time.time() - t0:.0f}s")
        parts.append(df[["text", "morphs", "source", "split"]])
    data = pd.concat(parts, ignore_index=True)
    data = data[[len(m) >= cfg.min_morphemes for m in data["morphs"]]]
    return {s: data[data["split"] == s].reset_index(drop=True) for s in ("train", "calib")}


def make_batch(enc_tok, morphs: list, mconf: VocTaggerConfig, special: list[int], vocab_size: int, mask_id: int,
               generator: torch.Generator, prob: float) -> dict[str, torch.Tensor]:
    enc = encode(enc_tok, morphs, mconf.max_morphemes, mconf.max_subwords, mconf.use_tags)
    ids = torch.from_numpy(enc["input_ids"])
    attn = torch.from_numpy(enc["attention_mask"])
    masked, labels = mask_tokens(ids, attn, special, vocab_size, mask_id, generator, prob)
    return {"input_ids": masked, "attention_mask": attn, "tag_ids": torch.from_numpy(enc["tag_ids"]),
            "labels": labels}


def step_plan(lengths: np.ndarray, batch_size: int, seed: int, start: int, total: int) -> list[tuple[int, np.ndarray]]:
    """(step, row indices) for steps ``start``..``total``-1: the epochs' shuffled length buckets in order."""
    from voc_pipeline.models.train import make_batches

    steps_per_epoch = math.ceil(len(lengths) / batch_size)
    plan: list[tuple[int, np.ndarray]] = []
    step, epoch = start, start // steps_per_epoch
    while step < total:
        batches = make_batches(lengths, batch_size, seed, epoch)
        for bi in range(step - epoch * steps_per_epoch, len(batches)):
            if step >= total:
                break
            plan.append((step, batches[bi]))
            step += 1
        epoch += 1
    return plan


class EncodedCorpus:
    """Every text's unpadded (input_ids, tag_ids), encoded once, as flat arrays + offsets.

    ``batch(idx)`` pads exactly as ``encode`` does for those rows (right padding to the longest, pad id,
    tag 0), so a batch equals ``make_batch``'s before masking. Encoding once takes the MorphemeEncoder
    out of every step, and flat numpy arrays (not 600k Python lists) keep forked loader workers from
    copying the heap page by page.
    """

    def __init__(self, ids: np.ndarray, tags: np.ndarray, offsets: np.ndarray, pad_id: int) -> None:
        self.ids, self.tags, self.offsets, self.pad_id = ids, tags, offsets, pad_id
        self.lengths = np.diff(offsets)

    @classmethod
    def build(cls, enc_tok, morphs: list, mconf: VocTaggerConfig, chunk: int = 8192) -> EncodedCorpus:
        ids, tags, lengths = [], [], []
        for i in range(0, len(morphs), chunk):
            enc = encode(enc_tok, morphs[i:i + chunk], mconf.max_morphemes, mconf.max_subwords, mconf.use_tags)
            filled = enc["attention_mask"].astype(bool)
            ids.append(enc["input_ids"][filled].astype(np.int32))
            tags.append(enc["tag_ids"][filled].astype(np.int16))
            lengths.append(filled.sum(1))
        offsets = np.concatenate([[0], np.cumsum(np.concatenate(lengths))]).astype(np.int64)
        return cls(np.concatenate(ids), np.concatenate(tags), offsets, enc_tok.pad_id)

    def batch(self, idx: np.ndarray) -> dict[str, torch.Tensor]:
        lens = self.lengths[idx]
        filled = np.arange(int(lens.max()))[None, :] < lens[:, None]
        take = np.concatenate([np.arange(self.offsets[i], self.offsets[i + 1]) for i in idx])
        input_ids = np.full(filled.shape, self.pad_id, dtype=np.int64)
        input_ids[filled] = self.ids[take]
        tag_ids = np.zeros(filled.shape, dtype=np.int64)
        tag_ids[filled] = self.tags[take]
        return {"input_ids": torch.from_numpy(input_ids), "attention_mask": torch.from_numpy(filled.astype(np.int64)),
                "tag_ids": torch.from_numpy(tag_ids)}


class StepBatches(torch.utils.data.Dataset):
    """Item k = the masked batch of ``plan[k]``'s step; the same in any worker (masks seeded by step)."""

    def __init__(self, plan, corpus: EncodedCorpus, special: list[int], vocab: int, mask_id: int,
                 seed: int, prob: float) -> None:
        self.plan, self.corpus = plan, corpus
        self.special, self.vocab, self.mask_id, self.seed, self.prob = special, vocab, mask_id, seed, prob

    def __len__(self) -> int:
        return len(self.plan)

    def __getitem__(self, k: int) -> dict[str, torch.Tensor]:
        step, idx = self.plan[k]
        batch = self.corpus.batch(idx)
        batch["input_ids"], batch["labels"] = mask_tokens(
            batch["input_ids"], batch["attention_mask"], self.special, self.vocab, self.mask_id,
            step_generator(self.seed, step), self.prob)
        return batch


@torch.inference_mode()
def eval_loss(model, head, batches: list[dict[str, torch.Tensor]], device: str) -> float:
    """Token-weighted MLM cross-entropy over fixed, pre-masked batches."""
    was = model.training
    model.eval()
    head.eval()
    tot, n = 0.0, 0
    for b in batches:
        b = {k: v.to(device) for k, v in b.items()}
        k = int((b["labels"] != IGNORE).sum())
        tot += float(mlm_loss(model, head, b)) * k
        n += k
    model.train(was)
    head.train(was)
    return tot / max(n, 1)


# ----------------------------------------------------------------------------- loop


def pretrain(cfg: PretrainConfig, log=print, progress: bool = True, resume: bool = True) -> dict:
    """MLM-pretrain the encoder; save a directory ``train --init`` reads. Returns the report."""
    from voc_pipeline.models.encoding import MorphemeEncoder
    from voc_pipeline.models.train import _set_seed, adamw_with_warmup, step_progress
    from voc_pipeline.models.vocab import build_wordpiece

    t_start = time.time()
    device = resolve_device(cfg.device)
    threads = cfg.threads or max(1, os.cpu_count() or 1)
    torch.set_num_threads(threads)
    if cfg.preset not in PRESETS:
        raise ValueError(f"--config must be one of {', '.join(PRESETS)}")
    out = Path(cfg.out)
    ckdir = out / "checkpoints"
    ckdir.mkdir(parents=True, exist_ok=True)
    splits = load_texts(cfg, log)
    tr, cal = splits["train"], splits["calib"]
    if not len(tr):
        raise ValueError("no training-split text to pretrain on")
    log(f"pretrain texts: train {len(tr)}, calib (MLM loss only) {len(cal)}")
    state = last_checkpoint(ckdir, resume)
    _set_seed(cfg.seed)
    if state is not None:
        tok, model = model_from_checkpoint(ckdir, state, log)
    else:
        t0 = time.time()
        tok = build_wordpiece(tr["morphs"], vocab_size=cfg.vocab_size)
        tok.save_pretrained(str(ckdir / "tokenizer"))
        log(f"vocab {len(tok)} in {time.time() - t0:.0f}s")
        model = build_encoder(cfg.preset, tok, cfg.max_morphemes, cfg.max_subwords, cfg.model_id)
    mconf = model.config
    enc_tok = MorphemeEncoder(str(ckdir / "tokenizer" / "tokenizer.json"))
    special = special_ids(tok)
    vocab = len(tok)
    mask_id = tok.mask_token_id
    head = MLMHead(model.config.encoder_config().hidden_size, vocab)
    if state is not None:
        head.load_state_dict(state["head"])
    model.to(device)
    head.to(device)
    log(f"model {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M params (+ MLM head), device {device}")
    # fixed evaluation batches: calib-split texts (never in a batch below), masks from a fixed seed
    ev_rng = np.random.default_rng(cfg.seed + 7)
    ev_idx = np.sort(ev_rng.choice(len(cal), min(cfg.eval_texts, len(cal)), replace=False)) if len(cal) else []
    ev_morphs = [cal.at[int(i), "morphs"] for i in ev_idx]
    g_ev = torch.Generator().manual_seed(cfg.seed + 11)
    ev_batches = [make_batch(enc_tok, ev_morphs[i:i + 256], mconf, special, vocab, mask_id, g_ev, cfg.mask_prob)
                  for i in range(0, len(ev_morphs), 256)]

    params = list(model.named_parameters()) + [(f"head.{n}", p) for n, p in head.named_parameters()]
    # the tied decoder reuses the word embeddings: each parameter once
    total = int(cfg.max_steps)
    opt, sched = adamw_with_warmup(params, cfg.lr, cfg.weight_decay, total, cfg.warmup)
    step = 0
    report: dict = {}
    if state is not None:
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        step = state["step"]
        report = state.get("report", {})
        torch.set_rng_state(state["torch_rng"])
    if "eval_loss_start" not in report and ev_batches:
        report["eval_loss_start"] = round(eval_loss(model, head, ev_batches, device), 4)
        log(f"MLM loss on {len(ev_morphs)} calib texts before: {report['eval_loss_start']}")
    lengths = np.asarray([len(m) for m in tr["morphs"]])
    on_cuda = device.startswith("cuda")
    t0 = time.time()
    corpus = EncodedCorpus.build(enc_tok, tr["morphs"].tolist(), mconf)
    n_train = len(tr)
    log(f"encoded {n_train} texts ({len(corpus.ids)} subwords) in {time.time() - t0:.0f}s")
    del tr, splits   # the Python lists of morphemes: the corpus holds what the steps need
    loader = torch.utils.data.DataLoader(
        StepBatches(step_plan(lengths, cfg.batch_size, cfg.seed, step, total), corpus, special, vocab, mask_id,
                    cfg.seed, cfg.mask_prob),
        batch_size=None, shuffle=False, num_workers=cfg.workers, pin_memory=on_cuda,
        prefetch_factor=8 if cfg.workers else None, persistent_workers=False)
    autocast = (torch.autocast("cuda", dtype=torch.bfloat16) if on_cuda
                else torch.autocast("cpu", enabled=False))
    model.train()
    head.train()
    t0 = time.time()
    step0 = step
    ema = report.get("loss_ema")
    pbar = None
    if progress:
        pbar, task = step_progress("pretrain", "mlm", total, step, ema or 0.0)

    def save_checkpoint() -> None:
        write_checkpoint(ckdir, {"model": {k: v.cpu() for k, v in model.state_dict().items()},
                                 "head": {k: v.cpu() for k, v in head.state_dict().items()},
                                 "optimizer": opt.state_dict(), "scheduler": sched.state_dict(), "step": step,
                                 "config": mconf.to_dict(), "torch_rng": torch.get_rng_state(), "report": report})

    t_warm, warm_steps = None, 50   # s/step after the loader's start-up: what a longer run pays per step
    for batch in loader:
        if step - step0 == warm_steps:
            t_warm = time.time()
        batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
        with autocast:
            loss = mlm_loss(model, head, batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_([p for _, p in params], 1.0)
        opt.step()
        sched.step()
        step += 1
        lv = float(loss.detach())
        ema = lv if ema is None else 0.98 * ema + 0.02 * lv
        report["loss_ema"] = ema
        report.setdefault("loss_first", round(lv, 4))
        if pbar is not None:
            pbar.update(task, advance=1, loss=ema)
        elif step % 100 == 0:
            log(f"step {step}/{total} mlm {ema:.4f} {time.time() - t0:.0f}s")
        if step % cfg.checkpoint_every == 0 or step == total:
            save_checkpoint()
    if pbar is not None:
        pbar.stop()
    train_s = time.time() - t0
    if ev_batches:
        report["eval_loss_end"] = round(eval_loss(model, head, ev_batches, device), 4)
    run_steps = step - step0
    report.update({
        "sources": _sources(cfg.data), "steps": int(step), "train_texts": n_train, "eval_texts": len(ev_morphs), "device": device,
        "threads": threads, "workers": cfg.workers, "seconds_this_run": round(train_s, 1), "steps_this_run": int(run_steps),
        "seconds_per_step": round(train_s / run_steps, 4) if run_steps else None,
        "seconds_per_step_after_start": (round((time.time() - t_warm) / (run_steps - warm_steps), 4)
                                         if t_warm is not None and run_steps > warm_steps else None),
        "epochs_seen": round(step * cfg.batch_size / n_train, 3), "vocab_size": vocab,
        "params_m": round(sum(p.numel() for p in model.parameters()) / 1e6, 3),
        "wall_seconds_this_run": round(time.time() - t_start, 1),
    })
    report["loss_ema"] = round(float(ema), 4) if ema is not None else None
    log(f"pretrained {step} steps ({run_steps} this run, {train_s:.0f}s); MLM loss on calib "
        f"{report.get('eval_loss_start')} -> {report.get('eval_loss_end')}")
    save_pretrained_dir(model, head, tok, out, cfg, report)
    return report


def _sources(files: list[str]) -> list[str]:
    """The text files behind the run: an export's recorded sources, else the files' names."""
    out: list[str] = []
    for f in files:
        meta = morphs_file_meta(f)
        out.extend(meta["sources"] if meta else [Path(f).name])
    return out


def save_pretrained_dir(model: VocTaggerModel, head: MLMHead, tok, out: Path, cfg: PretrainConfig,
                        report: dict) -> None:
    """config.json + model.safetensors (fp32) + tokenizer + MLM head + report + README.md."""
    from safetensors.torch import save_file

    out = Path(out)
    model.config.quantize_int8 = False
    cpu = model.to("cpu")
    cpu.save_pretrained(str(out), safe_serialization=True)
    head_sd = {k: v.detach().cpu().contiguous() for k, v in head.state_dict().items()}
    save_file(head_sd, str(out / MLM_HEAD_FILE))
    tok.save_pretrained(str(out))
    (out / REPORT_FILE).write_text(json.dumps({"kind": "voc-mlm-pretrained", "config": asdict(cfg), "report": report},
                                              ensure_ascii=False, indent=2), encoding="utf-8")
    enc = model.config.encoder
    data = ", ".join(report.get("sources") or [Path(p).name for p in cfg.data])
    lines = [
        f"# {cfg.model_id} (masked-LM pretrained encoder, not a tagger)",
        "",
        "The voc-pipeline encoder after masked-LM pretraining only: its sentiment and span heads are untrained.",
        "Fine-tune it with `voc-pipeline train --init THIS_DIR ...` (the vocabulary here is kept).",
        "",
        f"- encoder: bert {enc.get('num_hidden_layers')} layers, hidden {enc.get('hidden_size')}, "
        f"{enc.get('num_attention_heads')} heads, FFN {enc.get('intermediate_size')}, vocab {enc.get('vocab_size')} "
        "(WordPiece over Kiwi morpheme forms) + Kiwi POS-tag embedding",
        f"- data: {data}; only the `train` split of the movie/comment hash split (salt `{cfg.split_salt}`), "
        f"{report.get('train_texts')} texts; held-out `test` groups never read",
        f"- MLM: {cfg.mask_prob:.0%} of subwords (80 % [MASK] / 10 % random / 10 % kept), seed {cfg.seed}, "
        f"batch {cfg.batch_size}, AdamW lr {cfg.lr} warmup {cfg.warmup} linear decay, {report.get('steps')} steps "
        f"({report.get('epochs_seen')} epochs) on {report.get('device')}",
        f"- MLM loss on {report.get('eval_texts')} calib-split texts: {report.get('eval_loss_start')} before → "
        f"{report.get('eval_loss_end')} after; {report.get('seconds_per_step')} s/step this run",
        "",
    ]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


def is_pretrained_dir(path: str | Path) -> bool:
    return (Path(path) / REPORT_FILE).is_file() and (Path(path) / "model.safetensors").is_file()
