"""Mask personal data (PIPA) in record text and pseudonymise customer keys.

Rule-based recognizers, one per :data:`~voc_pipeline.config.PiiType`, find candidate spans in the
raw text; overlapping candidates are resolved by type priority, then length; each kept span is
replaced by a Korean placeholder token (``[전화번호]`` ...). Nothing outside a kept span changes,
and placeholders contain no digits or name-like syllables, so masking is idempotent.

Customer keys are replaced by HMAC-SHA256(secret, normalised key); the secret comes from the
environment (config ``privacy.secret_env``), never from a file. See docs/privacy.md for the rules,
the measured recall/precision and what is knowingly not covered.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from voc_pipeline.config import ALL_PII_TYPES
from voc_pipeline.errors import ConfigError, MissingSecretError

__all__ = ["PLACEHOLDERS", "MaskResult", "Masker", "Span", "find_pii", "secret_from_env"]

#: placeholder token per PII type
PLACEHOLDERS: dict[str, str] = {
    "phone": "[전화번호]",
    "rrn": "[주민번호]",
    "foreigner_id": "[외국인번호]",
    "business_no": "[사업자번호]",
    "card": "[카드번호]",
    "account": "[계좌번호]",
    "email": "[이메일]",
    "passport": "[여권번호]",
    "driver_license": "[운전면허]",
    "address": "[주소]",
    "name": "[이름]",
}

#: lower wins when candidate spans overlap (then the longer span wins)
_PRIORITY = {
    "email": 0, "rrn": 1, "foreigner_id": 1, "card": 2, "business_no": 3, "driver_license": 4,
    "phone": 5, "passport": 6, "account": 7, "address": 8, "name": 9,
}


@dataclass(frozen=True)
class Span:
    """One masked span: ``start``/``end`` index the input text, ``out_start``/``out_end`` the output."""

    start: int
    end: int
    type: str
    out_start: int = 0
    out_end: int = 0


@dataclass(frozen=True)
class MaskResult:
    text: str
    pii_types: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)


# --- shared pieces ---------------------------------------------------------------------------

_NB = r"(?<![0-9A-Za-z])(?<![0-9][-.])"   # not glued to a preceding digit/letter/number run
_NA = r"(?![0-9A-Za-z])(?![-.][0-9])"     # not followed by a digit/letter/number run
_SEP = r"(?:\s?[-.)ㅡ–—]\s?|\s)?"  # 010-1234-5678, 010.1234.5678, 010 1234 5678, 010)1234-5678, 010ㅡ...

#: number labels that are not personal data: a context keyword does not reach across them
_NEGATIVE_LABELS = re.compile(
    r"주문\s?번호|주문|송장|운송장|택배\s?번호|등기\s?번호|접수\s?번호|예약\s?번호|쿠폰|모델|제품\s?번호|"
    r"상품\s?번호|상품\s?코드|시리얼|일련\s?번호|승인\s?번호|거래\s?번호|결제\s?번호|주문\s?코드|티켓|"
    r"회원\s?번호|영수증|가격|금액|원\b"
)


def _context_before(text: str, start: int, keywords: re.Pattern[str], window: int = 24) -> bool:
    """A keyword within ``window`` chars before ``start`` with no other number label in between."""
    left = text[max(0, start - window):start]
    last = None
    for m in keywords.finditer(left):
        last = m
    if last is None:
        return False
    between = left[last.end():]
    return not _NEGATIVE_LABELS.search(between) and not re.search(r"\d{3,}", between)


def _context_after(text: str, end: int, keywords: re.Pattern[str], window: int = 10) -> bool:
    right = text[end:end + window]
    m = keywords.search(right)
    return bool(m) and not re.search(r"\d", right[:m.start()])


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number]
    if len(digits) < 12:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def rrn_checksum_ok(d13: str) -> bool:
    """Pre-2020 RRN checksum (also accepts the foreigner-number variant)."""
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    s = sum(int(a) * w for a, w in zip(d13[:12], weights, strict=True))
    last = int(d13[12])
    return last in ((11 - s % 11) % 10, (13 - s % 11) % 10)


def business_checksum_ok(d10: str) -> bool:
    weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
    n = [int(c) for c in d10]
    s = sum(a * w for a, w in zip(n[:9], weights, strict=True)) + (n[8] * 5) // 10
    return (10 - s % 10) % 10 == n[9]


# --- recognizers: each yields (start, end, type) ---------------------------------------------

_MOBILE = r"01[016789]" + _SEP + r"[\d*]{3,4}" + _SEP + r"[\d*]{4}"
_INTL = r"\+\s?82[-.\s]?(?:\(0\)\s?)?0?(?:1[016789]|2|[3-6][1-5]|70)" + _SEP + r"\d{3,4}" + _SEP + r"\d{4}"
_LANDLINE = r"(?:02|0[3-6][1-5]|070|050[2-8]?)" + _SEP + r"\d{3,4}" + _SEP + r"\d{4}"
_LANDLINE_PAREN = r"\((?:02|0[3-6][1-5]|070)\)\s?\d{3,4}" + _SEP + r"\d{4}"
_PHONE_RE = re.compile(_NB + r"(?:" + "|".join([_INTL, _MOBILE, _LANDLINE, _LANDLINE_PAREN]) + r")" + _NA)


def _find_phone(text: str) -> Iterable[tuple[int, int, str]]:
    for m in _PHONE_RE.finditer(text):
        if _digits(m.group()).startswith(("82",)) or "+" in m.group() or len(_digits(m.group())) >= 9 \
                or "*" in m.group():
            yield m.start(), m.end(), "phone"


_RRN_RE = re.compile(
    r"(?<![0-9])(?<![0-9][-.])(\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))"
    r"(\s?[-–]\s?|\s)?([0-9])([\d*]{6})(?![0-9])(?![-.][0-9])"
)
_RRN_CONTEXT = re.compile(r"주민|외국인|등록\s?번호|생년월일|주번")


def _find_rrn(text: str) -> Iterable[tuple[int, int, str]]:
    for m in _RRN_RE.finditer(text):
        birth, sep, g, rest = m.groups()
        if g not in "12345678":
            continue
        kind = "foreigner_id" if g in "5678" else "rrn"
        if "*" in rest:
            if sep and rest[0] in "0123456789*":
                yield m.start(), m.end(), kind
            continue
        # separated (900101-1234567): the shape is enough, post-2020 numbers have no checksum;
        # glued 13 digits: the pre-2020 checksum or a 주민/외국인 keyword before it
        if sep or rrn_checksum_ok(birth + g + rest) or _context_before(text, m.start(), _RRN_CONTEXT):
            yield m.start(), m.end(), kind


_CARD_GROUPED = (
    r"\d{4}(?P<s1>[-\s])[\d*]{4}(?P=s1)[\d*]{4}(?P=s1)\d{4}(?:(?P=s1)\d{3})?"   # 16 / 19
    r"|3\d{3}(?P<s2>[-\s])\d{6}(?P=s2)\d{4,5}"                               # amex 15 / diners 14
)
_CARD_RE = re.compile(_NB + r"(?:(?P<g>" + _CARD_GROUPED + r")|(?P<u>\d{14,19})|(?P<st>\d{4}[\d*]{8}\d{4}))" + _NA)
_CARD_CONTEXT = re.compile(r"카드|card|신용|체크|법인\s?카드|결제\s?수단", re.IGNORECASE)


def _find_card(text: str) -> Iterable[tuple[int, int, str]]:
    for m in _CARD_RE.finditer(text):
        raw = m.group()
        if "*" in raw:
            yield m.start(), m.end(), "card"
            continue
        d = _digits(raw)
        context = _context_before(text, m.start(), _CARD_CONTEXT, window=20)
        if context or (luhn_ok(d) and (m.group("g") or d[0] in "345689")):
            yield m.start(), m.end(), "card"


_BIZ_RE = re.compile(_NB + r"(?:(\d{3})-(\d{2})-(\d{5})|(\d{3}) (\d{2}) (\d{5})|(\d{10}))" + _NA)
_BIZ_CONTEXT = re.compile(r"사업자|등록\s?번호|법인\s?번호|사업장")


def _find_business(text: str) -> Iterable[tuple[int, int, str]]:
    for m in _BIZ_RE.finditer(text):
        d = _digits(m.group())
        ok = business_checksum_ok(d)
        context = _context_before(text, m.start(), _BIZ_CONTEXT)
        if m.group(7):  # unseparated: needs both
            if ok and context:
                yield m.start(), m.end(), "business_no"
        elif ok or context:
            yield m.start(), m.end(), "business_no"


_REGIONS = "서울|부산|경기|강원|충북|충남|전북|전남|경북|경남|제주|대구|인천|광주|대전|울산"
_DL_RE = re.compile(
    _NB + r"(?:(?P<num>(?:1[1-9]|2[0-8])[-\s]\d{2}[-\s]\d{6}[-\s]\d{2})"
    r"|(?P<reg>(?:" + _REGIONS + r")\s?\d{2}[-\s]?\d{6}[-\s]?\d{2})"
    r"|(?P<bare>(?:1[1-9]|2[0-8])\d{10}))" + _NA
)
_DL_CONTEXT = re.compile(r"면허")


def _find_license(text: str) -> Iterable[tuple[int, int, str]]:
    for m in _DL_RE.finditer(text):
        if m.group("bare") and not _context_before(text, m.start(), _DL_CONTEXT, window=20):
            continue
        yield m.start(), m.end(), "driver_license"


_PASSPORT_RE = re.compile(r"(?<![0-9A-Za-z])([A-Za-z])(\d{8}|\d{3}[A-Za-z]\d{4})(?![0-9A-Za-z])")
_PASSPORT_CONTEXT = re.compile(r"여권|passport", re.IGNORECASE)


def _find_passport(text: str) -> Iterable[tuple[int, int, str]]:
    for m in _PASSPORT_RE.finditer(text):
        letter, rest = m.groups()
        context = _context_before(text, m.start(), _PASSPORT_CONTEXT, window=30)
        if context or (letter in "MS" and (rest.isdigit() or rest[3].isupper())):
            yield m.start(), m.end(), "passport"


_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![A-Za-z0-9])"
)


def _find_email(text: str) -> Iterable[tuple[int, int, str]]:
    for m in _EMAIL_RE.finditer(text):
        yield m.start(), m.end(), "email"


_BANKS = (
    r"은행|뱅크|계좌|통장|예금주|입금|송금|이체|환불\s?받을|국민|KB|신한|우리|하나|농협|NH|기업|IBK|SC제일|제일|씨티|"
    r"카카오|케이뱅크|토스|새마을|신협|우체국|수협|산업|부산|대구|경남|광주|전북|제주|저축"
)
_ACCOUNT_CONTEXT = re.compile(_BANKS, re.IGNORECASE)
_ACCOUNT_AFTER = re.compile(r"은행|뱅크|계좌|통장|예금주|\(?(?:국민|신한|우리|하나|농협|기업|카카오|토스)\)?")
_ACCOUNT_RE = re.compile(_NB + r"(\d{2,6}(?:[-\s]\d{1,8}){1,4}|\d{10,14})" + _NA)


def _find_account(text: str) -> Iterable[tuple[int, int, str]]:
    for m in _ACCOUNT_RE.finditer(text):
        raw = m.group()
        n = len(_digits(raw))
        if not 10 <= n <= 14:
            # a space-joined run may have swallowed a neighbour: retry on the dashed core only
            if " " in raw:
                core = re.match(r"\d{2,6}(?:-\d{2,8}){1,4}", raw)
                if core and 10 <= len(_digits(core.group())) <= 14:
                    raw = core.group()
                    n = len(_digits(raw))
                else:
                    continue
            else:
                continue
        end = m.start() + len(raw)
        if _context_before(text, m.start(), _ACCOUNT_CONTEXT, window=24) or _context_after(
                text, end, _ACCOUNT_AFTER):
            yield m.start(), end, "account"


# addresses
_SIDO = (
    r"서울특별시|서울시|서울|부산광역시|부산시|부산|대구광역시|대구시|대구|인천광역시|인천시|인천|광주광역시|광주시|"
    r"광주|대전광역시|대전시|대전|울산광역시|울산시|울산|세종특별자치시|세종시|세종|경기도|경기|강원특별자치도|강원도|"
    r"강원|충청북도|충북|충청남도|충남|전북특별자치도|전라북도|전북|전라남도|전남|경상북도|경북|경상남도|경남|"
    r"제주특별자치도|제주도|제주"
)
_SGG = r"[가-힣]{1,5}(?:시|군|구)"
_EMD = r"[가-힣]{1,5}\d{0,2}(?:읍|면|동|리|가)(?:\s?\d{1,2}가)?"
_ROAD = r"[가-힣]{1,10}\d{0,3}(?:번)?(?:로|길)(?:\s?\d{1,4}(?:번)?(?:길|가길))?"
_BLD = r"\d{1,5}(?:-\d{1,4})?(?:번지)?"
_BLDNAME = (
    r"(?:[가-힣A-Za-z0-9]{1,12}(?:아파트|빌라|오피스텔|타워|맨션|빌딩|하이츠|단지)|[가-힣A-Za-z0-9]{0,12}(?:캐슬|자이|"
    r"래미안|푸르지오|힐스테이트|e편한세상|아이파크|더샵|주공\d{0,2}단지))"
)
_UNIT = r"(?:\d{1,4}동\s?\d{1,5}호|\d{1,4}-\d{1,5}호|\d{1,5}호|\d{1,3}층)"
_WORD = r"[가-힣A-Za-z0-9]{1,8}"
_TAIL = (
    r"(?:[,\s]{0,2}(?:" + _BLDNAME + r"\s?)?" + _UNIT + r"|[,\s]{0,2}" + _BLDNAME + r"(?:\s?" + _UNIT + r")?"
    r"|[,\s]{0,2}" + _WORD + r"(?:\s" + _WORD + r")?\s" + _UNIT + r")?"
)
_PAREN = r"(?:\s?\([가-힣A-Za-z0-9,\s]{1,20}\))?"
_ADDR_RE = re.compile(
    r"(?<![가-힣])(?:"
    # 도로명 / 지번 with a 시·군·구 (optionally a 시·도 and 읍·면·동 before the road)
    r"(?:(?:" + _SIDO + r")\s?)?(?:" + _SGG + r"\s?){1,2}(?:" + _EMD + r"\s?)?(?:" + _ROAD + r"\s?" + _BLD
    + r"|(?:" + _EMD + r"\s?)?" + _BLD + r")"
    + r"|(?:" + _SIDO + r")\s?" + _ROAD + r"\s?" + _BLD                              # 세종시 한누리대로 2130
    + r"|" + _EMD + r"\s?\d{1,5}(?:-\d{1,4})?번지"                                     # 역삼동 823-1번지
    + r")" + _PAREN + _TAIL + r"(?![0-9])"
    + r"|(?<![가-힣0-9])(?:" + _BLDNAME + r"\s?)?\d{1,4}동\s?\d{1,5}호(?![0-9])"        # 101동 1203호
)
_ADDR_CONTEXT_RE = re.compile(
    r"(?:주소지?|배송지|배송\s?주소|거주지|사는\s?곳|자택|집)\s?(?:는|은|가|를|:|：|이|를)?\s?(?:\s?바뀐\s?곳은?\s?)?"
    r"(" + r"(?:" + _EMD + r"\s?)?" + _ROAD + r"\s?" + _BLD + _PAREN + _TAIL + r")(?![0-9])"
)


def _find_address(text: str) -> Iterable[tuple[int, int, str]]:
    for m in _ADDR_RE.finditer(text):
        yield m.start(), m.end(), "address"
    for m in _ADDR_CONTEXT_RE.finditer(text):
        yield m.start(1), m.end(1), "address"


# names
_SURNAMES_2 = "남궁|황보|제갈|선우|독고|사공|서문|동방"
_SURNAMES_1 = (
    "김이박최정강조윤장임한오서신권황안송전홍유고문양손배백허남심노하곽성차주우구민류나진지엄채원천방공현함변염"
    "여추도소석선설마길연위표명기반라왕금옥육인맹제모탁국어은편용예경봉"
)
_GIVEN = (
    "가각간갑강건걸겸경계고곤관광교구국군권규균근금기길나난남낭내녕노늘다단달담대덕도돈동두득라란람랑래량려력"
    "련렬령례로록룡루류륜률름리린림립만매명모목무묵문미민바박반방배백범법벽병보복봉부분비빈빛사산삼상새샘서석선"
    "설섭성세소솔송수숙순술숭슬승시식신실심아안애야양언엄여연열염엽영예오옥온완왕요용우욱운웅원월위유육윤율융은"
    "을음응의이익인일임자잔장재전정제조종주준중지직진찬창채천철청초춘충치칠탁태택표필하학한해행향혁현형혜호홍화"
    "환황회효후훈휘희흠"
)
_NAME_CORE = r"(?:" + _SURNAMES_2 + r"|[" + _SURNAMES_1 + r"])[" + _GIVEN + r"]{1,2}"
_HONORIFIC_GLUED = r"님|씨|고객님|고객|회원님|회원"
#: what may follow an honorific: a non-Hangul char or a particle (not 고객센터, 씨앗, 회원가입 ...)
_AFTER_HONORIFIC = (
    r"(?=[^가-힣]|$|께서|께|님|들|이|가|은|는|을|를|의|에게|도|만|과|와|이랑|랑|한테|요|입니다|이십니다|이세요|이신|"
    r"으로|로|분|한테서)"
)
_HONORIFIC_SPACED = (
    r"님|씨|고객님|고객|회원님|회원|상담사|상담원|상담사님|매니저|매니저님|기사님|기사|과장님|과장|대리님|대리|팀장님|팀장|"
    r"주임님|주임|선생님|사원|실장님|실장|부장님|부장|차장님|차장|원장님|점장님|점장|담당자|님께|귀하|선생|사장님|대표님"
)
_NAME_HON_RE = re.compile(
    r"(?<![가-힣])(" + _NAME_CORE + r")(?:" + _HONORIFIC_GLUED + r"|\s(?:" + _HONORIFIC_SPACED + r"))"
    + _AFTER_HONORIFIC
)
_NAME_LABEL_RE = re.compile(
    r"(?:고객\s?명|고객\s?성함|성함|성명|이름|예금주|수령인|수령자|받는\s?분|받는\s?사람|보내는\s?분|주문자\s?명?|신청인|"
    r"계약자|피보험자|보호자|명의자|임차인|임대인|가입자\s?명?|작성자|담당자|상담사|상담원|실명)\s?(?:은|는|이|가|:|：|-|=)?\s?"
    r"(?:\()?(" + _NAME_CORE + r")(?=[^가-힣]|$|님|씨|이고|이며|이에요|입니다|"
    r"이구요|인데|으로|로|이요|요|이랑|과|와|이가|가|은|는|을|를|의|고객|회원)"
)
_NAME_SELF_RE = re.compile(
    r"(?:제\s?이름은|저는|본인은|전)\s?(" + _NAME_CORE + r")(?=입니다|이에요|예요|이라고|라고|인데요)"
)
_NOT_NAME_WORDS = """우리 우수 신규 기존 부모 사장 기사 차장 주임 원장 소장 국장 반장 조장 이사 박사 전무 하나 주인 사모 공주 왕자 천사
    선배 마음 임금 도련 정회원 정회 이용자 구매자 신청자 소비자 주문자 사용자 문의자 전문가 전문 배송 설치 방문 배달 전화
    여자 남자 선임 한국 한국인 여성 남성 장기 노인 기업 소중한 이전 구매 임산부 장애인 장애 성인 우대 우량 신용 고객
    정말 진짜 지금 이번 오늘 내일 어제 조금 정도 문의 신청 주문 사용 이용 예약 작성 안내 변경 취소 환불 교환 반품
    수리 점검 상담 연락 확인 처리 담당 전달 전체 일부 모두 모든 여러 다른 같은 이분 그분 저분 한분 두분 세분 우리집
    동생 형제 자매 가족 아이 자녀 남편 아내 부인 장모 장인 시모 시부 이모 고모 삼촌 조카 할머니 할아버지 어머니 아버지
    손자 손녀 회원 비회원 본인 당사자 대리인 택배 기사분 직원 점원 알바 매장 지점 본사 센터 팀원 관리 관리자 운영 운영자
    판매 판매자 제조 유통 영업 영업사원 상품 제품 주문자님 이용객 승객 방문객 여행객 관광객 신랑 신부 선수 감독 코치
    강사 교사 학생 학부모 원생 수강생 회장 부회장 총무 간사 이장 통장 반장님 경비 경비원 청소 미화 기장 승무원 조종사
    안내원 연구원 공무원 은행원 회사원 사원 대리 과장 부장 실장 팀장 본부장 지점장 점장 매니저 상담사 상담원 사무장
    배정 연결 지정 교체 부재 전환 호출 이관 정보 번호 성함 명의 유심 변경 확인 정정 오기 누락 등록 인증
    한번 한명 두명 세명 여러분 구독자 시청자 팔로워 이웃 문의자님"""
#: common words that look like surname + given name before an honorific (고객님, 기사님 ...)
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())


def _find_name(text: str) -> Iterable[tuple[int, int, str]]:
    for rx in (_NAME_HON_RE, _NAME_LABEL_RE, _NAME_SELF_RE):
        for m in rx.finditer(text):
            word = m.group(1)
            if word in _NOT_NAMES:
                # a 3-syllable stop word may hide a 2-syllable name prefix only when glued; skip
                continue
            yield m.start(1), m.end(1), "name"


_RECOGNIZERS = {
    "email": _find_email,
    "rrn": _find_rrn,
    "foreigner_id": _find_rrn,
    "card": _find_card,
    "business_no": _find_business,
    "driver_license": _find_license,
    "phone": _find_phone,
    "passport": _find_passport,
    "account": _find_account,
    "address": _find_address,
    "name": _find_name,
}

# Every number-shaped recognizer's pattern needs a digit (``\d``) and e-mail needs an "@": a text
# without one cannot match, so the scan is skipped (most review sentences hold no digit at all).
_ANY_DIGIT = re.compile(r"\d")
_NEEDS_DIGIT = frozenset({_find_rrn, _find_card, _find_business, _find_license, _find_phone, _find_passport,
                          _find_account})


def find_pii(text: str, types: Iterable[str] = ALL_PII_TYPES) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, type) spans of ``types`` in ``text``, sorted by start."""
    wanted = set(types)
    candidates: set[tuple[int, int, str]] = set()
    done: set[object] = set()
    if _ANY_DIGIT.search(text) is None:
        done |= _NEEDS_DIGIT
    if "@" not in text:
        done.add(_find_email)
    for t in wanted:
        fn = _RECOGNIZERS[t]
        if fn in done:
            continue
        done.add(fn)
        candidates.update(c for c in fn(text) if c[2] in wanted and c[1] > c[0])
    kept: list[tuple[int, int, str]] = []
    taken = bytearray(len(text))
    for s, e, t in sorted(candidates, key=lambda c: (_PRIORITY[c[2]], -(c[1] - c[0]), c[0])):
        if any(taken[s:e]):
            continue
        taken[s:e] = b"\x01" * (e - s)
        kept.append((s, e, t))
    kept.sort()
    return kept


