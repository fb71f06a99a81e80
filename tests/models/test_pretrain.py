"""models/pretrain.py: BERT masking rule, MLM loss falls, held-out groups never read, `train --init`, --device."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import torch

from voc_pipeline.models.corpus import IGNORE, group_split

# short real-Korean reviews (hand-written, movie- and shop-like); the corpus is built from them
BASE = [
    "배송이 너무 늦어서 짜증났어요", "상담원이 불친절하고 답변도 느려요", "포장이 엉망이라 상품이 파손되어 왔습니다",
    "환불 처리가 일주일째 안 되고 있어요", "품질이 별로고 냄새가 심해요", "다시는 안 살 거예요 최악입니다",
    "스토리가 지루하고 연기도 어색했다", "돈이 아까운 영화", "배송이 빠르고 포장도 꼼꼼했어요",
    "직원분이 정말 친절하셨어요", "가격도 저렴하고 품질도 좋아요", "디자인이 예쁘고 가벼워서 만족합니다",
    "재구매 의사 있어요 추천합니다", "정말 재밌고 감동적인 영화였다", "배우들 연기가 훌륭하다",
    "최고의 선택이었어요", "어제 주문했는데 아직 안 왔어요", "사이즈 교환 가능한가요",
    "음악이 좋아서 끝까지 봤다", "결말이 허무해서 실망했다",
]
ENDINGS = ["", " 진짜", " ㅋㅋ", " 정말로", " 그래도", " 역시"]


def _corpus(tmp: Path, n_movies: int = 240) -> Path:
    rows = []
    for m in range(n_movies):
        for k in range(2):
            t = BASE[(m * 7 + k * 3) % len(BASE)] + ENDINGS[(m + k) % len(ENDINGS)]
            rows.append({"id": len(rows), "movie_id": f"mv{m}", "rating": 1 + (m + k) % 10, "text": f"{t} #{m}"})
    f = tmp / "reviews.parquet"
    pd.DataFrame(rows).to_parquet(f)
    return f


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return _corpus(tmp_path_factory.mktemp("mlm"))


@pytest.fixture(scope="module")
def pretrained(corpus, tmp_path_factory) -> tuple[Path, dict]:
    from voc_pipeline.models.pretrain import PretrainConfig, pretrain

    out = tmp_path_factory.mktemp("pre")
    cfg = PretrainConfig(data=[str(corpus)], out=str(out), preset="tiny", max_steps=40, batch_size=32, lr=3e-3,
                         vocab_size=600, threads=1, device="auto", checkpoint_every=20, split_salt="test",
                         cache_dir=str(out / "cache"), eval_texts=200)
    rep = pretrain(cfg, log=lambda m: None, progress=False, resume=False)
    return out, rep


def _ids(shape=(64, 40), vocab=500, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, vocab, shape, generator=g)
    attn = torch.ones_like(ids)
    ids[:, 0] = 2                       # [CLS]
    ids[:, -1] = 3                      # [SEP]
    attn[:, -8:] = 0                    # padding tail
    ids[:, -8:] = 0
    ids[:, 5] = 1                       # an [UNK] per row
    return ids, attn


def test_mask_rule_rates_and_specials():
    from voc_pipeline.models.pretrain import mask_tokens, step_generator

    special = [0, 1, 2, 3, 4]
    ids, attn = _ids((400, 60), vocab=500)
    masked, labels = mask_tokens(ids, attn, special, 500, 4, step_generator(13, 0), 0.15)
    chosen = labels != IGNORE
    cand = attn.bool() & (ids >= 5)
    assert not (chosen & ~cand).any()                       # specials and padding never chosen
    assert torch.equal(labels[chosen], ids[chosen])         # labels are the original subwords
    assert torch.equal(masked[~chosen], ids[~chosen])       # nothing else changes
    rate = chosen.sum().item() / cand.sum().item()
    assert 0.14 < rate < 0.16
    n = chosen.sum().item()
    to_mask = (masked[chosen] == 4).sum().item() / n
    kept = (masked[chosen] == ids[chosen]).sum().item() / n
    assert 0.77 < to_mask < 0.83
    assert 0.08 < kept < 0.12 + 1 / 495                     # 10 % kept (+ a random draw equal to itself)
    rand = masked[chosen & (masked != 4) & (masked != ids)]
    assert len(rand) and rand.min().item() >= 5             # random replacements are never special ids
    assert 0.07 < len(rand) / n < 0.12


def test_mask_rule_is_seeded():
    from voc_pipeline.models.pretrain import mask_tokens, step_generator

    ids, attn = _ids()
    a = mask_tokens(ids, attn, [0, 1, 2, 3, 4], 500, 4, step_generator(13, 7), 0.15)
    b = mask_tokens(ids, attn, [0, 1, 2, 3, 4], 500, 4, step_generator(13, 7), 0.15)
    c = mask_tokens(ids, attn, [0, 1, 2, 3, 4], 500, 4, step_generator(13, 8), 0.15)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[1], c[1])


def test_mask_rule_always_has_a_target():
    from voc_pipeline.models.pretrain import mask_tokens, step_generator

    ids = torch.tensor([[2, 7, 3]])
    _, labels = mask_tokens(ids, torch.ones_like(ids), [0, 1, 2, 3, 4], 10, 4, step_generator(1, 0), 0.0)
    assert labels.tolist() == [[IGNORE, 7, IGNORE]]


def test_pretrain_reduces_mlm_loss_and_writes_dir(pretrained):
    from voc_pipeline.models.pretrain import REPORT_FILE, is_pretrained_dir

    out, rep = pretrained
    assert rep["steps"] == 40 and rep["device"] == "cpu"
    assert rep["eval_texts"] > 0
    assert rep["eval_loss_end"] < rep["eval_loss_start"] - 0.5, rep
    assert is_pretrained_dir(out)
    for f in ("config.json", "model.safetensors", "tokenizer.json", "mlm_head.safetensors", "README.md"):
        assert (out / f).is_file(), f
    rec = json.loads((out / REPORT_FILE).read_text(encoding="utf-8"))
    assert rec["kind"] == "voc-mlm-pretrained" and rec["config"]["mask_prob"] == 0.15


def test_pretrain_reads_only_the_train_split(corpus, tmp_path):
    """The groups train.prepare holds out (test, calib) are exactly the ones pretraining never trains on."""
    from voc_pipeline.models.pretrain import PretrainConfig, load_texts
    from voc_pipeline.models.train import TrainConfig, prepare

    texts = load_texts(PretrainConfig(data=[str(corpus)], out=str(tmp_path), split_salt="test",
                                      cache_dir=str(tmp_path / "c")), log=lambda m: None)
    df = pd.read_parquet(corpus)
    split = group_split([f"reviews:{m}" for m in df["movie_id"]], salt="test")
    held = set(df.loc[split == "test", "text"])
    assert held                                          # the fixture does hold out some movies
    assert not held & set(texts["train"]["text"]) and not held & set(texts["calib"]["text"])
    assert not set(df.loc[split == "calib", "text"]) & set(texts["train"]["text"])
    sp = prepare(TrainConfig(data=[str(corpus)], out=str(tmp_path), synthetic=0, split_salt="test",
                             cache_dir=str(tmp_path / "c")), log=lambda m: None)
    assert set(sp["test"]["text"]) == held
    assert set(texts["train"]["text"]) <= set(df.loc[split == "train", "text"])


def test_pretrain_refuses_eval_and_danawa(tmp_path):
    from voc_pipeline.models.pretrain import check_allowed

    (tmp_path / "data" / "eval").mkdir(parents=True)
    with pytest.raises(ValueError, match="data/eval"):
        check_allowed(tmp_path / "data" / "eval" / "commerce_reviews.jsonl")
    with pytest.raises(ValueError, match="danawa"):
        check_allowed(tmp_path / "danawa" / "mouse_reviews.parquet")
    check_allowed(tmp_path / "data" / "dev" / "x.jsonl")


def test_pretrain_resume_continues(pretrained, corpus, tmp_path):
    import shutil

    from voc_pipeline.models.pretrain import PretrainConfig, pretrain

    src, _ = pretrained
    out = tmp_path / "p"
    shutil.copytree(src / "checkpoints", out / "checkpoints")
    logs: list[str] = []
    cfg = PretrainConfig(data=[str(corpus)], out=str(out), preset="tiny", max_steps=44, batch_size=32, lr=3e-3,
                         vocab_size=600, threads=1, device="cpu", split_salt="test", cache_dir=str(src / "cache"),
                         eval_texts=50)
    rep = pretrain(cfg, log=logs.append, progress=False, resume=True)
    assert any("resuming from step 40" in m for m in logs)
    assert rep["steps"] == 44 and rep["steps_this_run"] == 4
    # the card does not show the last 4 steps' seconds as the pretraining's time
    from voc_pipeline.models.card import _origin_line
    from voc_pipeline.models.train import _init_summary

    init = _init_summary(str(out))
    assert init["steps"] == 44 and init["seconds"] is None
    assert "44 steps × batch 32 on cpu over" in _origin_line({"device": "cpu", "init": init})


def test_train_init_keeps_vocab_and_encoder_then_fine_tunes(pretrained, tiny_files, tmp_path):
    from safetensors.torch import load_file

    from voc_pipeline.models.train import TrainConfig, build_model, train

    pre, _ = pretrained
    cfg = TrainConfig(data=[str(tiny_files["train"])], out=str(tmp_path / "ft"), init=str(pre), synthetic=40,
                      max_steps=4, batch_size=16, threads=1, split_salt="test", ngram_head=False, device="auto",
                      vocab_size=800)
    model, tok = build_model(cfg, pd.DataFrame({"morphs": []}), log=lambda m: None)
    pre_vocab = json.loads((pre / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    assert tok.get_vocab() == pre_vocab
    w = load_file(str(pre / "model.safetensors"))
    key = next(k for k in w if k.endswith("word_embeddings.weight"))
    assert torch.equal(model.state_dict()[key], w[key])
    assert torch.equal(model.tag_embeddings.weight, w["tag_embeddings.weight"])
    rep = train(cfg, log=lambda m: None, progress=False, resume=False)
    assert rep["device"] == "cpu" and rep["init"]["steps"] == 40 and rep["steps"] == 4
    saved = json.loads((tmp_path / "ft" / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    assert saved == pre_vocab                               # the fine-tuned model keeps the pretraining vocab
    from voc_pipeline.models.tagger import load_tagger

    out = load_tagger(str(tmp_path / "ft")).predict([[("배송", "NNG"), ("이", "JKS"), ("늦", "VA"), ("어요", "EF")]])
    assert out.sentiment.shape == (1, 3)


def test_train_init_refuses_a_dir_that_is_no_model(tiny_model, tmp_path):
    """A trained model directory is a valid --init (a further fine-tune, tests/models/test_train_continue.py);
    a directory with weights but neither report is not."""
    import shutil

    from voc_pipeline.models.train import TrainConfig, build_model

    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(tiny_model / "model.safetensors", bare / "model.safetensors")
    cfg = TrainConfig(data=[], out=str(tmp_path / "out"), init=str(bare))
    with pytest.raises(ValueError, match="neither a `voc-pipeline pretrain` output"):
        build_model(cfg, pd.DataFrame({"morphs": []}), log=lambda m: None)


def test_device_resolution(monkeypatch):
    from voc_pipeline.models.pretrain import resolve_device

    assert resolve_device("cpu") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    with pytest.raises(ValueError, match="no CUDA"):
        resolve_device("cuda")
    with pytest.raises(ValueError, match="auto, cpu or cuda"):
        resolve_device("tpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"
    assert resolve_device("cuda:1") == "cuda:1"


def test_cli_pretrain_and_train_help_name_the_options():
    from typer.testing import CliRunner

    from voc_pipeline.cli import app

    r = CliRunner().invoke(app, ["pretrain", "--help"])
    assert r.exit_code == 0 and "--max-steps" in r.output and "--device" in r.output
    r = CliRunner().invoke(app, ["train", "--help"])
    assert r.exit_code == 0 and "--init" in r.output and "--device" in r.output


def _state(out: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(out / "model.safetensors"))


def _same_weights(a: Path, b: Path) -> bool:
    sa, sb = _state(a), _state(b)
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.fixture(scope="module")
def exported(corpus, tmp_path_factory) -> Path:
    from voc_pipeline.models.pretrain import PretrainConfig, export_morphs

    d = tmp_path_factory.mktemp("exp")
    f = d / "morphs.parquet"
    export_morphs(PretrainConfig(data=[str(corpus)], out=str(d), split_salt="test", cache_dir=str(d / "cache")), f,
                  log=lambda m: None)
    return f


def test_exported_morphs_hold_train_and_calib_only_and_no_text(exported, corpus):
    import pyarrow.parquet as pq

    from voc_pipeline.models.pretrain import morphs_file_meta

    t = pq.read_table(exported)
    assert set(t.column("split").to_pylist()) == {"train", "calib"}
    assert "text" not in t.column_names
    meta = morphs_file_meta(exported)
    assert meta["split_salt"] == "test" and meta["sources"] == [corpus.name]
    assert t.num_rows == meta["rows"]["train"] + meta["rows"]["calib"]
    assert morphs_file_meta(corpus) is None                  # a plain review file is not an export


def test_exported_morphs_refused_under_another_split_salt(exported, tmp_path):
    from voc_pipeline.models.pretrain import PretrainConfig, load_texts

    with pytest.raises(ValueError, match="split salt"):
        load_texts(PretrainConfig(data=[str(exported)], out=str(tmp_path), split_salt="voc-v0"), log=lambda m: None)


@pytest.mark.parametrize("workers", [0, 1])
def test_pretrain_from_export_equals_pretrain_from_text(corpus, exported, tmp_path, workers):
    """Kiwi-free pretraining (the device path), with or without loader workers, trains the same weights."""
    from voc_pipeline.models.pretrain import PretrainConfig, pretrain

    common = dict(preset="tiny", max_steps=12, batch_size=32, lr=3e-3, vocab_size=600, threads=1, device="cpu",
                  split_salt="test", eval_texts=50, checkpoint_every=100)
    pretrain(PretrainConfig(data=[str(corpus)], out=str(tmp_path / "text"), cache_dir=str(tmp_path / "c"),
                            **common), log=lambda m: None, progress=False, resume=False)
    rep = pretrain(PretrainConfig(data=[str(exported)], out=str(tmp_path / "exp"), workers=workers, **common),
                   log=lambda m: None, progress=False, resume=False)
    assert rep["workers"] == workers and rep["steps"] == 12
    assert rep["sources"] == [corpus.name]                   # the export's texts, not the export's name
    assert _same_weights(tmp_path / "text", tmp_path / "exp")
    if workers:
        return
    from voc_pipeline.models.card import _origin_line
    from voc_pipeline.models.train import _init_summary

    init = _init_summary(str(tmp_path / "exp"))
    assert init["data"] == [corpus.name] and init["batch_size"] == 32 and init["preset"] == "tiny"
    line = _origin_line({"device": "cpu", "init": init})
    assert "12 steps × batch 32 on cpu in " in line and corpus.name in line


def test_encoded_corpus_batches_equal_encode(exported, tmp_path):
    import numpy as np

    from voc_pipeline.models.encoding import MorphemeEncoder
    from voc_pipeline.models.modeling import VocTaggerConfig, encode
    from voc_pipeline.models.pretrain import EncodedCorpus, read_morphs_file
    from voc_pipeline.models.vocab import build_wordpiece

    morphs = read_morphs_file(exported, "test")["morphs"].tolist()
    tok = build_wordpiece(morphs, vocab_size=600)
    tok.save_pretrained(str(tmp_path / "tok"))
    enc_tok = MorphemeEncoder(str(tmp_path / "tok" / "tokenizer.json"))
    mconf = VocTaggerConfig(max_morphemes=6, max_subwords=9)      # small windows: truncation is exercised
    corpus = EncodedCorpus.build(enc_tok, morphs, mconf, chunk=37)
    rng = np.random.default_rng(0)
    for _ in range(5):
        idx = rng.choice(len(morphs), 16, replace=False)
        got = corpus.batch(idx)
        want = encode(enc_tok, [morphs[i] for i in idx], 6, 9, True)
        for k in ("input_ids", "attention_mask", "tag_ids"):
            assert np.array_equal(got[k].numpy(), want[k]), k


def test_deep_preset_is_fast_twice_as_deep():
    from voc_pipeline.models.modeling import PRESETS

    assert PRESETS["deep"]["num_hidden_layers"] == 2 * PRESETS["fast"]["num_hidden_layers"]
    assert {k: v for k, v in PRESETS["deep"].items() if k != "num_hidden_layers"} == \
        {k: v for k, v in PRESETS["fast"].items() if k != "num_hidden_layers"}


def test_gpu_arms_script_runs_fixed_steps_and_packs_dirs(exported, tmp_path, monkeypatch):
    """scripts/gpu_pretrain_arms.py (the device call) on the CPU: fixed steps, one tar per arm, a summary."""
    import importlib
    import sys
    import tarfile

    # on sys.path (not loaded from a file) so that the spawned arm processes can import it too
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "scripts"))
    arms = importlib.import_module("gpu_pretrain_arms")
    out = tmp_path / "out"
    argv = ["x", "--morphs", str(exported), "--out", str(out), "--arm", "A:tiny:6", "--device", "cpu",
            "--batch-size", "16", "--workers", "0", "--threads", "1", "--work", str(tmp_path / "w")]
    monkeypatch.setattr(sys, "argv", [*argv, "--split-salt", "test"])
    arms.main()
    summary = json.loads((out / "arms.json").read_text())
    assert summary["arms"]["A"]["max_steps"] == 6 and summary["arms"]["A"]["run"]["steps"] == 6
    with tarfile.open(out / "A.tar") as tar:
        names = set(tar.getnames())
    assert {"A/model.safetensors", "A/tokenizer.json", "A/pretrain_report.json"} <= names
    assert not any("checkpoints" in n for n in names)
    monkeypatch.setattr(sys, "argv", argv)                   # the shipped salt differs from the export's
    with pytest.raises(SystemExit, match="arms failed"):
        arms.main()
    monkeypatch.setattr(sys, "argv", [a if a != "A:tiny:6" else "A:tiny" for a in argv])
    with pytest.raises(SystemExit) as refused:               # a step count is required (no probe)
        arms.main()
    assert refused.value.code == 2
