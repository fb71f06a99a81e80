"""Synthetic commerce text, version 2: what shop reviews and call-centre notes look like as a whole.

Version 1 (``synth.py``) writes one or two clauses about 17 aspect families. Real reviews run to
several sentences and end on a verdict that decides them ("디자인은 예뻐요. 근데 이틀 만에 고리가
부러졌어요. 다시는 안 살 거예요."); mixed reviews with a lukewarm verdict are neutral; agents write
third-person notes in noun endings ("배송 지연 건으로 항의. 보상 요구."); questions are neutral even
when they mention a problem. Version 2 adds these, and aspect families for using a product
(세척, 조립, 무게, 촉감, 내구성, ...). Every piece is hand-written here from domain knowledge; none
comes from an evaluation or dev set. Clauses are still joined by Kiwi, so spans are exact.

Item shares: 33 % version-1 sentences (over all families), 41 % multi-sentence reviews, 12 % agent
notes, 14 % neutral questions and facts (about 28 % neutral labels in all, as many as in shop reviews).
"""

from __future__ import annotations

import random

from voc_pipeline.models.synth import ASPECT_FRAMES, NEUTRAL, PRODUCTS, M, _clause, _sentence_item

XSA = "XSA"


def _x(root: str) -> list[M]:
    """An XR root + 하다 (꼼꼼 -> 꼼꼼하다)."""
    return [(root, "XR"), ("하", XSA)]


USE_FRAMES: list[tuple[list[str], list[list[M]], list[list[M]]]] = [
    (["세척", "청소", "세탁", "관리", "손질"],
     [_x("불편"), [("번거롭", "VA")], [("어렵", "VA")], [("힘들", "VA")]],
     [[("편하", "VA")], [("쉽", "VA")], _x("간편"), _x("간단")]),
    (["조립", "설치", "사용법", "설명서", "세팅"],
     [[("어렵", "VA")], _x("복잡"), [("헷갈리", "VV")], [("힘들", "VA")]],
     [[("쉽", "VA")], _x("간단"), [("편하", "VA")], _x("친절")]),
    (["무게", "부피"],
     [[("무겁", "VA")], [("크", "VA")], [("부담", "NNG"), ("스럽", "XSA")]],
     [[("가볍", "VA")], _x("적당"), _x("날렵")]),
    (["보온", "보냉", "온도", "보온력"],
     [[("약하", "VA")], [("안", "MAG"), ("되", "VV")], [("금방", "MAG"), ("식", "VV")]],
     [[("좋", "VA")], [("오래", "MAG"), ("가", "VV")], [("뛰어나", "VA")], [("확실", "XR"), ("하", XSA)]]),
    (["촉감", "쿠션", "착화감", "감촉", "원단"],
     [_x("까끌"), _x("딱딱"), _x("불편"), [("거칠", "VA")], _x("뻣뻣")],
     [[("부드럽", "VA")], _x("푹신"), [("편하", "VA")], _x("보들보들"), _x("포근")]),
    (["고리", "지퍼", "손잡이", "코팅", "바퀴", "단추", "다리", "연결부"],
     [[("약하", "VA")], [("부러지", "VV")], [("망가지", "VV")], [("벗겨지", "VV")], [("고장", "NNG"), ("나", "VV")],
      [("떨어지", "VV")], [("헐겁", "VA")]],
     [_x("튼튼"), _x("탄탄"), _x("짱짱"), [("견고", "XR"), ("하", XSA)]]),
    (["신선도", "상태", "과일", "고기", "채소"],
     [[("상하", "VV")], [("무르", "VV")], [("별로", "MAG"), ("이", "VCP")], [("시들", "VV")]],
     [_x("신선"), _x("싱싱"), [("좋", "VA")], [("달", "VA")]]),
    (["상세페이지", "설명", "표기", "안내"],
     [[("다르", "VA")], _x("부정확"), [("틀리", "VV")]],
     [_x("정확"), [("똑같", "VA")], _x("자세")]),
    (["구성", "양", "수량", "중량", "용량"],
     [_x("부족"), [("적", "VA")], [("모자라", "VV")]],
     [[("알차", "VA")], _x("넉넉"), [("많", "VA")], _x("푸짐")]),
    (["발열", "열"],
     [_x("심"), [("뜨겁", "VA")]],
     [[("없", "VA")], [("적", "VA")]]),
    (["흡수", "통풍", "건조", "땀흡수"],
     [[("안", "MAG"), ("되", "VV")], [("느리", "VA")], _x("답답")],
     [[("잘", "MAG"), ("되", "VV")], [("빠르", "VA")], [("좋", "VA")]]),
    (["충전", "블루투스", "와이파이", "페어링", "연동"],
     [[("안", "MAG"), ("되", "VV")], [("끊기", "VV")], [("느리", "VA")], [("자꾸", "MAG"), ("끊기", "VV")]],
     [[("빠르", "VA")], [("잘", "MAG"), ("되", "VV")], [("안정", "NNG"), ("적", "XSN"), ("이", "VCP")], [("쉽", "VA")]]),
    (["효과", "보습", "발림성", "흡수력", "세정력"],
     [[("없", "VA")], [("별로", "MAG"), ("이", "VCP")], [("약하", "VA")]],
     [[("좋", "VA")], [("있", "VA")], _x("확실"), [("뛰어나", "VA")]]),
    (["수거", "회수", "재발송", "교환처리"],
     [[("늦", "VA")], [("안", "MAG"), ("되", "VV")], [("느리", "VA")], [("엉망", "NNG"), ("이", "VCP")]],
     [[("빠르", "VA")], _x("신속"), _x("깔끔"), _x("간단")]),
]
FRAMES_V2 = ASPECT_FRAMES + USE_FRAMES

