"""The ONNX Runtime path agrees with the PyTorch model it was exported from, and needs no torch."""

from __future__ import annotations

import functools
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voc_pipeline.models.tagger import default_model_dir

TEXTS = [
    "배송이 너무 늦어서 화가 났어요.", "상담원분이 친절하게 안내해 주셔서 감사합니다.",
    "포장이 엉망이고 박스가 젖어서 왔네요", "쿠폰이 적용이 안 돼요", "그냥 그래요",
    "환불 요청한 지 일주일이 지났는데 아직도 처리가 안 됐습니다", "가격 대비 품질이 아주 좋아요 재구매 의사 있습니다",
]


@pytest.fixture(scope="module")
def sentences():
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    kiwi = KiwiTokenizer(num_workers=1)
    return [[(t.form, t.tag) for t in s.tokens] for ss in kiwi.sentences(TEXTS) for s in ss if s.tokens]


def test_embedded_default_ships_the_int8_graph_and_uses_it():
    from voc_pipeline.models import load_tagger

    assert (default_model_dir() / "model.int8.onnx").is_file()
    assert load_tagger().backend_name == "onnx"


def test_memoised_encoding_equals_the_transformers_encoding(sentences):
    from voc_pipeline.models.encoding import MorphemeEncoder, encode
    from voc_pipeline.models.tagger import _load_tokenizer, _read_config

    cfg = _read_config(default_model_dir())
    hf = _load_tokenizer(default_model_dir())
    fast = MorphemeEncoder(str(default_model_dir() / "tokenizer.json"))
    # 60 morphemes of several subwords each: more than the subword window, so both truncate
    long = [("초특급울트라배송서비스", "NNG"), ("이", "JKS")] * 30
    odd = [("배송 기사", "NNG"), (" ", "SP"), ("뷁", "NNG"), ("ㅋㅋㅋ", "SW"), ("A" * 60, "SL")]
    batch = [*sentences, odd, long, []]
    a = encode(hf, batch, cfg.max_morphemes, cfg.max_subwords, True)
    b = encode(fast, batch, cfg.max_morphemes, cfg.max_subwords, True)
    for key in a:
        assert np.array_equal(a[key], b[key]), key
    assert (b["word_index"][-2] == -1).any()                  # beyond the window


def test_onnx_agrees_with_torch_fp32(sentences):
    from voc_pipeline.models import load_tagger

    ref = load_tagger(backend="torch", quantize=False).predict(sentences)
    out = load_tagger(backend="onnx").predict(sentences)
    assert np.abs(out.sentiment - ref.sentiment).max() < 0.05
    assert (out.sentiment.argmax(1) == ref.sentiment.argmax(1)).all()
    same = [a == b for x, y in zip(out.span_labels, ref.span_labels, strict=True) for a, b in zip(x, y, strict=True)]
    assert np.mean(same) > 0.97


def test_run_path_does_not_import_torch():
    code = ("import sys; from voc_pipeline.models import load_tagger; t = load_tagger(); "
            "t.predict([[('배송', 'NNG'), ('이', 'JKS'), ('늦', 'VA'), ('어요', 'EF')]]); "
            "print(t.backend_name, 'torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["onnx", "False", "False"]


def test_backend_choice_is_explicit(tiny_model, monkeypatch):
    from voc_pipeline.errors import ModelError
    from voc_pipeline.models import load_tagger

    assert load_tagger(str(tiny_model)).backend_name == "onnx"          # train writes the graph
    assert load_tagger(str(tiny_model), quantize=False).backend_name == "torch"
    monkeypatch.setenv("VOC_PIPELINE_BACKEND", "torch")
    assert load_tagger(str(tiny_model)).backend_name == "torch"
    monkeypatch.delenv("VOC_PIPELINE_BACKEND")
    (tiny_model / "model.int8.onnx").rename(tiny_model / "moved.onnx")
    try:
        assert load_tagger(str(tiny_model)).backend_name == "torch"
        with pytest.raises(ModelError):
            load_tagger(str(tiny_model), backend="onnx")
    finally:
        (tiny_model / "moved.onnx").rename(tiny_model / "model.int8.onnx")


_FORMS = st.text(alphabet=st.sampled_from([*list("배송이늦어요친절환불 ㅋA1!_"), "쀍", "\u3000"]), min_size=0, max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(_FORMS, st.sampled_from(["NNG", "VV", "SW", "EF"])), max_size=70), min_size=1,
                max_size=4))
def test_memoised_encoding_equals_transformers_on_any_forms(batch):
    from voc_pipeline.models.encoding import encode

    hf, fast = _tokenizers()
    a = encode(hf, batch, 64, 96, True)
    b = encode(fast, batch, 64, 96, True)
    for key in a:
        assert np.array_equal(a[key], b[key]), key


@functools.cache
def _tokenizers():
    from voc_pipeline.models.encoding import MorphemeEncoder
    from voc_pipeline.models.tagger import _load_tokenizer

    return _load_tokenizer(default_model_dir()), MorphemeEncoder(str(default_model_dir() / "tokenizer.json"))


def test_lanes_give_the_same_output_as_one_lane(sentences, monkeypatch):
    """Batches run on parallel lanes (one ONNX session, called from two threads) land in their own
    rows: the output equals the single-lane run, row for row."""
    from voc_pipeline.models import load_tagger

    many = sentences * 12                                     # 84 sentences, batches of 4 -> 21 batches
    two = load_tagger(backend="onnx", threads=2, batch_size=4)
    assert two.backend.lanes == 2
    monkeypatch.setenv("VOC_PIPELINE_ONNX_LANES", "0")
    one = load_tagger(backend="onnx", threads=2, batch_size=4)
    assert one.backend.lanes == 1 and one.backend.session.get_session_options().intra_op_num_threads == 2
    a, b = two.predict(many), one.predict(many)
    np.testing.assert_array_equal(a.sentiment, b.sentiment)
    np.testing.assert_array_equal(a.label_ids, b.label_ids)
    np.testing.assert_array_equal(a.confidence, b.confidence)


def test_an_error_on_a_lane_reaches_the_caller(sentences):
    from voc_pipeline.models import load_tagger

    tagger = load_tagger(backend="onnx", threads=2, batch_size=2)

    def broken(enc):
        raise RuntimeError("lane failed")

    tagger.backend.forward = broken
    with pytest.raises(RuntimeError, match="lane failed"):
        tagger.predict(sentences)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(_FORMS, st.sampled_from(["NNG", "VV", "SW", "EF"])), max_size=80), min_size=1,
                max_size=4))
def test_fits_window_is_what_encode_keeps_whole(batch):
    """Oracle: the sentence encoded without a window has at most 64 morphemes and 96 subwords."""
    from voc_pipeline.models.encoding import encode, fits_window

    hf, fast = _tokenizers()
    free = encode(fast, batch, 10**6, 10**6, True)["attention_mask"].sum(1)
    expected = [len(s) <= 64 and n <= 96 for s, n in zip(batch, free, strict=True)]
    assert fits_window(fast, batch, 64, 96).tolist() == expected
    assert fits_window(hf, batch, 64, 96).tolist() == expected
