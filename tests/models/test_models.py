"""Fast unit tests of the model package (tiny config, a few steps, real Korean sentences)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from voc_pipeline.schema import SENTIMENT_LABELS, SPAN_LABELS


@pytest.fixture(scope="module")
def kiwi():
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    return KiwiTokenizer(num_workers=1)


def test_weak_spans_lexicon_negation_and_pairs(kiwi):
    from voc_pipeline.models.weak import Lexicon, weak_spans

    lex = Lexicon.load()
    (m1, m2, m3) = kiwi.morphemes(["배송이 안 좋아요", "택배 기사님이 너무 불친절했습니다", "상담원이 친절하고 답변도 빨랐어요"])
    lab = dict(zip([f for f, _ in m1], weak_spans(m1, lex), strict=True))
    assert lab["배송"] == "B-ASP" and lab["안"] == "B-NEG" and lab["좋"] == "I-NEG"
    l2 = weak_spans(m2, lex)
    assert "B-NEG" in l2 and "B-POS" not in l2          # 불+친절+하 is one NEG opinion
    l3 = weak_spans(m3, lex)
    assert l3.count("B-POS") == 2 and l3.count("B-ASP") == 2
    assert all(x in SPAN_LABELS for x in l1 + l2 + l3) if (l1 := weak_spans(m1, lex)) else True


def test_sentiment_contrast_only_when_confident(kiwi):
    from voc_pipeline.models.weak import Lexicon, weak_spans

    lex = Lexicon.load()
    m = kiwi.morphemes(["화면이 좀 어둡네요"])[0]
    assert "B-NEG" not in weak_spans(m, lex)
    assert "B-NEG" in weak_spans(m, lex, "neg", confident=True)


def test_synthetic_sentences_have_aligned_spans():
    from voc_pipeline.models.synth import generate

    items = generate(50, seed=1)
    assert len(items) == 50
    for x in items:
        assert x["label"] in SENTIMENT_LABELS
        for s, e, t in x["spans"]:
            assert 0 <= s < e <= len(x["text"]) and t in {"ASP", "NEG", "POS"}


def test_group_split_is_by_group_and_stable():
    from voc_pipeline.models.corpus import group_split, rating_to_label

    g = ["m1", "m2", "m1", "m3"] * 50
    s1, s2 = group_split(g), group_split(g)
    assert (s1 == s2).all()
    by = {}
    for gi, si in zip(g, s1, strict=True):
        by.setdefault(gi, set()).add(si)
    assert all(len(v) == 1 for v in by.values())
    assert [rating_to_label(r, 10) for r in (1, 4, 5, 6, 7, 8, 9, 10)] == ["neg", "neg", "neu", "neu", None, None, "pos", "pos"]
    assert [rating_to_label(r, 5) for r in (1, 2, 3, 4, 5)] == ["neg", "neg", "neu", "pos", "pos"]


def test_temperature_scaling_reduces_overconfidence():
    from voc_pipeline.models.evaluate import ece_score
    from voc_pipeline.models.train import fit_temperature

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 3000)
    logits = rng.normal(0, 1, (3000, 3))
    logits[np.arange(3000), y] += 1.0
    logits *= 4.0                                             # overconfident
    t = fit_temperature(logits, y)
    assert t > 2.0

    def p(z):
        e = np.exp(z - z.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    assert ece_score(p(logits / t), y) < ece_score(p(logits), y)


def test_fix_bio():
    from voc_pipeline.models.tagger import fix_bio

    assert fix_bio(["O", "I-ASP", "I-ASP", "B-NEG", "I-POS"]) == ["O", "B-ASP", "I-ASP", "B-NEG", "B-POS"]


def test_train_save_load_predict_roundtrip(tiny_model, kiwi):
    from voc_pipeline.models import load_tagger

    for f in ("config.json", "model.safetensors", "tokenizer.json", "lexicon.yaml", "training_report.json"):
        assert (tiny_model / f).is_file(), f
    assert (tiny_model / "checkpoints" / "last.pt").is_file()
    tagger = load_tagger(str(tiny_model), batch_size=4)
    assert tagger.model_id and len(tagger.model_hash) == 64
    texts = ["배송이 늦어요", "정말 친절하고 빠른 배송 감사합니다 다음에 또 살게요", "최악", "포장이 꼼꼼해요"]
    morphs = kiwi.morphemes(texts)
    morphs.append([])                                          # an empty sentence is allowed
    out = tagger.predict(morphs)
    assert out.sentiment.shape == (5, 3)
    assert np.allclose(out.sentiment.sum(1), 1.0, atol=1e-5)
    for m, labs, conf in zip(morphs, out.span_labels, out.span_confidence, strict=True):
        assert len(labs) == len(m) == len(conf)
        assert all(lab in SPAN_LABELS for lab in labs)
    # the flat arrays the pipeline decodes from say the same as the lists
    assert out.offsets.tolist() == [0, *np.cumsum([len(m) for m in morphs]).tolist()]
    assert out.has_span().tolist() == [any(lab != "O" for lab in labs) for labs in out.span_labels]
    assert [out.labels_of(i) for i in range(len(morphs))] == out.span_labels
    # rows come back in input order: predicting one sentence alone gives the same row
    single = tagger.predict([morphs[1]])
    assert np.allclose(single.sentiment[0], out.sentiment[1], atol=1e-5)
    assert single.span_labels[0] == out.span_labels[1]
    # fp32 and int8 paths agree on shapes; hash is of the weights file
    fp32 = load_tagger(str(tiny_model), quantize=False)
    assert fp32.model_hash == tagger.model_hash
    assert fp32.predict(morphs).sentiment.shape == (5, 3)


def test_long_sentence_truncated_but_one_label_per_morpheme(tiny_model):
    from voc_pipeline.models import load_tagger

    tagger = load_tagger(str(tiny_model))
    long = [("배송", "NNG"), ("이", "JKS"), ("늦", "VA"), ("어요", "EF")] * 60       # 240 morphemes
    out = tagger.predict([long])
    assert len(out.span_labels[0]) == 240
    assert out.span_labels[0][-1] == "O" and out.span_confidence[0][-1] == 0.0


def test_resume_continues_from_checkpoint(tiny_files, tiny_model, tmp_path):
    import shutil

    from voc_pipeline.models.train import TrainConfig, train

    out = tmp_path / "m"
    shutil.copytree(tiny_model / "checkpoints", out / "checkpoints")
    cfg = TrainConfig(data=[str(tiny_files["train"])], out=str(out), preset="tiny", synthetic=40, max_steps=8, epochs=3,
                      batch_size=16, threads=1, checkpoint_every=3, vocab_size=800, split_salt="test")
    logs = []
    rep = train(cfg, log=logs.append, progress=False, resume=True)
    assert any("resuming from step 6" in m for m in logs)
    assert rep["steps"] == 8


def test_evaluate_file_three_class_and_binary(tiny_model, tiny_files):
    from voc_pipeline.models.evaluate import evaluate_file

    r3 = evaluate_file(str(tiny_model), str(tiny_files["test3"]), "review", "y")
    assert r3["labels"] == ["neg", "neu", "pos"] and r3["n"] == 22
    for k in ("n", "accuracy", "macro_f1", "ece", "texts_per_s"):
        assert k in r3
    r2 = evaluate_file(str(tiny_model), str(tiny_files["test2"]))
    assert r2["labels"] == ["neg", "pos"] and r2["n"] == 16
    assert 0.0 <= r2["ece"] <= 1.0


def test_sentiment_metrics_binary_restriction():
    from voc_pipeline.models.evaluate import sentiment_metrics

    probs = np.array([[0.3, 0.6, 0.1], [0.1, 0.6, 0.3]])   # neutral wins, but the file has only neg/pos
    m = sentiment_metrics(probs, np.array([0, 2]), [0, 2])
    assert m["accuracy"] == 1.0 and m["macro_f1"] == 1.0


def test_cli_evaluate_json_last_line(tiny_model, tiny_files):
    import typer
    from typer.testing import CliRunner

    from voc_pipeline.cli_model import evaluate

    app = typer.Typer()
    app.command()(evaluate)
    app.command("noop")(lambda: None)
    res = CliRunner().invoke(app, ["evaluate", "--model", str(tiny_model), "--data", str(tiny_files["test2"]), "--json"])
    assert res.exit_code == 0, res.output
    last = json.loads(res.output.strip().splitlines()[-1])
    assert {"n", "accuracy", "macro_f1", "ece", "texts_per_s"} <= set(last)


def test_span_eval_scores_lexicon_and_model(tiny_model, tmp_path):
    from voc_pipeline.models.evaluate import span_eval

    text = "배송이 너무 늦어요"
    row = {"id": "t1", "text": text, "sentiment": "neg", "mentions": [
        {"aspect": "배송", "aspect_start": 0, "aspect_end": 2, "opinion": "늦어요", "opinion_start": 7,
         "opinion_end": 10, "polarity": "pain", "stage": "delivery"}]}
    f = tmp_path / "spans.jsonl"
    f.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    from voc_pipeline.config import domain_path

    lx = span_eval(f, None, domain_path("commerce"), lexicon_only=True)
    assert lx["all"]["overlap"]["f1"] == 1.0 and lx["stage"]["f1"] == 1.0
    m = span_eval(f, str(tiny_model), domain_path("commerce"))
    assert 0.0 <= m["all"]["overlap"]["f1"] <= 1.0


def test_trained_config_resolves_the_report_paths_against_the_checkout(tmp_path):
    from voc_pipeline.models.train import trained_config

    model_dir = tmp_path / "model"
    model_dir.mkdir()
    report = {"config": {"data": ["../shared/data/nsmc/nsmc_dev.parquet", "/abs/kote.parquet"], "out": "x",
                         "seed": 7, "domain_yaml": "src/voc_pipeline/resources/domains/commerce.yaml"}}
    (model_dir / "training_report.json").write_text(json.dumps(report), encoding="utf-8")
    cfg = trained_config(model_dir, "/repo", "/cache")
    assert cfg.data == ["/repo/../shared/data/nsmc/nsmc_dev.parquet", "/abs/kote.parquet"]
    assert cfg.domain_yaml == "/repo/src/voc_pipeline/resources/domains/commerce.yaml"
    assert (cfg.cache_dir, cfg.seed) == ("/cache", 7)
