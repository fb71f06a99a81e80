from __future__ import annotations

import json
from pathlib import Path

import pytest

SENTS = [
    ("배송이 너무 늦어서 짜증났어요", "neg"), ("상담원이 불친절하고 답변도 느려요", "neg"),
    ("포장이 엉망이라 상품이 파손되어 왔습니다", "neg"), ("환불 처리가 일주일째 안 되고 있어요", "neg"),
    ("품질이 별로고 냄새가 심해요", "neg"), ("다시는 안 살 거예요 최악입니다", "neg"),
    ("스토리가 지루하고 연기도 어색했다", "neg"), ("돈이 아까운 영화", "neg"),
    ("배송이 빠르고 포장도 꼼꼼했어요", "pos"), ("직원분이 정말 친절하셨어요", "pos"),
    ("가격도 저렴하고 품질도 좋아요", "pos"), ("디자인이 예쁘고 가벼워서 만족합니다", "pos"),
    ("재구매 의사 있어요 추천합니다", "pos"), ("정말 재밌고 감동적인 영화였다", "pos"),
    ("배우들 연기가 훌륭하다", "pos"), ("최고의 선택이었어요", "pos"),
    ("어제 주문했습니다", "neu"), ("배송 언제 되나요?", "neu"), ("사이즈 교환 가능한가요?", "neu"),
    ("그냥 보통이에요", "neu"), ("선물용으로 샀어요", "neu"), ("문의드립니다", "neu"),
]


@pytest.fixture(scope="session")
def tiny_files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("data")
    train = d / "train.jsonl"
    with train.open("w", encoding="utf-8") as f:
        for k in range(3):
            for i, (t, lab) in enumerate(SENTS):
                f.write(json.dumps({"text": t if k == 0 else f"{t} {'ㅎㅎ' if lab == 'pos' else '..'}",
                                    "label": lab, "id": f"{k}-{i}"}, ensure_ascii=False) + "\n")
    test3 = d / "test3.csv"
    test3.write_text("review,y\n" + "\n".join(f"{t},{lab}" for t, lab in SENTS) + "\n", encoding="utf-8")
    test2 = d / "test2.jsonl"
    test2.write_text("\n".join(json.dumps({"text": t, "label": lab}, ensure_ascii=False)
                               for t, lab in SENTS if lab != "neu") + "\n", encoding="utf-8")
    return {"train": train, "test3": test3, "test2": test2, "dir": d}


@pytest.fixture(scope="session")
def tiny_model(tiny_files, tmp_path_factory) -> Path:
    from voc_pipeline.models.train import TrainConfig, train

    out = tmp_path_factory.mktemp("model")
    cfg = TrainConfig(data=[str(tiny_files["train"])], out=str(out), preset="tiny", synthetic=40, max_steps=6,
                      batch_size=16, threads=1, checkpoint_every=3, vocab_size=800, split_salt="test")
    train(cfg, log=lambda m: None, progress=False, resume=False)
    return out