# --- pseudonymisation ------------------------------------------------------------------------

def secret_from_env(name: str = "VOC_PIPELINE_SECRET") -> bytes:
    """The HMAC secret from environment variable ``name``; raises MissingSecretError when unset/empty."""
    value = os.environ.get(name, "")
    if not value.strip():
        raise MissingSecretError(
            f"가명처리 비밀키 환경변수 {name}가 설정되지 않았습니다 (예: export {name}=...; 파일에 저장하지 마세요)",
            f"pseudonymisation secret: environment variable {name} is not set or empty "
            f"(e.g. export {name}=...; never store it in a file)",
        )
    return value.encode("utf-8")


def normalise_key(key: object) -> str | None:
    """Canonical form of a customer key: phone-like keys -> digits with a domestic 0 prefix;
    otherwise NFKC, trimmed, inner whitespace removed, lower-cased (e-mails, member ids)."""
    if key is None:
        return None
    try:
        if pd.isna(key):  # type: ignore[arg-type]
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(key, float) and key.is_integer():  # an id read as float from a spreadsheet
        key = int(key)
    s = unicodedata.normalize("NFKC", str(key)).strip()
    if not s:
        return None
    if re.fullmatch(r"[\d\s\-.()+]+", s):
        d = _digits(s)
        if not d:
            return None
        if s.lstrip().startswith("+82") or (d.startswith("82") and len(d) in (11, 12) and d[2] in "123456789"):
            d = "0" + d[2:].lstrip("0")
        return d
    return re.sub(r"\s+", "", s).lower()


