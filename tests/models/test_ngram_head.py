"""The hashed n-gram sentence head (models/ngram_head.py): features, fusion, loading, the tagger hook."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from voc_pipeline.models.tagger import default_model_dir

TEXTS = ["배송이 너무 늦어서 화가 났어요.", "상담원분이 친절하게 안내해 주셔서 감사합니다.",
         "포장이 엉망이고 박스가 젖어서 왔네요", "쿠폰이 적용이 안 돼요", "그냥 그래요",
         "환불 요청한 지 일주일이 지났는데 아직도 처리가 안 됐습니다",
         "가격 대비 품질이 아주 좋아요 재구매 의사 있습니다"]


@pytest.fixture(scope="module")
def kiwi():
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    return KiwiTokenizer(num_workers=1)


@pytest.fixture(scope="module")
def morphs(kiwi):
    return kiwi.morphemes(TEXTS)


@pytest.fixture(scope="module")
def encoder():
    from voc_pipeline.models.encoding import MorphemeEncoder

    return MorphemeEncoder(str(default_model_dir() / "tokenizer.json"))


def _row_features(enc, i, bits=18):
    from voc_pipeline.models.ngram_head import features

    r, c, v = features(enc, bits)
    return sorted(zip(c[r == i].tolist(), np.round(v[r == i], 6).tolist(), strict=True))


def test_features_do_not_depend_on_batch_padding(morphs, encoder):
    from voc_pipeline.models.encoding import encode

    long = morphs[5] * 3                                    # padded far beyond the short sentences
    alone = [encode(encoder, [m], 64, 96, True) for m in morphs]
    batch = encode(encoder, [*morphs, long], 64, 96, True)
    assert batch["input_ids"].shape[1] > alone[4]["input_ids"].shape[1]
    for i in range(len(morphs)):
        assert _row_features(alone[i], 0) == _row_features(batch, i)
    assert _row_features(batch, 0) != _row_features(batch, 1)
    # binary and L2-normalised: every set feature has the value 1/sqrt(count)
    feats = _row_features(batch, 3)
    assert len({c for c, _ in feats}) == len(feats)
    assert np.isclose(sum(v * v for _, v in feats), 1.0)


def test_head_logits_are_batch_invariant_and_roundtrip(morphs, encoder, tmp_path):
    from voc_pipeline.models.encoding import encode
    from voc_pipeline.models.ngram_head import NgramHead

    rng = np.random.default_rng(0)
    head = NgramHead(rng.normal(0, 1, (1 << 16, 3)).astype(np.float16), np.array([0.1, -0.2, 0.1]),
                     rng.normal(0, 0.5, (3, 6)), np.zeros(3), 16, ("uni", "bi", "tri", "tag"))
    together = head.logits(encode(encoder, morphs, 64, 96, True))
    one_by_one = np.vstack([head.logits(encode(encoder, [m], 64, 96, True)) for m in morphs])
    assert np.allclose(together, one_by_one, atol=1e-5)
    head.save(tmp_path)
    back = NgramHead.load(tmp_path)
    assert back.bits == 16 and back.orders == head.orders
    p = np.full((len(morphs), 3), 1 / 3)
    enc = encode(encoder, morphs, 64, 96, True)
    assert np.allclose(back.probs(p, enc), head.probs(p, enc))
    assert np.allclose(back.probs(p, enc).sum(1), 1.0)


def test_a_directory_without_the_head_still_loads(tiny_model, tmp_path, morphs):
    from voc_pipeline.models.ngram_head import HEAD_FILE
    from voc_pipeline.models.tagger import load_tagger

    d = tmp_path / "m"
    shutil.copytree(tiny_model, d)
    (d / HEAD_FILE).unlink(missing_ok=True)
    t = load_tagger(str(d), device="cpu")
    assert t.ngram_head is None
    out = t.predict(morphs)
    assert out.sentiment.shape == (len(morphs), 3) and np.allclose(out.sentiment.sum(1), 1.0)


def _frame(kiwi, rows):
    texts = [t for t, _ in rows]
    return pd.DataFrame({"morphs": kiwi.morphemes(texts), "label_id": [lab for _, lab in rows]})


def test_fusion_weights_come_from_the_calib_split(tiny_model, tmp_path, kiwi, morphs):
    """The head is fitted on train; the fusion on calib only: calib labels that contradict the head
    turn its weight negative, agreeing ones positive. The tagger then applies exactly that fusion."""
    from tests.models.conftest import SENTS

    from voc_pipeline.models.encoding import encode
    from voc_pipeline.models.ngram_head import HEAD_FILE, NgramHead, fit_for_model
    from voc_pipeline.models.tagger import load_tagger

    lab = {"neg": 0, "neu": 1, "pos": 2}
    train = _frame(kiwi, [(t, lab[y]) for t, y in SENTS] + [("영화 시간 때우기용", -100)])
    calib_ok = _frame(kiwi, [(t, lab[y]) for t, y in SENTS if y != "neu"] * 2)
    flip = {"neg": 2, "pos": 0}
    calib_flipped = _frame(kiwi, [(t, flip[y]) for t, y in SENTS if y != "neu"] * 2)
    weights = {}
    for name, cal in (("ok", calib_ok), ("flipped", calib_flipped)):
        d = tmp_path / name
        shutil.copytree(tiny_model, d)
        rep = fit_for_model(d, train, cal, bits=16, C=4.0, per_class=100, log=lambda m: None)
        head = NgramHead.load(d)
        assert (d / HEAD_FILE).is_file() and np.allclose(head.fuse_A, rep["fusion_A"], atol=1e-3)
        assert rep["calib_rows"] == len(cal)
        weights[name] = head.fuse_A[2, 5] - head.fuse_A[2, 3]     # pos logit: weight on head pos - head neg
        t = load_tagger(str(d), device="cpu")
        assert t.ngram_head is not None
        got = t.predict(morphs).sentiment
        t.ngram_head = None
        base = t.predict(morphs).sentiment
        cfg = t.config
        enc = encode(t.tokenizer, morphs, cfg.max_morphemes, cfg.max_subwords, cfg.use_tags)
        exp = head.probs(base, enc)          # features are per sentence: batching does not matter
        assert np.allclose(got, exp, atol=1e-6)
    assert weights["ok"] > 0 > weights["flipped"]


def test_the_embedded_default_ships_and_uses_the_head(morphs):
    from voc_pipeline.models.ngram_head import HEAD_FILE
    from voc_pipeline.models.tagger import load_tagger

    d = default_model_dir()
    assert (d / HEAD_FILE).is_file()
    assert sum(f.stat().st_size for f in d.iterdir() if f.is_file()) <= 25_000_000
    t = load_tagger()
    # general + commerce head (docs/model.md §5: variant (c′) is the default since 2026-11-23)
    assert t.ngram_head is not None and t.ngram_head.W.shape == (1 << t.ngram_head.bits, 6)
    assert t.ngram_head.fuse_A.shape == (3, 9)
    fused = t.predict(morphs).sentiment
    t.ngram_head = None
    alone = t.predict(morphs).sentiment
    assert np.allclose(fused.sum(1), 1.0) and not np.allclose(fused, alone)
    assert fused[1].argmax() == 2 and fused[0].argmax() == 0        # 친절하게 ... 감사합니다 / 늦어서 화가 났어요


def test_train_fits_the_head_and_reports_it(tmp_path):
    """`train` writes ngram_head.npz with the fusion fitted on the calib split, and its report says so."""
    import json

    from tests.models.conftest import SENTS

    from voc_pipeline.models.ngram_head import HEAD_FILE
    from voc_pipeline.models.train import TrainConfig, train

    data = tmp_path / "train.jsonl"
    with data.open("w", encoding="utf-8") as f:
        for k in range(40):                       # 880 rows, one group each: ~44 land in calib
            for t, lab in SENTS:
                f.write(json.dumps({"text": f"{t} {'ㅎㅎ' * (k % 3)}", "label": lab}, ensure_ascii=False) + "\n")
    out = tmp_path / "m"
    cfg = TrainConfig(data=[str(data)], out=str(out), preset="tiny", synthetic=0, max_steps=3, batch_size=32,
                      threads=1, vocab_size=800, split_salt="test", ngram_bits=14)
    report = train(cfg, log=lambda m: None, progress=False, resume=False)
    assert (out / HEAD_FILE).is_file()
    head = report["ngram_head"]
    assert head["bits"] == 14 and head["train_rows"] > 600 and 20 <= head["calib_rows"] < 150
    saved = json.loads((out / "training_report.json").read_text(encoding="utf-8"))
    assert saved["report"]["ngram_head"]["calib_rows"] == head["calib_rows"]


def test_balanced_weights_give_each_group_its_share_and_each_class_its_part():
    from voc_pipeline.models.ngram_head import balanced_weights

    y = np.array([0, 0, 0, 2, 1, 1, 0, 2, 2, 2])
    grp = np.array(["calib"] * 4 + ["dev"] * 6)
    w = balanced_weights(y, grp, {"dev": 0.25})
    assert np.isclose(w.sum(), 1.0) and np.isclose(w[grp == "dev"].sum(), 0.25)
    cal = w[grp == "calib"]                        # calib: neg x3, pos x1 -> each class 0.375
    assert np.isclose(cal[:3].sum(), cal[3]) and np.isclose(cal[3], 0.375)
    dev = w[grp == "dev"]                          # dev: neu x2, neg x1, pos x3 -> 0.25 / 3 per class
    assert np.allclose([dev[:2].sum(), dev[2], dev[3:].sum()], 0.25 / 3)
    nat = balanced_weights(y, grp, {"dev": 0.25}, natural=("dev",))
    assert np.allclose(nat[grp == "dev"], 0.25 / 6)   # natural: the group's own label mix
    assert np.allclose(balanced_weights(y), balanced_weights(y, np.zeros(len(y))))


COMMERCE_SYN = [("배송이 늦어요", 0), ("포장이 엉망이에요", 0), ("상담원이 불친절해요", 0), ("품질이 별로예요", 0),
                ("배송이 빨라요", 2), ("포장이 꼼꼼해요", 2), ("상담원이 친절해요", 2), ("품질이 좋아요", 2),
                ("배송 언제 되나요?", 1), ("교환 가능한가요?", 1), ("어제 받았습니다", 1), ("환불 문의드려요", 1)]
DEV_INQUIRIES = ["반품 택배는 언제 와요?", "재입고 예정 있나요?", "주문 취소 어떻게 해요?",
                 "사이즈 교환 되나요?", "배송지 변경 가능한가요?", "현금영수증 되나요?"]


def test_commerce_head_and_dev_rows_join_the_fusion(tiny_model, tmp_path, kiwi, morphs):
    """A second head fitted on the synthetic rows only adds 3 fusion inputs; rows of a dev jsonl join
    the fusion fit, so shop inquiries labelled neutral there come out more neutral; the tagger applies
    exactly the saved fusion."""
    import json

    from tests.models.conftest import SENTS

    from voc_pipeline.models.encoding import encode
    from voc_pipeline.models.ngram_head import NgramHead, fit_for_model
    from voc_pipeline.models.tagger import load_tagger

    lab = {"neg": 0, "neu": 1, "pos": 2}
    general = _frame(kiwi, [(t, lab[y]) for t, y in SENTS]).assign(source="nsmc_dev")
    syn = _frame(kiwi, COMMERCE_SYN * 2).assign(source="synthetic")
    train = pd.concat([general, syn], ignore_index=True)
    calib = _frame(kiwi, [(t, lab[y]) for t, y in SENTS if y != "neu"] * 2)
    dev_file = tmp_path / "dev.jsonl"
    dev_file.write_text("".join(json.dumps({"text": t, "label": "neu"}, ensure_ascii=False) + "\n"
                                for t in DEV_INQUIRIES * 2), encoding="utf-8")
    dev_morphs = kiwi.morphemes(DEV_INQUIRIES)
    neutral = {}
    for name, dev in (("calib only", None), ("with dev", dev_file)):
        d = tmp_path / name.replace(" ", "_")
        shutil.copytree(tiny_model, d)
        rep = fit_for_model(d, train, calib, bits=16, C=4.0, per_class=100, commerce_head=True, fusion_dev=dev,
                            dev_share=0.5, log=lambda m: None)
        head = NgramHead.load(d)
        assert rep["heads"] == ["general", "commerce"] and rep["commerce_rows"] == len(syn)
        assert head.W.shape == (1 << 16, 6) and head.fuse_A.shape == (3, 9)
        assert rep["dev_rows"] == (0 if dev is None else 2 * len(DEV_INQUIRIES))
        t = load_tagger(str(d), device="cpu")
        neutral[name] = t.predict(dev_morphs).sentiment[:, 1].mean()
        got = t.predict(morphs).sentiment
        t.ngram_head = None
        cfg = t.config
        enc = encode(t.tokenizer, morphs, cfg.max_morphemes, cfg.max_subwords, cfg.use_tags)
        assert np.allclose(got, head.probs(t.predict(morphs).sentiment, enc), atol=1e-6)
    assert neutral["with dev"] > neutral["calib only"] + 0.1


def test_commerce_dev_weight_fits_dev_rows_and_cross_fits_their_fusion_logits():
    """Variant (c′): dev rows join the commerce head; the logits the fusion reads for them come from
    heads that never saw the row, so a row's own unique n-grams cannot vouch for its label."""
    from scipy.sparse import csr_matrix

    from voc_pipeline.models.ngram_head import _cross_fitted_dev_logits, _fit_commerce_head

    rng = np.random.default_rng(0)
    n_syn, n_dev, dim = 300, 60, 400
    y_syn, y_dev = rng.integers(0, 3, n_syn), rng.integers(0, 3, n_dev)
    shared = rng.random((n_syn, 20)) < 0.2                        # weak, shared features for the synthetic rows
    X_syn = csr_matrix(np.hstack([shared, np.zeros((n_syn, dim - 20))]).astype(np.float32))
    X_dev = np.zeros((n_dev, dim), np.float32)
    X_dev[np.arange(n_dev), 20 + np.arange(n_dev)] = 1.0         # each dev row: one feature only it has
    X_dev = csr_matrix(X_dev)
    W, b = _fit_commerce_head(X_syn, y_syn, (X_dev, y_dev), None, 10.0, 4.0, 13)
    in_sample = np.asarray(X_dev @ W) + b
    crossed = _cross_fitted_dev_logits(X_syn, y_syn, (X_dev, y_dev), 10.0, 4.0, 13, folds=5)

    def margin(logits):
        true = logits[np.arange(n_dev), y_dev]
        other = np.where(np.eye(3, dtype=bool)[y_dev], -np.inf, logits).max(1)
        return (true - other).mean()

    assert (in_sample.argmax(1) == y_dev).mean() == 1.0           # the full head learned every dev row
    assert margin(in_sample) > 1.0 > margin(crossed)              # cross-fitted: no memorised evidence
    assert crossed.shape == (n_dev, 3)


