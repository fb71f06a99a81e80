"""Mask stage: recognizers per PII type, eval targets on pii_cases.jsonl, properties, pseudonymisation."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voc_pipeline.errors import ConfigError, MissingSecretError
from voc_pipeline.schema import QUARANTINE_COLUMNS, RECORD_COLUMNS
from voc_pipeline.stages.mask import (
    PLACEHOLDERS,
    Masker,
    MaskResult,
    business_checksum_ok,
    luhn_ok,
    rrn_checksum_ok,
    secret_from_env,
)

ROOT = Path(__file__).resolve().parents[2]
SECRET = b"test-secret"


@pytest.fixture(scope="module")
def masker() -> Masker:
    return Masker(secret=SECRET)


def masked(masker: Masker, text: str) -> str:
    return masker.mask_text(text).text


# --- contract example ------------------------------------------------------------------------

def test_contract_example(masker: Masker) -> None:
    r = masker.mask_text("김민수 고객님 연락처 010-1234-5678")
    assert isinstance(r, MaskResult)
    assert r.text == "[이름] 고객님 연락처 [전화번호]"
    assert r.pii_types == ["name", "phone"]
    assert [(s.start, s.end, s.type) for s in r.spans] == [(0, 3, "name"), (12, 25, "phone")]
    assert [(s.out_start, s.out_end) for s in r.spans] == [(0, 4), (13, 19)]


# --- one test per type on real-looking text -------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("연락처 010-1234-5678 로 회신 부탁", "연락처 [전화번호] 로 회신 부탁"),
        ("연락처01012345678로 문자 주세요", "연락처[전화번호]로 문자 주세요"),
        ("010 1234 5678 번호로 전화", "[전화번호] 번호로 전화"),
        ("해외라 +82 10-2345-6789 로 연락", "해외라 [전화번호] 로 연락"),
        ("집 02-555-1234 사무실 031-789-4561", "집 [전화번호] 사무실 [전화번호]"),
        ("010.4455.6677 남겼어요", "[전화번호] 남겼어요"),
    ],
)
def test_phone(masker: Masker, text: str, expected: str) -> None:
    assert masked(masker, text) == expected


def test_company_hotlines_are_kept(masker: Masker) -> None:
    text = "고객센터 1588-1234 는 계속 통화중, 1577-8899 도 ARS만"
    assert masked(masker, text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("주민번호 850315-1149137 불러드렸어요", "주민번호 [주민번호] 불러드렸어요"),
        ("2021년 발급 210405-3012345 (체크섬 없음)", "2021년 발급 [주민번호] (체크섬 없음)"),
        ("7809111381441 이거 제 번호", "[주민번호] 이거 제 번호"),            # glued, valid checksum
        ("주민 7705052345678 등록", "주민 [주민번호] 등록"),                   # glued, keyword
        ("서류에 900101-1****** 로 적혀", "서류에 [주민번호] 로 적혀"),
        ("외국인등록번호 880512-5332496 개설", "외국인등록번호 [외국인번호] 개설"),
        ("ARC 000315-7234567", "ARC [외국인번호]"),
    ],
)
def test_rrn_and_foreigner(masker: Masker, text: str, expected: str) -> None:
    assert masked(masker, text) == expected


def test_checksums() -> None:
    assert rrn_checksum_ok("8503151149137")
    assert not rrn_checksum_ok("8503151149138")
    assert business_checksum_ok("2208162517")
    assert not business_checksum_ok("2208162518")
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("사업자번호 220-81-62517 로 발행", "사업자번호 [사업자번호] 로 발행"),
        ("거래처 123-81-04569 계산서", "거래처 [사업자번호] 계산서"),        # checksum, no keyword
        ("사업자 2118812346 으로 재발행", "사업자 [사업자번호] 으로 재발행"),
        ("주문 1234567890 건 부분 취소", "주문 1234567890 건 부분 취소"),
    ],
)
def test_business_no(masker: Masker, text: str, expected: str) -> None:
    assert masked(masker, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("카드번호 4526-0181-5908-3012 로 결제", "카드번호 [카드번호] 로 결제"),
        ("체크카드5821993518190931결제 오류", "체크카드[카드번호]결제 오류"),
        ("4786 5797 5432 3199 정지했어요", "[카드번호] 정지했어요"),
        ("아멕스 3717-603137-21599 결제", "아멕스 [카드번호] 결제"),
        ("카드 4768-42**-****-3212 취소", "카드 [카드번호] 취소"),
        ("카드번호 1234-5678-9012-3456 입력 오류", "카드번호 [카드번호] 입력 오류"),  # Luhn fails, card word
        ("거래번호 2538885393363387 조회", "거래번호 2538885393363387 조회"),      # Luhn fails, no card word
    ],
)
def test_card(masker: Masker, text: str, expected: str) -> None:
    assert masked(masker, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("환불은 국민은행 123456-01-234567 로", "환불은 국민은행 [계좌번호] 로"),
        ("110-123-456789 신한은행 계좌로", "[계좌번호] 신한은행 계좌로"),
        ("새마을금고 9002-1234-5678-9 환불", "새마을금고 [계좌번호] 환불"),
        ("입금 확인 부탁, 주문번호 20261116-0001234", "입금 확인 부탁, 주문번호 20261116-0001234"),
        ("송장번호 684512345678 조회", "송장번호 684512345678 조회"),
    ],
)
def test_account(masker: Masker, text: str, expected: str) -> None:
    assert masked(masker, text) == expected


def test_email_passport_license(masker: Masker) -> None:
    assert masked(masker, "메일 minsu.kim@naver.com으로 보내주세요") == "메일 [이메일]으로 보내주세요"
    assert masked(masker, "회사메일jpark@samsung.co.kr로") == "회사메일[이메일]로"
    assert masked(masker, "여권번호 M12345678 로 예약") == "여권번호 [여권번호] 로 예약"
    assert masked(masker, "신여권 M123A4567 정보 수정") == "신여권 [여권번호] 정보 수정"
    assert masked(masker, "면허번호 11-12-345678-90 조회") == "면허번호 [운전면허] 조회"
    assert masked(masker, "운전면허 서울 13-123456-78 인증") == "운전면허 [운전면허] 인증"
    assert masked(masker, "모델명 SM-G991N 액정") == "모델명 SM-G991N 액정"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("배송지 서울시 강남구 테헤란로 123, 101동 1203호 로 변경", "배송지 [주소] 로 변경"),
        ("경기도 성남시 분당구 판교역로 235 회사로", "[주소] 회사로"),
        ("주소지는 대구 수성구 범어동 45-12번지 입니다", "주소지는 [주소] 입니다"),
        ("역삼동 823-1번지로 잘못 배송", "[주소]로 잘못 배송"),
        ("아파트 108동 702호인데 107동에", "아파트 [주소]인데 107동에"),
        ("주소는 봉은사로63길 12 입니다", "주소는 [주소] 입니다"),
        ("서울역 근처 매장 어디 있나요", "서울역 근처 매장 어디 있나요"),
        ("택배로 2개 더 보내준다고", "택배로 2개 더 보내준다고"),
    ],
)
def test_address(masker: Masker, text: str, expected: str) -> None:
    assert masked(masker, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("홍길동님 주문 품절입니다", "[이름]님 주문 품절입니다"),
        ("이영희 씨가 대신 받으신대요", "[이름] 씨가 대신 받으신대요"),
        ("윤서연고객님 환불 완료", "[이름]고객님 환불 완료"),
        ("고객명: 정하늘, 주문 취소", "고객명: [이름], 주문 취소"),
        ("남궁민 님 택배 분실", "[이름] 님 택배 분실"),
        ("김철수 고객님께서 요청", "[이름] 고객님께서 요청"),
        ("오세훈 기사님이 바닥을 긁었어요", "[이름] 기사님이 바닥을 긁었어요"),
        ("저는 권혁수입니다", "저는 [이름]입니다"),
    ],
)
def test_name(masker: Masker, text: str, expected: str) -> None:
    assert masked(masker, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "고객님 불편을 드려 죄송합니다",
        "사장님이 너무 친절하세요",
        "배송기사님이 문 앞에 두고 가셨어요",
        "우리 고객님들 감사합니다",
        "신규 고객님 첫 구매 쿠폰",
        "부모님 선물로 샀어요",
        "마음씨 좋은 사장님",
        "정회원님 전용 할인",
        "고객센터 연결이 안돼요",
        "수령인 연락처 오기재",
    ],
)
def test_common_words_before_honorifics_are_kept(masker: Masker, text: str) -> None:
    assert masked(masker, text) == text


def test_types_filter() -> None:
    only_phone = Masker(types=["phone"], secret=SECRET)
    assert only_phone.mask_text("김민수 고객님 010-1234-5678").text == "김민수 고객님 [전화번호]"
    with pytest.raises(ConfigError):
        Masker(types=["phone", "shoe_size"], secret=SECRET)


# --- measured targets ------------------------------------------------------------------------

def _load_eval():
    spec = importlib.util.spec_from_file_location("pii_eval", ROOT / "scripts" / "pii_eval.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_eval_targets() -> None:
    pii_eval = _load_eval()
    cases = pii_eval.load_cases(ROOT / "tests" / "data" / "pii_cases.jsonl")
    assert len(cases) >= 300
    assert sum(1 for c in cases if not c["pii"]) >= 80
    report = pii_eval.evaluate(cases)
    for t in pii_eval.STRUCTURED:
        r = report["per_type"][t]
        assert r["labelled"] > 0, t
        assert r["recall"] >= 0.99, (t, r, report["misses"])
    assert report["overall_precision"] >= 0.97, report["false_positives"]


# --- properties ------------------------------------------------------------------------------

hangul = st.text(alphabet=st.sampled_from("가나다라마바사아자차카타파하고객님연락처로요은는이가 "), max_size=20)
any_text = st.text(
    alphabet=st.sampled_from("김이박민수영희 고객님씨010-1234567890 @.abc카드은행계좌주소서울시강남구로동호번지,"),
    max_size=60,
)
PROPS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(any_text)
def test_idempotent(text: str) -> None:
    m = Masker(secret=SECRET)
    once = m.mask_text(text).text
    assert m.mask_text(once).text == once


@PROPS
@given(any_text)
def test_text_outside_spans_unchanged(text: str) -> None:
    r = Masker(secret=SECRET).mask_text(text)
    pos, out = 0, 0
    for sp in r.spans:
        assert text[pos:sp.start] == r.text[out:sp.out_start]
        assert r.text[sp.out_start:sp.out_end] == PLACEHOLDERS[sp.type]
        pos, out = sp.end, sp.out_end
    assert text[pos:] == r.text[out:]


@PROPS
@given(st.text(alphabet=st.sampled_from("김민수 고객님씨 카드은행계좌여권면허주민 서울시강남구 가나다 -.@abcMS０１２"), max_size=40))
def test_digit_and_at_gates_change_nothing(text: str) -> None:
    """find_pii skips number recognizers on digit-free text and e-mail without "@": the same spans
    as running every recognizer on every text."""
    from voc_pipeline.stages import mask as mask_module

    wanted = set(mask_module._RECOGNIZERS)
    ungated: set = set()
    for fn in set(mask_module._RECOGNIZERS.values()):
        ungated.update(c for c in fn(text) if c[2] in wanted and c[1] > c[0])
    gated_types = {t for _, _, t in mask_module.find_pii(text)}
    assert gated_types <= {t for _, _, t in ungated}
    if not any(ch.isdigit() for ch in text) and "@" not in text:
        assert all(t in {"address", "name"} for _, _, t in ungated)


def _luhn_complete(prefix: str) -> str:
    for d in "0123456789":
        if luhn_ok(prefix + d):
            return prefix + d
    raise AssertionError


digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
phones = st.tuples(st.sampled_from(["010", "011", "016", "019"]), st.integers(1000, 9999),
                   st.integers(0, 9999), st.sampled_from(["-", " ", "", "."])).map(
    lambda t: f"{t[0]}{t[3]}{t[1]}{t[3]}{t[2]:04d}")
cards = st.tuples(st.sampled_from("345689"), st.integers(0, 10**14 - 1), st.sampled_from(["-", " ", ""])).map(
    lambda t: (lambda n: t[2].join(n[i:i + 4] for i in range(0, 16, 4)))(_luhn_complete(f"{t[0]}{t[1]:014d}")))
rrns = st.tuples(st.integers(0, 99), st.integers(1, 12), st.integers(1, 28), st.sampled_from("12345678"),
                 st.integers(0, 999999)).map(lambda t: f"{t[0]:02d}{t[1]:02d}{t[2]:02d}-{t[3]}{t[4]:06d}")


@PROPS
@given(hangul, st.one_of(phones, cards, rrns), hangul)
def test_no_digits_survive_in_hangul(left: str, value: str, right: str) -> None:
    out = Masker(secret=SECRET).mask_text(left + value + right).text
    assert not any(c.isdigit() for c in out), (left + value + right, out)


# --- pseudonymisation ------------------------------------------------------------------------

def test_pseudonymise() -> None:
    m = Masker(secret=SECRET)
    h = m.pseudonymise("010-1234-5678")
    assert h is not None and len(h) == 64 and int(h, 16) >= 0
    assert h == m.pseudonymise("01012345678") == m.pseudonymise("010 1234 5678") == m.pseudonymise("+82 10-1234-5678")
    assert m.pseudonymise(" Minsu.Kim@Naver.com ") == m.pseudonymise("minsu.kim@naver.com")
    assert h != m.pseudonymise("010-1234-5679")
    assert h != Masker(secret=b"other").pseudonymise("010-1234-5678")
    assert m.pseudonymise(None) is None and m.pseudonymise("") is None and m.pseudonymise(float("nan")) is None
    assert "test-secret" not in repr(m)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=30), st.binary(min_size=1, max_size=16), st.binary(min_size=1, max_size=16))
def test_pseudonymise_deterministic_and_secret_dependent(key: str, s1: bytes, s2: bytes) -> None:
    a = Masker(secret=s1)
    h = a.pseudonymise(key)
    assert h == Masker(secret=s1).pseudonymise(key)
    if h is not None and s1 != s2:
        assert h != Masker(secret=s2).pseudonymise(key)


def test_secret_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOC_TEST_SECRET", "s3cret")
    assert secret_from_env("VOC_TEST_SECRET") == b"s3cret"
    monkeypatch.setenv("VOC_TEST_SECRET", "")
    with pytest.raises(MissingSecretError) as err:
        secret_from_env("VOC_TEST_SECRET")
    assert "VOC_TEST_SECRET" in err.value.ko and "VOC_TEST_SECRET" in err.value.en
    monkeypatch.delenv("VOC_TEST_SECRET")
    with pytest.raises(MissingSecretError):
        secret_from_env("VOC_TEST_SECRET")


# --- frames ----------------------------------------------------------------------------------

def _records() -> pd.DataFrame:
    rows = [
        {"record_id": "r1", "customer_key": "010-1234-5678", "product": "에어팟 (김민수 고객님 선물)",
         "text": "김민수 고객님 연락처 010-1234-5678 배송 늦어요"},
        {"record_id": "r2", "customer_key": None, "product": None, "text": "배송 빨라요 만족합니다"},
        {"record_id": "r3", "customer_key": "01012345678", "product": "케이스", "text": None},
    ]
    df = pd.DataFrame(rows)
    for c in RECORD_COLUMNS:
        if c not in df.columns:
            df[c] = None
    return df[RECORD_COLUMNS]


def test_masker_on_records() -> None:
    m = Masker(secret=SECRET)
    df = _records()
    out = m(df)
    assert list(out.columns) == [*RECORD_COLUMNS, "pii_types"]
    assert out.loc[0, "text"] == "[이름] 고객님 연락처 [전화번호] 배송 늦어요"
    assert out.loc[0, "product"] == "에어팟 ([이름] 고객님 선물)"
    assert out.loc[0, "pii_types"] == ["name", "phone"]
    assert out.loc[1, "pii_types"] == [] and out.loc[1, "text"] == "배송 빨라요 만족합니다"
    assert out.loc[2, "pii_types"] == []
    assert out.loc[0, "customer_key"] == out.loc[2, "customer_key"] == m.pseudonymise("010-1234-5678")
    assert pd.isna(out.loc[1, "customer_key"])
    assert df.loc[0, "text"].startswith("김민수")  # input untouched
    assert m(df.iloc[:0]).shape[0] == 0


def test_mask_quarantine() -> None:
    q = pd.DataFrame([{"source": "s", "source_file": "f.csv", "source_row": 3, "reason_code": "bad_date",
                       "reason": "x", "excerpt": "홍길동님 010-9876-5432"}])[QUARANTINE_COLUMNS]
    out = Masker(secret=SECRET).mask_quarantine(q)
    assert out.loc[0, "excerpt"] == "[이름]님 [전화번호]"
    assert list(out.columns) == QUARANTINE_COLUMNS