OPENERS = ["{p} 샀어요.", "{p} 주문했어요.", "선물용으로 {p} 샀는데요.", "{p} 일주일 써봤어요.",
           "세일할 때 {p} 구매했어요.", "후기 보고 {p} 샀습니다.", "{p} 받은 지 사흘 됐어요.",
           "아이 쓸 {p} 찾다가 샀어요.", "한 달 사용 후기입니다.", "{p} 색상 두 개 주문했어요."]
POS_VERDICTS = ["다음에 또 살게요.", "재구매 의사 있어요.", "진작 살 걸 그랬어요.", "강력 추천합니다!",
                "주변에도 추천했어요.", "돈이 아깝지 않아요.", "잘 산 것 같아요.", "대만족이에요.",
                "다른 색상도 주문했어요.", "벌써 두 번째 구매예요.", "완전 인생템이에요.", "별 다섯 개 드려요.",
                "정기배송 신청했어요.", "가격 대비 최고예요.", "부모님 것도 하나 더 샀어요."]
NEG_VERDICTS = ["다시는 안 살 거예요.", "돈이 아까워요.", "반품 신청했어요.", "환불 요청했습니다.", "비추합니다.",
                "실망이 커요.", "이 가격에 이건 아니죠.", "별 하나도 아까워요.", "후회하고 있어요.",
                "광고랑 너무 달라요.", "그냥 버렸어요.", "고객센터는 연락도 안 돼요.", "두 번 다시 안 시켜요.",
                "검수는 하시는 건지 모르겠네요.", "교환 요청했는데 답이 없어요."]
NEU_VERDICTS = ["반반이에요.", "그냥 무난해요.", "가격 생각하면 쏘쏘해요.", "나쁘지도 좋지도 않아요.",
                "딱 가격만큼이에요.", "좀 더 써봐야 알 것 같아요.", "장단점이 있네요.", "기대한 정도예요.",
                "평범합니다.", "그럭저럭 써요.", "추천까지는 모르겠어요.", "호불호 갈릴 것 같아요."]
CONTRAST = ["근데", "그런데", "하지만", "다만"]
CONCEDE = ["그래도", "그렇지만", "그래도 뭐"]

QUESTIONS = ["{p} 재입고 언제 되나요?", "{a} 하려면 어떻게 해야 하나요?", "{p} 세탁기 돌려도 되나요?",
             "주문 취소했는데 환불은 언제 들어오나요?", "{a} 기간이 어떻게 되나요?", "{p} 사이즈 교환 가능할까요?",
             "{p} 다른 색상도 있나요?", "{a} 신청은 어디서 하나요?", "택배 박스 없이 보내도 되나요?",
             "{p} 오늘 주문하면 언제 받을 수 있나요?", "{a} 비용은 누가 부담하나요?", "{p} 정품 맞나요?",
             "포인트 소멸 날짜 확인 가능할까요?", "{a} 접수했는데 진행 상황 알 수 있을까요?"]