def test_a_reused_general_head_is_stored_as_given_and_not_refitted(tiny_model, tmp_path, kiwi):
    """``general_head`` (scripts/ngram_head_experiment.py --reuse-general-head): the given W and b are
    the stored general head (as float16), whatever the train rows would have fitted."""
    from tests.models.conftest import SENTS

    from voc_pipeline.models.ngram_head import NgramHead, fit_for_model

    lab = {"neg": 0, "neu": 1, "pos": 2}
    train = _frame(kiwi, [(t, lab[y]) for t, y in SENTS])
    calib = _frame(kiwi, [(t, lab[y]) for t, y in SENTS if y != "neu"] * 2)
    rng = np.random.default_rng(1)
    W0, b0 = rng.normal(0, 0.1, (1 << 16, 3)).astype(np.float32), np.array([0.1, -0.2, 0.1], np.float32)
    fitted, reused = tmp_path / "fitted", tmp_path / "reused"
    for d in (fitted, reused):
        shutil.copytree(tiny_model, d)
    fit_for_model(fitted, train, calib, bits=16, C=4.0, per_class=100, log=lambda m: None)
    fit_for_model(reused, train, calib, bits=16, C=4.0, per_class=100, general_head=(W0, b0), log=lambda m: None)
    head = NgramHead.load(reused)
    assert np.array_equal(head.W, W0.astype(np.float16).astype(np.float32)) and np.allclose(head.b, b0)
    assert not np.allclose(NgramHead.load(fitted).W, head.W)


