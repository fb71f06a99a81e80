"""Synthetic commerce sentences composed at the morpheme level (weak supervision, docs/model.md §3).

The movie corpus has almost no commerce language (배송, 환불, 상담원). Here aspect × opinion
frames written by hand — including context-dependent polarity (소리가 크다 = pain, 화면이 크다 =
praise, 냄새가 없다 = praise) — are joined into real surface text by Kiwi (``Kiwi.join``), then
re-tokenized, so the model sees exactly what inference sees. Spans are known by construction
(char offsets from ``join(return_positions=True)``). None of this text comes from an evaluation set.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

M = tuple[str, str]

ASPECT_FRAMES: list[tuple[list[str], list[list[M]], list[list[M]]]] = [
    # (aspect nouns, neg opinion morphemes, pos opinion morphemes)
    (["배송", "택배", "배달", "발송", "출고"],
     [[("늦", "VA")], [("느리", "VA")], [("지연", "NNG"), ("되", "XSV")], [("엉망", "NNG"), ("이", "VCP")]],
     [[("빠르", "VA")], [("신속", "XR"), ("하", "XSA")], [("총알", "NNG"), ("같", "VA")]]),
    (["포장", "박스", "완충재"],
     [[("엉망", "NNG"), ("이", "VCP")], [("허술", "XR"), ("하", "XSA")], [("찌그러지", "VV")], [("부실", "XR"), ("하", "XSA")],
      [("터지", "VV")], [("젖", "VV")]],
     [[("꼼꼼", "XR"), ("하", "XSA")], [("깔끔", "XR"), ("하", "XSA")], [("튼튼", "XR"), ("하", "XSA")], [("안전", "NNG"), ("하", "XSA")]]),
    (["상담원", "직원", "고객센터", "상담사", "기사님", "사장님", "판매자"],
     [[("불친절", "XR"), ("하", "XSA")], [("무례", "XR"), ("하", "XSA")], [("무성의", "XR"), ("하", "XSA")],
      [("답답", "XR"), ("하", "XSA")], [("불쾌", "XR"), ("하", "XSA")]],
     [[("친절", "XR"), ("하", "XSA")], [("상냥", "XR"), ("하", "XSA")], [("꼼꼼", "XR"), ("하", "XSA")],
      [("세심", "XR"), ("하", "XSA")], [("빠르", "VA")]]),
    (["답변", "응대", "처리", "연결", "회신", "상담"],
     [[("늦", "VA")], [("느리", "VA")], [("엉망", "NNG"), ("이", "VCP")], [("불친절", "XR"), ("하", "XSA")],
      [("성의", "NNG"), ("없", "VA")], [("안", "MAG"), ("되", "VV")]],
     [[("빠르", "VA")], [("신속", "XR"), ("하", "XSA")], [("깔끔", "XR"), ("하", "XSA")], [("친절", "XR"), ("하", "XSA")],
      [("정확", "XR"), ("하", "XSA")]]),
    (["환불", "반품", "교환", "회수", "취소"],
     [[("늦", "VA")], [("느리", "VA")], [("복잡", "XR"), ("하", "XSA")], [("번거롭", "VA")], [("안", "MAG"), ("되", "VV")],
      [("까다롭", "VA")]],
     [[("빠르", "VA")], [("간편", "XR"), ("하", "XSA")], [("쉽", "VA")], [("깔끔", "XR"), ("하", "XSA")],
      [("신속", "XR"), ("하", "XSA")]]),
    (["가격", "배송비", "가성비"],
     [[("비싸", "VA")], [("사악", "XR"), ("하", "XSA")], [("별로", "MAG"), ("이", "VCP")], [("아깝", "VA")]],
     [[("저렴", "XR"), ("하", "XSA")], [("싸", "VA")], [("착하", "VA")], [("좋", "VA")], [("합리", "NNG"), ("적", "XSN"), ("이", "VCP")]]),
    (["품질", "퀄리티", "마감", "재질", "소재", "마감처리", "바느질"],
     [[("별로", "MAG"), ("이", "VCP")], [("엉망", "NNG"), ("이", "VCP")], [("조잡", "XR"), ("하", "XSA")],
      [("허접", "XR"), ("하", "XSA")], [("나쁘", "VA")], [("형편없", "VA")], [("싸구려", "NNG"), ("같", "VA")]],
     [[("좋", "VA")], [("훌륭", "XR"), ("하", "XSA")], [("우수", "XR"), ("하", "XSA")], [("괜찮", "VA")],
      [("고급", "NNG"), ("스럽", "XSA")], [("탄탄", "XR"), ("하", "XSA")]]),
    (["디자인", "색상", "색깔", "컬러"],
     [[("별로", "MAG"), ("이", "VCP")], [("촌스럽", "VA")], [("다르", "VA")], [("칙칙", "XR"), ("하", "XSA")]],
     [[("예쁘", "VA")], [("이쁘", "VA")], [("고급", "NNG"), ("스럽", "XSA")], [("멋지", "VA")], [("세련", "NNG"), ("되", "XSV")]]),
    (["사이즈", "크기", "핏", "기장"],
     [[("작", "VA")], [("크", "VA")], [("안", "MAG"), ("맞", "VV")], [("애매", "XR"), ("하", "XSA")]],
     [[("딱", "MAG"), ("맞", "VV")], [("적당", "XR"), ("하", "XSA")], [("정", "NNG"), ("사이즈", "NNG")], [("넉넉", "XR"), ("하", "XSA")]]),
    (["앱", "어플", "사이트", "홈페이지", "결제창"],
     [[("느리", "VA")], [("불편", "XR"), ("하", "XSA")], [("자꾸", "MAG"), ("튕기", "VV")], [("복잡", "XR"), ("하", "XSA")],
      [("먹통", "NNG"), ("이", "VCP")]],
     [[("편하", "VA")], [("편리", "XR"), ("하", "XSA")], [("빠르", "VA")], [("깔끔", "XR"), ("하", "XSA")], [("직관", "NNG"), ("적", "XSN"), ("이", "VCP")]]),
    (["결제", "쿠폰", "할인", "적립금", "포인트"],
     [[("안", "MAG"), ("되", "VV")], [("불편", "XR"), ("하", "XSA")], [("복잡", "XR"), ("하", "XSA")], [("짜", "VA")]],
     [[("간편", "XR"), ("하", "XSA")], [("편하", "VA")], [("넉넉", "XR"), ("하", "XSA")], [("쏠쏠", "XR"), ("하", "XSA")]]),
    (["소음", "소리"],
     [[("크", "VA")], [("시끄럽", "VA")], [("거슬리", "VV")], [("심하", "VA")]],
     [[("작", "VA")], [("조용", "XR"), ("하", "XSA")], [("없", "VA")]]),
    (["냄새"],
     [[("심하", "VA")], [("나", "VV")], [("역하", "VA")], [("독하", "VA")]],
     [[("없", "VA")], [("좋", "VA")], [("안", "MAG"), ("나", "VV")]]),
    (["배터리"],
     [[("빨리", "MAG"), ("닳", "VV")], [("금방", "MAG"), ("닳", "VV")], [("약하", "VA")]],
     [[("오래", "MAG"), ("가", "VV")], [("넉넉", "XR"), ("하", "XSA")], [("좋", "VA")]]),
    (["화면", "화질", "음질", "성능", "기능", "감도", "그립감", "착용감", "사용감", "클릭감", "휠", "버튼", "센서", "인식"],
     [[("별로", "MAG"), ("이", "VCP")], [("나쁘", "VA")], [("떨어지", "VV")], [("불편", "XR"), ("하", "XSA")], [("이상", "NNG"), ("하", "XSA")],
      [("뻑뻑", "XR"), ("하", "XSA")], [("안", "MAG"), ("되", "VV")], [("약하", "VA")]],
     [[("좋", "VA")], [("훌륭", "XR"), ("하", "XSA")], [("뛰어나", "VA")], [("편하", "VA")], [("부드럽", "VA")], [("선명", "XR"), ("하", "XSA")],
      [("만족", "NNG"), ("스럽", "XSA")], [("쫀쫀", "XR"), ("하", "XSA")]]),
    (["맛", "향"],
     [[("없", "VA")], [("별로", "MAG"), ("이", "VCP")], [("이상", "NNG"), ("하", "XSA")], [("싱겁", "VA")]],
     [[("좋", "VA")], [("있", "VA")], [("진하", "VA")], [("훌륭", "XR"), ("하", "XSA")]]),
    (["재고", "옵션", "주문"],
     [[("엉망", "NNG"), ("이", "VCP")], [("복잡", "XR"), ("하", "XSA")], [("안", "MAG"), ("되", "VV")]],
     [[("간편", "XR"), ("하", "XSA")], [("쉽", "VA")], [("넉넉", "XR"), ("하", "XSA")]]),
]

PRODUCTS = ["마우스", "키보드", "티셔츠", "운동화", "가방", "이어폰", "청소기", "화장품", "커피", "의자", "충전기",
            "케이스", "노트북", "셔츠", "바지", "원피스", "선풍기", "텀블러", "냄비", "샴푸", "모니터", "헤드셋",
            "과자", "로션", "패딩", "모자", "시계", "스피커", "이불", "베개", "물티슈", "간식", "영양제"]
ADVS = [[], [], [("너무", "MAG")], [("정말", "MAG")], [("진짜", "MAG")], [("좀", "MAG")], [("많이", "MAG")],
        [("생각보다", "MAG")], [("엄청", "MAG")], [("완전", "MAG")]]
PARTICLE = {"JKS": ("이", "가"), "JX": ("은", "는"), "JX2": ("도", "도")}
ENDINGS = [[("어요", "EF")], [("네요", "EF")], [("습니다", "EF")], [("다", "EF")], [("어", "EF")], [("더라고요", "EF")],
           [("었", "EP"), ("어요", "EF")], [("었", "EP"), ("습니다", "EF")], [("었", "EP"), ("네요", "EF")]]
CONNECT = [("고", "EC"), ("어서", "EC")]
POS_TAILS = ["다음에 또 살게요", "추천합니다", "재구매 의사 있어요", "잘 쓸게요", "ㅎㅎ", "감사합니다", "대만족입니다", "!!"]
NEG_TAILS = ["다시는 안 사요", "환불하고 싶네요", "실망이에요", "ㅠㅠ", "비추합니다", "짜증나네요", "후회됩니다", "..."]
NEUTRAL = [
    "{p} 주문했습니다", "{p} 두 개 구매했어요", "어제 {p} 받았습니다", "{a} 문의드립니다", "{a} 언제 되나요?",
    "{a} 확인 부탁드립니다", "{a} 변경 가능한가요?", "{a} 관련해서 여쭤볼게 있어요", "아직 사용 전이라 잘 모르겠어요",
    "{p} 색상은 검정으로 했어요", "선물용으로 샀어요", "{a}은 보통이에요", "그냥 무난해요", "{a} 조회가 어디서 되나요?",
    "주말에 주문해서 월요일에 받았어요", "{p} 사용 후기 남깁니다", "회사에서 쓰려고 샀습니다", "{a} 일정 알려주세요",
]


def _has_batchim(word: str) -> bool:
    ch = word[-1]
    return "가" <= ch <= "힣" and (ord(ch) - 0xAC00) % 28 != 0


def _particle(noun: str, kind: str) -> tuple[str, str]:
    a, b = PARTICLE[kind]
    tag = "JX" if kind.startswith("JX") else kind
    return (a if _has_batchim(noun) else b, tag)


IRREGULAR = {"아깝", "까다롭", "번거롭", "시끄럽", "촌스럽", "싱겁", "쉽", "부드럽", "스럽", "가볍", "무겁", "어둡"}


def _fix(m: M) -> M:
    return (m[0], m[1] + "-I") if m[0] in IRREGULAR and "-" not in m[1] else m


def _clause(rng: random.Random, frame, pol: str, final: bool, kind: str | None = None):
    """morphemes and (aspect_idx range, opinion_idx range, polarity) for one clause."""
    nouns, negs, poss = frame
    noun = rng.choice(nouns)
    op = [_fix(m) for m in rng.choice(negs if pol == "neg" else poss)]
    morphs: list[M] = [(noun, "NNG"), _particle(noun, kind or rng.choice(["JKS", "JKS", "JX"]))]
    asp = (0, 1)
    morphs += rng.choice(ADVS)
    o0 = len(morphs)
    morphs += op
    opr = (o0, len(morphs))
    if final:
        morphs += rng.choice(ENDINGS)
    else:
        morphs.append(rng.choice(CONNECT))
    return morphs, asp, opr


SYNTHETIC_VERSIONS = (1, 2)


def generate(n: int, seed: int = 13, kiwi=None, version: int = 1) -> list[dict]:
    """n synthetic items: {text, label, spans: [(start, end, 'ASP'|'NEG'|'POS')]} (char offsets).

    ``version`` 1: the one- and two-clause sentences every model up to voc-fast-v1 was trained on
    (kept byte for byte, so older recipes reproduce). 2: those (over more aspect families) plus
    multi-sentence reviews with a verdict, call-centre agent notes and questions (``synth_v2``)."""
    from kiwipiepy import Kiwi

    if version not in SYNTHETIC_VERSIONS:
        raise ValueError(f"synthetic version must be one of {SYNTHETIC_VERSIONS}, not {version!r}")
    kiwi = kiwi or Kiwi(num_workers=1)
    if version == 2:
        from voc_pipeline.models.synth_v2 import generate_v2

        return generate_v2(n, seed, kiwi)
    return list(_generate_v1(n, random.Random(seed), kiwi, ASPECT_FRAMES))


def _generate_v1(n: int, rng: random.Random, kiwi, frames) -> Iterator[dict]:
    made = 0
    while made < n:
        item = _sentence_item(rng, kiwi, frames)
        if item is not None:
            made += 1
            yield item


def _sentence_item(rng: random.Random, kiwi, frames) -> dict | None:
    """One version-1 item: a neutral template (15 %) or one or two clauses; None when Kiwi cannot join."""
    r = rng.random()
    if r < 0.15:
        tmpl = rng.choice(NEUTRAL)
        frame = rng.choice(frames)
        text = tmpl.format(p=rng.choice(PRODUCTS), a=rng.choice(frame[0]))
        return {"text": text, "label": "neu", "spans": []}
    pol = rng.choice(["neg", "pos"])
    n_clauses = 1 if r < 0.6 else 2
    morphs: list[M] = []
    spans: list[tuple[int, int, str]] = []  # morpheme index ranges
    prefix = ""
    if rng.random() < 0.3:
        prod = rng.choice(PRODUCTS)
        prefix = rng.choice(["{p} 샀는데 ", "주문한 {p}인데 ", "{p} 받았는데 ", "이번에 산 {p} "]).format(p=prod)
    mixed = n_clauses == 2 and rng.random() < 0.25
    label = pol
    for c in range(n_clauses):
        cpol = pol
        if mixed and c == 0:
            cpol = "pos" if pol == "neg" else "neg"
        frame = rng.choice(frames)
        kind = "JX2" if c == 1 and not mixed and rng.random() < 0.5 else None
        cm, asp, opr = _clause(rng, frame, cpol, final=c == n_clauses - 1, kind=kind)
        if mixed and c == 0:
            cm[-1] = ("는데", "EC") if cm[-1][1] == "EC" else cm[-1]
        base = len(morphs)
        morphs += cm
        spans.append((base + asp[0], base + asp[1], "ASP"))
        spans.append((base + opr[0], base + opr[1], "NEG" if cpol == "neg" else "POS"))
    try:
        text, pos = kiwi.join(morphs, return_positions=True)
    except Exception:  # pragma: no cover - odd combinations
        return None
    text = prefix + text
    char_spans = [(len(prefix) + pos[s][0], len(prefix) + pos[e - 1][1], t) for s, e, t in spans]
    if rng.random() < 0.3:
        tail = rng.choice(NEG_TAILS if label == "neg" else POS_TAILS)
        text = text + (" " if not tail.startswith(("!", ".")) else "") + tail
    if mixed:
        label = "neg" if pol == "neg" else "pos"  # the final clause carries the verdict ("...는데 X")
    return {"text": text, "label": label, "spans": char_spans}


def spans_to_bio(n_morph: int, starts: list[int], ends: list[int], spans: list[tuple[int, int, str]]) -> list[str]:
    """Char spans -> BIO over morphemes (a morpheme overlapping a span belongs to it)."""
    labels = ["O"] * n_morph
    for s, e, t in spans:
        idx = [k for k in range(n_morph) if starts[k] < e and ends[k] > s]
        for j, k in enumerate(idx):
            labels[k] = ("B-" if j == 0 else "I-") + t
    return labels