FACTS = ["{p} 어제 도착했어요.", "아직 안 써봐서 모르겠어요.", "사진 첨부합니다.", "{p} 회사 동료 선물로 샀어요.",
         "{a} 일정은 문자로 받았어요.", "쿠폰 써서 샀어요.", "{p} 블랙으로 주문했습니다.", "사용 후기 남깁니다.",
         "포장 뜯기 전 사진이에요.", "{p} 두 개 중 하나는 선물했어요."]

# (aspect noun, problem nouns) for agent notes; the problem noun is the pain opinion
AGENT_PROBLEMS = [("배송", ["지연", "누락", "오배송"]), ("상품", ["파손", "불량", "하자"]), ("환불", ["지연", "누락"]),
                  ("결제", ["오류", "중복"]), ("상담", ["불친절", "지연"]), ("앱", ["오류", "먹통"]),
                  ("쿠폰", ["미적용", "오류"]), ("수거", ["지연", "누락"]), ("교환", ["지연", "거부"]),
                  ("적립금", ["누락", "소멸"]), ("설치", ["지연", "불량"])]
AGENT_NEG = ["고객 {a} {o} 건으로 항의.", "{a} {o}{ro} 불만 접수.", "{a} {o} 관련 강하게 항의함.",
             "{a} {o} 문의, 처리 늦다며 불만 표출."]
AGENT_NEG_TAIL = ["보상 요구.", "즉시 환불 요구.", "재발송 요청.", "상급자 연결 요구.", "회신 약속함.",
                  "사과 후 쿠폰 지급.", "재통화 예정."]
# (aspect, praise opinion as written) for agent notes
AGENT_PRAISE = [("배송", "빨라서"), ("교환", "빨라서"), ("상담", "친절해서"), ("환불", "신속해서"), ("설치", "깔끔해서"),
                ("수거", "빨라서"), ("응대", "친절해서"), ("처리", "빨라서")]
AGENT_POS = ["{a} {o} 만족했다고 함.", "고객이 {a} {o} 고맙다고 함.", "{a} {o} 좋았다며 칭찬 남김.",
             "{a} {o} 재구매하겠다고 함."]
AGENT_POS_TAIL = ["칭찬 접수 완료.", "감사 인사 전달.", "추가 요청 없음.", ""]
AGENT_NEU = ["{a} 문의. 절차 안내함.", "고객 {a} 변경 요청. 처리 완료.", "{a} 관련 확인 요청. 담당 부서 이관.",
             "{a} 일정 문의. 영업일 기준 2~3일 안내.", "{a} 방법 문의. 앱 메뉴 경로 안내.",
             "{a} 가능 여부 문의. 가능하다고 안내함."]
AGENT_NEU_ASPECTS = ["배송", "교환", "반품", "환불", "주문 취소", "결제 수단", "배송지", "회원 탈퇴", "영수증", "재입고"]


def _final_consonant(word: str) -> int:
    """The index of the last syllable's final consonant (0: none, 8: ㄹ)."""
    return (ord(word[-1]) - 0xAC00) % 28 if "가" <= word[-1] <= "힣" else 0


def _sentence(rng: random.Random, kiwi, frame, pol: str) -> tuple[str, list[tuple[int, int, str]]] | None:
    """One sentence of one clause (aspect + opinion + ending), as text and char spans."""
    morphs, asp, opr = _clause(rng, frame, pol, final=True)
    try:
        text, pos = kiwi.join(morphs, return_positions=True)
    except Exception:  # pragma: no cover - odd combinations
        return None
    spans = [(pos[asp[0]][0], pos[asp[1] - 1][1], "ASP"),
             (pos[opr[0]][0], pos[opr[1] - 1][1], "NEG" if pol == "neg" else "POS")]
    return text + rng.choice([".", ".", ".", "", "!" if pol == "pos" else "..."]), spans


class _Text:
    """Pieces appended left to right; spans shifted to where each piece lands."""

    def __init__(self) -> None:
        self.text = ""
        self.spans: list[tuple[int, int, str]] = []

    def add(self, piece: str, spans=(), sep: str = " ") -> None:
        if self.text and piece:
            self.text += sep
        base = len(self.text)
        self.text += piece
        self.spans += [(base + s, base + e, t) for s, e, t in spans]