def _small_head(fusions=None):
    from voc_pipeline.models.ngram_head import NgramHead

    rng = np.random.default_rng(0)
    W = rng.normal(size=(1 << 10, 6)).astype(np.float16).astype(np.float32)
    return NgramHead(W, rng.normal(size=6), rng.normal(size=(3, 9)), rng.normal(size=3), 10,
                     ("uni", "bi", "tri", "tag"), fusions)


def test_named_fusions_roundtrip_and_apply_only_when_asked(tmp_path):
    from voc_pipeline.models.ngram_head import NgramHead

    rng = np.random.default_rng(1)
    voc = (rng.normal(size=(3, 9)), rng.normal(size=3))
    head = _small_head({"voc": voc})
    head.save(tmp_path)
    back = NgramHead.load(tmp_path)
    assert set(back.fusions) == {"voc"}
    assert np.array_equal(back.fusions["voc"][0], voc[0]) and np.array_equal(back.fusions["voc"][1], voc[1])
    assert np.array_equal(back.fuse_A, head.fuse_A)
    lp, hl = np.log(rng.dirichlet(np.ones(3), size=5)), rng.normal(size=(5, 6))
    general, by_voc = back.fuse(lp, hl), back.fuse(lp, hl, "voc")
    z = np.concatenate([lp, hl], 1) @ voc[0].T + voc[1]
    expected = np.exp(z - z.max(1, keepdims=True))
    assert np.allclose(by_voc, expected / expected.sum(1, keepdims=True))
    assert not np.allclose(general, by_voc)
    assert back.fusion_for("voc") == "voc" and back.fusion_for("other") == "general"