class Masker:
    """Masks the configured PII types; pseudonymises customer keys with HMAC-SHA256."""

    def __init__(self, types: Iterable[str] | None = None, secret: bytes | str | None = None) -> None:
        types = list(ALL_PII_TYPES if types is None else types)
        unknown = sorted(set(types) - set(ALL_PII_TYPES))
        if unknown:
            raise ConfigError(
                f"알 수 없는 개인정보 유형 'privacy.mask': {unknown} (가능: {', '.join(ALL_PII_TYPES)})",
                f"unknown PII type in 'privacy.mask': {unknown} (allowed: {', '.join(ALL_PII_TYPES)})",
            )
        self.types = tuple(t for t in ALL_PII_TYPES if t in types)
        if isinstance(secret, str):
            secret = secret.encode("utf-8")
        self._secret = secret

    def __repr__(self) -> str:  # never show the secret
        return f"Masker(types={list(self.types)})"

    # text ------------------------------------------------------------------------------------
    def find(self, text: str) -> list[tuple[int, int, str]]:
        return find_pii(text, self.types) if text else []

    def mask_text(self, text: str | None) -> MaskResult:
        if text is None or not isinstance(text, str) or not text:
            return MaskResult(text=text if isinstance(text, str) else "", pii_types=[], spans=[])
        found = self.find(text)
        if not found:
            return MaskResult(text=text, pii_types=[], spans=[])
        out: list[str] = []
        spans: list[Span] = []
        pos = 0
        length = 0
        for s, e, t in found:
            out.append(text[pos:s])
            length += s - pos
            token = PLACEHOLDERS[t]
            out.append(token)
            spans.append(Span(s, e, t, length, length + len(token)))
            length += len(token)
            pos = e
        out.append(text[pos:])
        return MaskResult(text="".join(out), pii_types=sorted({t for _, _, t in found}), spans=spans)

    # keys ------------------------------------------------------------------------------------
    def pseudonymise(self, key: object) -> str | None:
        norm = normalise_key(key)
        if norm is None:
            return None
        if not self._secret:
            raise MissingSecretError(
                "가명처리 비밀키 없이 고객 키를 처리할 수 없습니다", "cannot pseudonymise customer keys without a secret"
            )
        return hmac.new(self._secret, norm.encode("utf-8"), hashlib.sha256).hexdigest()

    # frames ----------------------------------------------------------------------------------
    def _mask_column(self, values: pd.Series) -> tuple[list[object], list[list[str]]]:
        texts: list[object] = []
        types: list[list[str]] = []
        for v in values.tolist():
            if isinstance(v, str) and v:
                r = self.mask_text(v)
                texts.append(r.text)
                types.append(r.pii_types)
            else:
                texts.append(v)
                types.append([])
        return texts, types

    def __call__(self, records: pd.DataFrame) -> pd.DataFrame:
        """RECORD_COLUMNS frame -> copy with ``text``/``product`` masked, ``customer_key``
        pseudonymised and a ``pii_types`` column (sorted list of types found in text/product)."""
        out = records.copy()
        n = len(out)
        row_types: list[set[str]] = [set() for _ in range(n)]
        for col in ("text", "product"):
            if col in out.columns:
                texts, types = self._mask_column(out[col])
                if n:
                    out[col] = pd.Series(texts, index=out.index)
                for acc, ts in zip(row_types, types, strict=True):
                    acc.update(ts)
        if "customer_key" in out.columns:
            keys = [self.pseudonymise(k) for k in out["customer_key"].tolist()]
            if n:
                out["customer_key"] = pd.Series(keys, index=out.index)
        out["pii_types"] = pd.Series([sorted(t) for t in row_types], index=out.index, dtype=object)
        return out

    def mask_quarantine(self, quarantine: pd.DataFrame) -> pd.DataFrame:
        out = quarantine.copy()
        if "excerpt" in out.columns and len(out):
            texts, _ = self._mask_column(out["excerpt"])
            out["excerpt"] = pd.Series(texts, index=out.index)
        return out