def _review(rng: random.Random, kiwi) -> dict | None:
    """Two to four sentences; the verdict (or, without one, the last opinion) decides the label."""
    kind = rng.choice(["pos", "neg", "pos", "neg", "mixed_neg", "mixed_pos", "lukewarm"])
    out = _Text()
    if rng.random() < 0.35:
        out.add(rng.choice(OPENERS).format(p=rng.choice(PRODUCTS)))
    if kind in ("pos", "neg"):
        plan = [(kind, "")] * rng.choice([1, 2, 2, 3])
    elif kind == "mixed_neg":
        plan = [("pos", ""), ("neg", rng.choice(CONTRAST))] + [("neg", "")] * rng.choice([0, 1])
    elif kind == "mixed_pos":
        plan = [("neg", ""), ("pos", rng.choice(CONCEDE))] + [("pos", "")] * rng.choice([0, 1])
    else:
        first = rng.choice(["pos", "neg"])
        plan = [(first, ""), ("neg" if first == "pos" else "pos", rng.choice(CONTRAST))]
    for pol, lead in plan:
        sent = _sentence(rng, kiwi, rng.choice(FRAMES_V2), pol)
        if sent is None:
            return None
        text, spans = sent
        if lead:
            text, spans = f"{lead} {text}", [(s + len(lead) + 1, e + len(lead) + 1, t) for s, e, t in spans]
        out.add(text, spans)
    label = {"pos": "pos", "neg": "neg", "mixed_neg": "neg", "mixed_pos": "pos", "lukewarm": "neu"}[kind]
    verdicts = {"pos": POS_VERDICTS, "neg": NEG_VERDICTS, "neu": NEU_VERDICTS}[label]
    if kind == "lukewarm" or rng.random() < 0.6:
        out.add(rng.choice(verdicts))
    return {"text": out.text, "label": label, "spans": out.spans}


def _slotted(out: _Text, tmpl: str, aspect: str, opinion: str, kind: str, ro: str = "") -> None:
    """Append ``tmpl`` with its one {a} slot filled by ``aspect`` and its one {o} by ``opinion`` (a
    ``kind`` span), recording both spans; {ro} after the opinion is its 로/으로."""
    before, _, after = tmpl.partition("{a}")
    mid, _, rest = after.partition("{o}")
    out.add(before)
    for piece, label, tail in ((aspect, "ASP", mid), (opinion, kind, rest.format(ro=ro))):
        start = len(out.text)
        out.text += piece
        out.spans.append((start, start + len(piece), label))
        out.text += tail


def _agent_note(rng: random.Random) -> dict:
    """A call-centre agent's note: third person, noun endings; neutral notes carry no spans."""
    r = rng.random()
    out = _Text()
    if r < 0.45:
        aspect, problems = rng.choice(AGENT_PROBLEMS)
        problem = rng.choice(problems)
        ro = "로" if _final_consonant(problem) in (0, 8) else "으로"   # 로 after a vowel or ㄹ
        _slotted(out, rng.choice(AGENT_NEG), aspect, problem, "NEG", ro)
        out.add(rng.choice(AGENT_NEG_TAIL))
        return {"text": out.text, "label": "neg", "spans": out.spans}
    if r < 0.75:
        aspect, praise = rng.choice(AGENT_PRAISE)
        _slotted(out, rng.choice(AGENT_POS), aspect, praise, "POS")
        out.add(rng.choice(AGENT_POS_TAIL))
        return {"text": out.text, "label": "pos", "spans": out.spans}
    return {"text": rng.choice(AGENT_NEU).format(a=rng.choice(AGENT_NEU_ASPECTS)), "label": "neu", "spans": []}


def _neutral(rng: random.Random) -> dict:
    """A question or a plain fact, one or two sentences: neutral even when it names a problem."""
    frame = rng.choice(FRAMES_V2)
    fill = {"p": rng.choice(PRODUCTS), "a": rng.choice(frame[0])}
    pool = rng.choice([QUESTIONS, QUESTIONS, FACTS, NEUTRAL])
    text = rng.choice(pool).format(**fill)
    if rng.random() < 0.3:
        text = rng.choice(FACTS).format(**fill) + " " + rng.choice(QUESTIONS).format(**fill)
    return {"text": text, "label": "neu", "spans": []}


def generate_v2(n: int, seed: int, kiwi) -> list[dict]:
    rng = random.Random(seed)
    out: list[dict] = []
    while len(out) < n:
        r = rng.random()
        if r < 0.33:
            item = _sentence_item(rng, kiwi, FRAMES_V2)
        elif r < 0.74:
            item = _review(rng, kiwi)
        elif r < 0.86:
            item = _agent_note(rng)
        else:
            item = _neutral(rng)
        if item is not None and item["text"].strip():
            out.append(item)
    return out