def test_a_head_saved_without_named_fusions_loads_with_none(tmp_path):
    from voc_pipeline.models.ngram_head import HEAD_FILE, NgramHead

    head = _small_head()
    # the file layout of heads written before named fusions existed
    np.savez_compressed(tmp_path / HEAD_FILE, W=head.W.astype(np.float16), b=head.b, fuse_A=head.fuse_A,
                        fuse_c=head.fuse_c, bits=np.int64(head.bits), orders=np.asarray(head.orders))
    back = NgramHead.load(tmp_path)
    assert back.fusions == {} and back.fusion_for("voc") == "general"


def test_a_named_fusion_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="fusion 'voc'"):
        _small_head({"voc": (np.zeros((3, 6)), np.zeros(3))})
    with pytest.raises(ValueError, match="fusion 'general'"):
        _small_head({"general": (np.zeros((3, 9)), np.zeros(3))})


def test_the_tagger_applies_the_fusion_it_is_told_to(morphs):
    from voc_pipeline.models.tagger import load_tagger

    t = load_tagger()
    assert t.fusion == "voc"               # a bare load predicts as a default run: the embedded voc fusion
    voc = t.predict(morphs).sentiment
    assert load_tagger(fusion="general").fusion == "general"
    assert t.use_fusion("general") == "general"
    general = t.predict(morphs).sentiment
    assert np.allclose(voc.sum(1), 1.0) and not np.allclose(voc, general)
    assert voc[1].argmax() == 2 and voc[0].argmax() == 0
    with pytest.raises(ValueError, match="fusion must be one of"):
        t.use_fusion("movies")
    t.ngram_head = None
    assert t.use_fusion("voc") == "general"               # no head, nothing to choose


def test_model_log_probs_set_the_head_aside_and_put_it_back(morphs):
    from voc_pipeline.models.ngram_head import model_log_probs
    from voc_pipeline.models.tagger import load_tagger

    t = load_tagger()
    head = t.ngram_head
    lp = model_log_probs(t, morphs)
    assert t.ngram_head is head
    t.ngram_head = None
    alone = t.predict(morphs).sentiment
    assert np.allclose(np.exp(lp), alone)
