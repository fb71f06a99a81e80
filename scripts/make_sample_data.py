#!/usr/bin/env python3
"""Generate the sample VOC exports in data/sample/ (deterministic, seeded).

A fictional Korean online fashion/living shop, "루미앤코" (Lumi&Co), four ISO weeks of 2026
(W44..W47), four channels per week:

  complaints.csv    call-centre tickets, cp949, Korean headers
  reviews.xlsx      shop reviews with mixed star-rating formats (title row above the header in W45, W47)
  chats.jsonl       chat consultations, one line per turn (고객 / 상담사 / 챗봇)
  agent_notes.csv   front-line notes, UTF-8 with BOM

Every text is hand-written below (pools per journey stage and polarity) and combined with a seeded
RNG; all personal data is invented. The weekly story (what a trend analysis should find) is in
data/sample/README.md and is printed by this script as a per-week topic count.

    .venv/bin/python scripts/make_sample_data.py          # writes data/sample/2026-W44..W47
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
import zipfile
from collections import Counter
from pathlib import Path

from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "sample"
SEED = 20261116
KST = dt.timezone(dt.timedelta(hours=9))
WEEKS = ["2026-W44", "2026-W45", "2026-W46", "2026-W47"]

# ------------------------------------------------------------------------------------------------
# Fake people (all invented). Cards pass Luhn, RRN-like numbers have a valid check digit.
# ------------------------------------------------------------------------------------------------

PEOPLE = [
    # name, phone, member id, email, address (road + number is the identifying core), bank account
    ("김민지", "010-4827-1935", "mint_jiyeon92", "minji.kim92@naver.com", "서울시 마포구 월드컵로 123 4층", "국민은행 482701-01-193512"),
    ("박서준", "010-2291-7740", "sjpark_0412", "sj_park0412@gmail.com", "경기도 성남시 분당구 판교역로 235 101동 1203호", "신한은행 110-482-771903"),
    ("이하은", "010-9381-7264", "haeun_lee", "haeun.lee@daum.net", "부산시 해운대구 센텀중앙로 97 2502호", "카카오뱅크 3333-05-7264811"),
    ("최유나", "010-5573-0418", "yuna_choi_s2", "yunachoi88@hanmail.net", "인천시 연수구 송도과학로 16 B동 804호", "우리은행 1002-873-554102"),
    ("정도윤", "010-7718-3352", "doyoon_j", "doyoon.jung@kakao.com", "대전시 유성구 대학로 291 3층", "하나은행 391-910233-52107"),
    ("강서연", "010-6604-2189", "seoyeon_kk", "seoyeon.kang@naver.com", "광주시 서구 상무중앙로 61 1102호", "농협 352-1188-2189-03"),
    ("윤지호", "010-3142-8806", "jiho_yoon77", "jihoyoon77@gmail.com", "대구시 수성구 달구벌대로 2450 705호", "기업은행 031-142880-01-012"),
    ("한예린", "010-8825-6031", "yerin_h", "yerin.han@nate.com", "서울시 송파구 올림픽로 300 38층", "토스뱅크 1000-2283-6031"),
    ("오태민", "010-2047-5519", "taemin_oh", "taemin.oh@naver.com", "경기도 고양시 일산동구 중앙로 1275 1504호", "국민은행 204701-04-551923"),
    ("서지우", "010-9912-4470", "jiwoo_seo_", "jiwoo.seo@gmail.com", "울산시 남구 삼산로 282 12층", "신한은행 110-991-244703"),
    ("문채원", "010-4460-9127", "chaewon_moon", "chaewon.m@daum.net", "수원시 영통구 광교중앙로 140 2203호", "우리은행 1002-446-091277"),
    ("배준호", "010-3389-2254", "junho_bae", "junho.bae84@hanmail.net", "제주시 노형로 407 1층", "하나은행 620-338922-54107"),
]
# The omnichannel customer (phone used as the chat/agent-note customer id and in complaints).
OMNI = PEOPLE[0]
NON_CUSTOMER_AGENTS = ["정다은", "탁민재", "황보슬", "남궁현", "유세린"]  # employees (상담원 column)


def luhn_complete(prefix: str) -> str:
    digits = [int(c) for c in prefix]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return prefix + str((10 - total % 10) % 10)


def rrn_complete(first12: str) -> str:
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    s = sum(int(c) * w for c, w in zip(first12, weights, strict=True))
    return first12 + str((11 - s % 11) % 10)


CARDS = [luhn_complete(p) for p in ("451844112345678", "536148209913572", "942003817726410", "379011452268811")]
RRNS = [rrn_complete(p) for p in ("900512234567", "850923112345", "920301245678")]


def card_fmt(num: str, style: int) -> str:
    groups = [num[i:i + 4] for i in range(0, len(num), 4)]
    return ["-".join(groups), " ".join(groups), num][style % 3]


def rrn_fmt(num: str) -> str:
    return num[:6] + "-" + num[6:]


def phone_variants(phone: str) -> list[str]:
    digits = phone.replace("-", "")
    return [phone, digits, f"{digits[:3]} {digits[3:7]} {digits[7:]}", f"{digits[:3]}.{digits[3:7]}.{digits[7:]}",
            f"+82 {digits[1:3]}-{digits[3:7]}-{digits[7:]}"]


# Every PII string written anywhere is recorded here and dumped to tests/data/sample_pii.txt.
PII_USED: set[str] = set()


def pii_snippet(rng: random.Random, person, allow_rrn=True) -> str:
    name, phone, _mid, email, address, account = person
    kind = rng.choice(["phone", "phone_glued", "email", "address", "account", "card", "name", "rrn", "phone_space"])
    if kind == "rrn" and not allow_rrn:
        kind = "phone"
    if kind == "phone":
        v = rng.choice(phone_variants(phone)[:4])
        PII_USED.add(v)
        return rng.choice([f"제 번호 {v}로 연락 주세요.", f"연락처는 {v} 입니다.", f"{v} 이쪽으로 문자 주세요"])
    if kind == "phone_glued":
        v = phone.replace("-", "")
        PII_USED.add(v)
        return rng.choice([f"연락처{v}로 전화주세요", f"회신은{v}번으로 부탁드려요", f"폰번호{v}"])
    if kind == "phone_space":
        v = phone_variants(phone)[rng.choice([2, 4])]
        PII_USED.add(v)
        return f"번호 남겨요 {v}"
    if kind == "email":
        PII_USED.add(email)
        return rng.choice([f"영수증은 {email} 으로 보내주세요", f"메일({email})로 답변 부탁드립니다", f"이메일 {email}"])
    if kind == "address":
        PII_USED.add(_addr_core(address))
        return rng.choice([f"주소 {address} 로 다시 보내주세요", f"배송지 {address} 맞는지 확인 부탁드려요",
                           f"{address}인데 주소 변경 가능한가요"])
    if kind == "account":
        bank, num = account.split(" ", 1)
        PII_USED.add(num)
        return rng.choice([f"환불은 {bank} {num} 으로 해주세요", f"{bank}{num} 예금주 본인이에요", f"계좌 {account} 입니다"])
    if kind == "card":
        num = rng.choice(CARDS)
        v = card_fmt(num, rng.randrange(3))
        PII_USED.add(v)
        return rng.choice([f"카드번호 {v} 로 결제했어요", f"결제카드 {v} 취소 확인 부탁드려요"])
    if kind == "rrn":
        v = rrn_fmt(rng.choice(RRNS))
        PII_USED.add(v)
        return rng.choice([f"본인확인 하라고 해서 주민번호 {v} 까지 불러드렸는데요", f"주민번호 {v} 말씀드렸는데 또 물어보네요"])
    # name
    PII_USED.add(name)
    return rng.choice([f"{name} 고객님이라고 하시던데 저 맞아요.", f"주문자 {name}님 으로 되어있어요", f"받는사람 {name}씨 로 되어 있어요"])


def _addr_core(address: str) -> str:
    """Road name + building number, the part that must never survive masking."""
    parts = address.split(" ")
    for i, p in enumerate(parts):
        if p.endswith(("로", "길")) and i + 1 < len(parts):
            return f"{p} {parts[i + 1]}"
    return address


# ------------------------------------------------------------------------------------------------
# Text pools: (stage, polarity) -> sentences. Customer voice; colloquial on purpose.
# ------------------------------------------------------------------------------------------------

PRODUCTS = [
    "오버핏 울 블렌드 코트", "린넨 오픈카라 셔츠", "세미와이드 데님 팬츠", "구스다운 차렵이불 Q", "호텔식 40수 수건 10장",
    "메모리폼 경추 베개", "캐시미어 머플러", "라운드 니트 가디건", "AIR LITE 러닝화", "COZY 극세사 담요",
    "Lumi Basic 반팔티 3팩", "코듀로이 와이드 팬츠", "무드등 LED 스탠드", "스톤웨어 머그컵 2P", "후드 집업 (기모)",
    "플리스 뽀글이 자켓", "면 100% 파자마 세트", "라탄 수납 바스켓", "울 혼방 롱 니트 원피스", "논슬립 욕실매트",
]

POOLS: dict[str, tuple[str, str, list[str]]] = {
    # ---- discover ----
    "ad_spam": ("discover", "pain", [
        "광고 문자가 하루에 세번씩 와요 진짜 너무해요",
        "수신거부 했는데도 광고 카톡이 계속 옵니다",
        "밤 11시에 광고 푸시 오는 건 좀 아니지 않나요",
        "광고문자 그만 보내주세요 수신거부 눌렀다구요",
        "앱 알림 다 꺼놨는데 광고 알림이 또 뜸 ㅡㅡ",
        "새벽에 광고 푸시 와서 잠 깼어요",
        "광고 메일이 스팸함에도 안 걸러지고 계속 와요",
    ]),
    "search_bad": ("discover", "pain", [
        "검색하면 엉뚱한 상품만 나와요 니트 쳤는데 양말이 나옴",
        "검색어 오타 조금만 나도 결과가 하나도 안 떠요",
        "기획전 배너 눌렀는데 상품이 다 품절이라 허탈했어요",
        "인스타 광고에 나온 가격이랑 사이트 가격이 달라요",
        "이벤트 페이지 들어가면 종료된 이벤트만 보여요",
        "블프 특가라더니 평소 가격이랑 똑같던데요",
    ]),
    "discover_praise": ("discover", "praise", [
        "인스타에서 보고 처음 주문해봤는데 생각보다 훨씬 좋네요",
        "유튜버 추천템이라 샀는데 대만족입니다",
        "블프 기획전 덕분에 싸게 잘 샀어요",
        "라이브방송에서 설명 자세히 해줘서 믿고 샀어요",
        "친구가 알려줘서 알게 된 쇼핑몰인데 이벤트가 많아서 좋아요",
        "신상 알림 받고 바로 들어왔어요 ㅎㅎ",
    ]),
    # ---- explore ----
    "app_bug": ("explore", "pain", [
        "앱이 자꾸 튕겨요 장바구니 들어가면 꺼짐",
        "로그인이 안 돼서 비밀번호 재설정만 세번 했어요",
        "어플 업데이트하고 나서 화면이 하얗게 멈춰요",
        "자동로그인이 자꾸 풀려요 매번 다시 로그인해야 됨",
        "상세페이지 로딩이 너무 느려요 사진이 안 떠요",
        "앱 먹통이라 주문을 못하고 있어요",
        "본인인증 인증번호가 안 와요",
        "찜해놓은 상품이 다 사라졌어요 위시리스트 초기화됨",
    ]),
    "info_mismatch": ("explore", "pain", [
        "상세페이지 사진이랑 실물이 너무 달라요",
        "실측 사이즈표가 없어서 고르기 힘들었어요",
        "상품설명에는 면100이라더니 폴리 섞여있네요",
        "사진은 베이지인데 받은 건 완전 누런색이에요",
        "모델 착샷이랑 기장이 너무 차이나요 설명 좀 제대로 해주세요",
        "상품 정보에 세탁방법이 안 나와 있어요",
    ]),
    "explore_praise": ("explore", "praise", [
        "앱이 깔끔하고 쓰기 편해요",
        "사이즈표가 자세해서 고르기 쉬웠어요",
        "실물사진이 많아서 좋았어요 사진 그대로 와요",
        "상세페이지에 소재 설명이 꼼꼼해서 믿음이 가요",
        "필터로 사이즈 색상 골라보기 편함",
    ]),
    # ---- order ----
    "stockout": ("order", "pain", [
        "주문하고 결제까지 했는데 이틀 뒤에 품절이라고 취소됐어요",
        "재고 있다고 떠서 샀는데 알고보니 품절이래요",
        "옵션 선택할 때 품절 표시가 안 돼 있었어요",
        "재입고 알림 신청했는데 알림 오기도 전에 또 품절",
        "주문 취소 버튼이 안 보여요 어디서 취소하나요",
        "옵션을 잘못 골라서 주문변경하려는데 방법이 없어요",
        "주문내역에 주문이 안 떠요 결제는 됐는데",
        "예약주문인 줄 모르고 샀어요 입고가 3주 뒤래요",
    ]),
    "order_praise": ("order", "praise", [
        "주문이 간편해서 좋아요",
        "재입고 알림 받고 바로 샀어요 알림 빨라서 좋음",
        "주문 취소도 버튼 하나로 바로 돼서 편했어요",
        "옵션이 다양해서 좋아요",
    ]),
    # ---- payment ----
    "payment_error": ("payment", "pain", [
        "결제가 두번 됐어요 이중결제 확인 부탁드려요",
        "카드결제 하는데 자꾸 결제 실패 떠요",
        "네이버페이로 결제하니까 적립금이 사용이 안 돼요",
        "무통장입금 했는데 입금 확인이 안 된대요",
        "결제금액이 장바구니 금액이랑 달라요",
        "포인트 쓴 게 결제할 때 반영이 안 됨",
    ]),
    "coupon_error": ("payment", "pain", [
        "앱 업데이트하고 나서 쿠폰 적용이 안 돼요",
        "쿠폰함에 쿠폰 있는데 결제화면에서 적용 불가라고 떠요",
        "쿠폰 적용 누르면 오류 나고 튕겨요",
        "신규회원 쿠폰이 안 먹혀요 계속 오류",
        "업데이트 후로 할인쿠폰이 적용이 안 되네요 어제까지 됐는데",
        "쿠폰 적용이 안 돼서 그냥 정가로 결제했어요ㅠ 차액 돌려주세요",
        "쿠폰 적용하면 결제 버튼이 비활성화 돼요",
        "쿠폰 먹통이에요 몇번을 해도 안 됨",
        "쿠폰이 적용된 줄 알았는데 결제금액 보니 할인이 빠져 있어요",
    ]),
    "payment_praise": ("payment", "praise", [
        "쿠폰 할인 받아서 진짜 싸게 샀어요",
        "적립금 쏠쏠하게 쌓여서 좋아요",
        "카카오페이 결제 한번에 돼서 편해요",
        "무이자 할부 돼서 부담없이 샀어요",
        "가격 대비 너무 괜찮아요",
    ]),
    # ---- delivery ----
    "delivery_delay": ("delivery", "pain", [
        "배송이 너무 늦어요 주문한지 일주일째인데 아직도 안 왔어요",
        "택배사 바뀐 뒤로 배송이 엄청 느려졌네요",
        "배송조회 하면 집하 상태에서 3일째 멈춰 있어요",
        "출고됐다는데 배송이 도통 움직이질 않아요",
        "주말 전에 온다더니 아직도 배송중이에요",
        "선물용이라 날짜 맞춰 샀는데 배송 지연돼서 다 망했어요",
        "배송 언제 와요? 송장번호는 나왔는데 조회가 안 돼요",
        "예전엔 이틀이면 오던 게 요즘은 일주일 걸리네요",
        "물류센터에서 며칠째 출고가 안 되고 있대요",
        "배송 늦는다고 문자 한통이라도 주셨으면 좋겠어요",
        "배송지연 때문에 결국 다른 데서 샀어요",
        "택배사에 전화해도 안 받고 쇼핑몰은 택배사 탓만 하네요",
        "한결로지스로 바뀌고 나서 배송이 너무 느려요 바로익스프레스 쓸 때가 나았어요",
        "한결로지스 배송조회 들어가면 4일째 간선상차래요",
    ]),
    "package_damage": ("delivery", "pain", [
        "박스가 다 찌그러져서 왔어요",
        "포장이 허술해서 머그컵 하나가 깨져서 왔어요",
        "비닐 포장 하나만 덜렁 와서 옷이 젖어 있었어요",
        "상자가 뜯어진 채로 왔어요 누가 열어본 줄",
        "완충재 하나도 없이 유리 제품을 보내시면 어떡해요",
        "택배박스가 젖어서 이불까지 축축해요",
        "포장 상태가 너무 엉망이에요 파손돼서 왔어요",
        "뽁뽁이라도 좀 넣어주세요 스탠드 갓이 깨졌어요",
    ]),
    "courier_rude": ("delivery", "pain", [
        "택배기사님이 문앞에 던지고 가셨어요",
        "경비실에 맡겨달라고 했는데 그냥 문앞에 두고 감",
        "배송완료라고 뜨는데 물건이 없어요 분실된 것 같아요",
        "다른 사람 물건이 왔어요 오배송이에요",
        "바뀐 택배사 기사님이 연락도 없이 다른 동에 놓고 가셨어요",
        "배송 문자랑 실제 배송지가 달라요",
    ]),
    "delivery_fast": ("delivery", "praise", [
        "배송 진짜 빨라요 어제 주문했는데 오늘 옴",
        "새벽배송으로 받아서 좋았어요",
        "배송 빠르고 기사님도 친절하셨어요",
        "주문 다음날 바로 도착했어요 굿",
        "배송이 생각보다 빨라서 깜짝 놀랐어요",
    ]),
    "package_good": ("delivery", "praise", [
        "포장이 꼼꼼하게 돼서 왔어요",
        "새로 바뀐 박스 튼튼하고 좋네요",
        "완충재 꼼꼼히 넣어주셔서 컵 하나도 안 깨졌어요",
        "포장이 깔끔해서 선물하기 좋았어요",
        "종이 완충재로 바뀌었네요 포장 너무 좋아요",
    ]),
    # ---- use ----
    "quality_bad": ("use", "pain", [
        "한번 빨았더니 보풀이 엄청 일어나요",
        "실밥이 여기저기 튀어나와 있어요 마감이 너무 별로",
        "두번 입었는데 솔기가 터졌어요 불량 아닌가요",
        "세탁하고 나니까 물빠짐이 심해서 다른 옷까지 물들었어요",
        "냄새가 너무 심해요 화학약품 냄새",
        "지퍼가 잘 안 올라가요 하자인 듯",
        "이불에서 털빠짐이 너무 심해요 온 방에 털",
        "밑창이 한달만에 떨어졌어요",
        "소재가 생각보다 너무 얇아요 비쳐요",
        "무드등 스위치가 작동을 안 해요 불량이에요",
    ]),
    "size_bad": ("use", "pain", [
        "사이즈가 너무 작아요 정사이즈라더니 한치수 작게 나옴",
        "기장이 너무 길어서 질질 끌려요",
        "어깨가 너무 좁아서 팔을 못 올리겠어요",
        "핏이 사진이랑 완전 달라요 오버핏이라더니 딱 붙어요",
        "허리가 너무 커요 사이즈 안내랑 달라요",
    ]),
    "color_bad": ("use", "pain", [
        "색상이 사진이랑 완전 달라요 실망",
        "아이보리 시켰는데 회색빛 돌아요",
        "색감이 화면이랑 너무 차이나요",
        "네이비라고 해서 샀는데 거의 검정이에요",
    ]),
    "quality_good": ("use", "praise", [
        "소재가 부드럽고 따뜻해요",
        "마감이 깔끔하고 품질이 좋아요 가격 생각하면 대박",
        "세탁해도 줄어들지 않고 보풀도 없어요",
        "이불이 가볍고 포근해서 꿀잠 잡니다",
        "수건이 두툼하고 흡수력 좋아요 호텔 수건 같아요",
        "착용감이 너무 편해요 하루종일 입어도 괜찮아요",
        "머그컵 색감이 너무 예뻐요 사진보다 실물이 나아요",
        "쿠션감이 좋아서 발이 안 아파요",
        "디자인이 심플해서 어디든 잘 어울려요",
        "퀄리티 대박이에요 백화점 제품이랑 비교해도 안 밀려요",
    ]),
    "size_good": ("use", "praise", [
        "사이즈 딱 맞고 핏이 예뻐요",
        "정사이즈로 샀는데 딱 좋아요",
        "기장이 적당해서 수선 안 해도 돼요",
        "오버핏으로 예쁘게 떨어져요",
    ]),
    # ---- support ----
    "support_wait": ("support", "pain", [
        "고객센터 전화 연결이 40분째 안 돼요",
        "상담원 연결까지 한시간 기다렸어요",
        "ARS에서 계속 대기만 하다 끊겼어요",
        "전화는 안 받고 채팅상담은 대기 인원이 50명이래요",
        "고객센터 연결이 너무 안 돼요 대기시간 실화인가요",
        "콜센터 전화하면 맨날 통화량이 많다고만 나와요",
        "1:1문의 남긴지 사흘째인데 답변이 없어요",
        "상담사 연결 누르면 챗봇만 계속 나와요",
        "콜백 해준다더니 연락이 없어요",
        "대기 20분 하고 연결됐는데 바로 끊겼어요ㅠ",
    ]),
    "support_bad": ("support", "pain", [
        "상담원이 규정이라는 말만 반복해요",
        "상담사마다 하는 말이 달라요",
        "문의했더니 택배사에 직접 물어보라고만 하네요",
        "챗봇은 같은 답변만 반복하고 아무 도움이 안 됨",
        "매장 직원이 온라인 주문은 모른다고 해요",
        "AS 맡긴지 3주째인데 수리 진행상황을 아무도 몰라요",
    ]),
    "support_good": ("support", "praise", [
        "상담원분이 친절하게 해결해주셨어요",
        "채팅상담 답변이 빨라서 좋았어요",
        "상담사님 덕분에 빨리 해결됐어요 감사합니다",
        "고객센터 응대가 정말 친절했어요",
        "AS 접수했더니 바로 처리해주셨어요",
    ]),
    # ---- refund ----
    "refund_delay": ("refund", "pain", [
        "반품 보낸지 2주 됐는데 환불이 아직 안 들어왔어요",
        "회수 요청한지 일주일인데 기사님이 안 와요",
        "교환 신청했는데 처리가 감감무소식이에요",
        "환불 처리 언제 돼요? 카드취소가 안 됐어요",
        "반품 접수했는데 수거가 안 돼서 박스가 현관에 그대로예요",
        "교환 상품 재발송이 안 되고 있어요",
    ]),
    "refund_fee": ("refund", "pain", [
        "불량인데 왕복배송비를 내라고 하네요",
        "반품비가 상품값 절반이에요 말이 되나요",
        "사이즈 교환하는데 교환비를 또 받아요",
        "부분환불 해준다더니 금액이 너무 적어요",
    ]),
    "refund_good": ("refund", "praise", [
        "환불이 바로 처리돼서 좋았어요",
        "교환 신청하고 이틀만에 새 상품 받았어요",
        "반품 회수도 빠르고 환불도 빨랐어요",
        "무료교환 해주셔서 감사해요",
    ]),
    # ---- loyalty ----
    "churn": ("loyalty", "pain", [
        "다시는 여기서 안 살 거예요",
        "이번이 마지막이에요 회원탈퇴 할게요",
        "단골이었는데 요즘 너무 실망이에요",
        "VIP 등급 혜택이 반으로 줄었네요 서운해요",
        "멤버십 혜택이 예전만 못해요",
    ]),
    "loyalty_good": ("loyalty", "praise", [
        "재구매 의사 있어요",
        "벌써 세번째 재구매예요",
        "친구한테도 추천했어요",
        "엄마 것도 하나 더 주문하려구요",
        "믿고 사는 쇼핑몰이에요 단골 할게요",
        "색깔별로 쟁여둘 예정 ㅎㅎ",
    ]),
    # ---- neutral fillers ----
    "neutral": ("", "neutral", [
        "그냥 무난해요", "가격만큼 해요", "아직 안 입어봤어요", "보통이에요",
        "선물로 드렸어요", "주문번호 보내드립니다", "문의드립니다", "확인 부탁드려요",
        "두 개 샀어요", "겨울용으로 샀어요",
    ]),
}

# topic -> short Korean label, used in README/summary (a pain-point a trend analysis should find)
STORY_TOPICS = {
    "delivery_delay": "배송 지연", "package_damage": "포장 파손", "coupon_error": "쿠폰 적용 오류",
    "support_wait": "상담 연결 대기", "package_good": "포장 칭찬", "delivery_fast": "배송 빠름(칭찬)",
    "courier_rude": "배송 기사·오배송",
}

# Per-week primary-topic weights. THE STORY:
#  W44 baseline: old packaging -> 포장 파손 common; delivery fast; 상담 대기 high.
#  W45 new packaging from 11-03 -> 파손 falls, 포장 칭찬 appears; courier change announced.
#  W46 courier switched (11-09) -> 배송 지연 rises sharply, 배송 빠름 praise disappears.
#  W47 배송 지연 peaks; app 5.2.0 (11-17) -> 쿠폰 적용 오류 NEW; 상담 대기 still high.
BASE = {
    "ad_spam": 2, "search_bad": 2, "discover_praise": 2, "app_bug": 3, "info_mismatch": 3, "explore_praise": 2,
    "stockout": 3, "order_praise": 1, "payment_error": 3, "payment_praise": 2, "courier_rude": 2,
    "quality_bad": 5, "size_bad": 4, "color_bad": 2, "quality_good": 8, "size_good": 4,
    "support_wait": 8, "support_bad": 3, "support_good": 2, "refund_delay": 4, "refund_fee": 2, "refund_good": 2,
    "churn": 1, "loyalty_good": 4,
}
WEEK_WEIGHTS = {
    "2026-W44": {**BASE, "delivery_delay": 2, "package_damage": 11, "delivery_fast": 7, "package_good": 0, "coupon_error": 0},
    "2026-W45": {**BASE, "delivery_delay": 3, "package_damage": 5, "delivery_fast": 6, "package_good": 4, "coupon_error": 0},
    "2026-W46": {**BASE, "support_wait": 12, "delivery_delay": 16, "package_damage": 1, "delivery_fast": 1, "package_good": 5,
                 "coupon_error": 0, "courier_rude": 5, "churn": 2},
    "2026-W47": {**BASE, "support_wait": 13, "delivery_delay": 22, "package_damage": 1, "delivery_fast": 0, "package_good": 5,
                 "coupon_error": 14, "courier_rude": 5, "churn": 3, "payment_error": 2},
}
# Channel affinity multipliers (reviews talk about products, calls about problems)
CHANNEL_AFFINITY = {
    "complaint": {"praise": 0.08, "use": 0.6, "support": 1.3, "refund": 1.4, "payment": 1.2, "delivery": 1.2},
    "review": {"praise": 1.6, "use": 1.8, "support": 0.4, "refund": 0.6, "discover": 0.8},
    "chat": {"praise": 0.15, "use": 0.6, "support": 0.8, "refund": 1.3, "order": 1.3, "payment": 1.3},
    "agent_note": {"praise": 0.2},
}

INTERJECTIONS_NEG = ["ㅠㅠ", "ㅜㅜ", "ㅡㅡ", ";;", "...", "!!", " 하..", " 진짜 짜증나요", " 어이없네요", "ㅠ"]
INTERJECTIONS_POS = ["ㅎㅎ", "ㅋㅋㅋ", "^^", "!!", "~", " 굿굿", " 최고", " 👍", " 😊", " ♡"]
EMOJI = {" 👍", " 😊"}
MISSPELL = [("안 돼요", "안되요"), ("됐", "됬"), ("너무", "넘"), ("진짜", "진심"), ("어떡해요", "어떻해요"),
            ("왜", "왜케"), ("괜찮", "갠찮"), ("좋아요", "조아요"), ("빨라요", "빨라욤")]


def noisy(rng: random.Random, text: str, polarity: str, allow_emoji: bool) -> str:
    if rng.random() < 0.25:
        a, b = rng.choice(MISSPELL)
        text = text.replace(a, b, 1)
    if rng.random() < 0.2 and len(text) < 40:
        text = text.replace(" ", "")  # 띄어쓰기 없음
    if rng.random() < 0.45:
        pool = INTERJECTIONS_POS if polarity == "praise" else INTERJECTIONS_NEG
        choice = rng.choice(pool)
        if choice in EMOJI and not allow_emoji:
            choice = "^^"
        text += choice
    elif rng.random() < 0.6:
        text += rng.choice([".", "", "요", "!"]) if not text.endswith("요") else rng.choice([".", "", "!"])
    return text


# ------------------------------------------------------------------------------------------------
# Hand-written anchor records: fixed ids, unambiguous, checked by tests/data/sample_expectations.yaml
# ------------------------------------------------------------------------------------------------

ANCHORS = {
    "2026-W44": {
        "complaint": [dict(id="C261027-0901", at="2026.10.27 10:14", name="박서준", phone="010-2291-7740",
                           product="스톤웨어 머그컵 2P", type="배송/파손",
                           text="박스가 다 찌그러져서 왔고 안에 머그컵 하나가 깨져 있었어요. 포장이 너무 허술합니다.")],
        "review": [dict(id="R44100901", at=dt.datetime(2026, 10, 29, 21, 3), product="호텔식 40수 수건 10장", stars="5",
                        member="haeun_lee", text="배송 진짜 빨라요 어제 주문했는데 오늘 왔어요. 수건도 두툼하고 좋아요")],
    },
    "2026-W45": {
        "review": [dict(id="R45100901", at="2026-11-04", product="라운드 니트 가디건", stars="★★★★★", member="yerin_h",
                        text="포장이 꼼꼼하게 되어 와서 좋았어요. 니트도 부드럽고 따뜻해요"),
                   dict(id="R45100902", at="2026-11-06", product="린넨 오픈카라 셔츠", stars="5점", member="taemin_oh",
                        text="색상이 사진이랑 완전 달라요. 실망이에요")],
        "complaint": [dict(id="C261105-0901", at="2026.11.05 15:40", name="최유나", phone="010-5573-0418",
                           product="세미와이드 데님 팬츠", type="반품/환불",
                           text="반품 보낸 지 2주 됐는데 환불이 아직도 안 들어왔어요. 언제 환불되는지 알려주세요.")],
    },
    "2026-W46": {
        "review": [dict(id="R46100901", at=dt.datetime(2026, 11, 12, 8, 30), product="오버핏 울 블렌드 코트", stars="2",
                        member="jiho_yoon77", text="배송이 너무 늦어요. 주문하고 일주일 넘게 걸렸어요 택배사 바뀐 뒤로 엉망이네요"),
                   dict(id="R46100902", at=dt.datetime(2026, 11, 13, 19, 2), product="세미와이드 데님 팬츠", stars="★★★★★",
                        member="sjpark_0412", text="사이즈 딱 맞고 핏이 예뻐요. 재구매 의사 있어요!")],
        "complaint": [dict(id="C261110-0901", at="2026.11.10 09:05", name=OMNI[0], phone=OMNI[1],
                           product="오버핏 울 블렌드 코트", type="교환",
                           text=f"{OMNI[0]} 고객님 코트 사이즈 교환 문의. 택배 교환 대신 가까운 매장에서 무료 교환 가능하다고 안내드림. "
                                "고객 동의, 강남점 방문 예정."),
                      dict(id="C261111-0901", at="2026.11.11 13:27", name="서지우", phone="010-9912-4470",
                           product="캐시미어 머플러", type="상품/재고",
                           text="주문하고 결제까지 했는데 이틀 뒤에 품절이라고 취소됐어요. 재고 관리 좀 제대로 해주세요.")],
    },
    "2026-W47": {
        "complaint": [dict(id="C261117-0901", at="2026.11.17 11:52", name="문채원", phone="010-4460-9127",
                           product="후드 집업 (기모)", type="결제/쿠폰",
                           text="앱 업데이트하고 나서 쿠폰 적용이 안 돼요. 결제 화면에서 계속 오류가 나요."),
                      dict(id="C261118-0901", at="2026.11.18 16:33", name="배준호", phone="010-3389-2254",
                           product="AIR LITE 러닝화", type="상담",
                           text="고객센터 전화 연결이 40분째 안 돼요. 대기시간이 너무 길어요.")],
        "review": [dict(id="R47100901", at="2026-11-19 10:11", product="면 100% 파자마 세트", stars="3", member="chaewon_moon",
                        text="그냥 무난해요. 가격만큼 해요."),
                   dict(id="R47100902", at="2026-11-20 22:40", product="COZY 극세사 담요", stars="1점", member="mint_jiyeon92",
                        text="광고 문자 수신거부 했는데 하루에 세 번씩 와요. 제품은 아직 안 써봤어요.")],
    },
}

# The omnichannel story: call (W46, C261110-0901) -> store visit fails -> chat (W47) -> agent note (W47)
OMNI_CHAT = dict(id="CH-20261116-0901", start=dt.datetime(2026, 11, 16, 10, 2, tzinfo=KST), customer=OMNI[1], turns=[
    ("챗봇", "안녕하세요 루미앤코 챗봇입니다 :) 무엇을 도와드릴까요?"),
    ("고객", "상담원 연결해주세요"),
    ("상담사", "안녕하세요 고객님, 루미앤코 상담사입니다. 무엇을 도와드릴까요?"),
    ("고객", "지난주에 고객센터에서 매장 가면 무료로 교환해준다고 했는데 매장에서는 그런 내용 모른대요."),
    ("고객", "주말에 일부러 강남점까지 갔다가 그냥 돌아왔어요. 너무 화나요"),
    ("상담사", "불편을 드려 정말 죄송합니다. 상담 이력 확인해보겠습니다. 좋은 하루 되세요 고객님."),
    ("상담사", "확인해 보니 매장에 교환 요청이 전달되지 않았습니다. 택배 무료 교환으로 바로 접수해드리겠습니다."),
    ("고객", "처음부터 제대로 안내해주셨으면 좋았잖아요. 택배 회수는 언제 와요?"),
])
OMNI_NOTE = dict(id="N2647-0901", at="2026-11-16 10:31", agent="정다은", customer=OMNI[1],
                 text="고객이 매장 교환 약속 받았다고 하는데 매장 확인 불가. 11/10 통화 이력에 매장 무료교환 안내 있음. "
                      "매장 전달 누락으로 보임, 택배 무료교환으로 대체 접수.")
OMNI_REVIEW = dict(id="R47100903", at="2026-11-21 09:15", product="오버핏 울 블렌드 코트", stars="★★☆☆☆", member="mint_jiyeon92",
                   text="코트는 예쁜데 교환 때문에 매장까지 헛걸음했어요. 고객센터랑 매장이 서로 말이 안 통해요")

# Agent-note templates per topic (front-line voice)
NOTE_POOL = {
    "delivery_delay": ["신규 택배사 집하 지연 문의 급증, 고객 불만 강함", "한결로지스 전환 후 배송 지연 문의 하루 20건 이상", "배송지연 건 택배사 확인 요청했으나 회신 없음",
                       "고객 배송 지연으로 주문 취소 요청, 취소 처리함", "송장 조회 불가 문의 다수, 택배사 시스템 연동 문제 추정"],
    "package_damage": ["머그컵 파손 접수, 사진 받고 재발송 처리", "이불 박스 젖어서 도착, 고객 교환 원함"],
    "package_good": ["새 포장 박스 이후 파손 문의 눈에 띄게 줄었음", "고객이 종이 완충재로 바뀐 거 좋다고 칭찬함"],
    "coupon_error": ["5.2.0 업데이트 후 쿠폰 적용 오류 문의 다수, 개발팀 전달", "쿠폰 오류로 정가 결제한 고객 차액 적립금 보상 요청",
                     "쿠폰함에는 보이는데 결제단계 적용 불가 현상 재현됨"],
    "support_wait": ["오전 통화 대기 평균 30분 이상, 인력 부족", "콜백 약속 건 누락 항의 받음", "채팅 대기 인원 과다로 상담 종료 불만"],
    "refund_delay": ["반품 회수 지연 문의, 회수기사 배정 안 됨", "환불 지연 항의, 검수 대기 중으로 안내"],
    "quality_bad": ["니트 보풀 불량 접수 3건째 동일 로트 의심", "러닝화 밑창 분리 불량 접수"],
    "support_bad": ["매장에서 온라인 주문 건 교환 거절했다는 민원", "상담사별 반품비 안내가 달랐다는 항의"],
    "size_bad": ["데님 사이즈표 실측과 1인치 차이 문의 반복"],
    "app_bug": ["앱 로그인 오류 문의 증가, 자동로그인 풀림 현상"],
    "stockout": ["재고 연동 오류로 결제 후 품절 취소 건 발생"],
    "quality_good": ["구스 이불 재구매 고객 품질 칭찬 전달"],
    "churn": ["VIP 고객 혜택 축소 불만, 탈퇴 언급"],
}

AGENT_REPLIES = [
    "불편을 드려 정말 죄송합니다 고객님.", "확인 후 빠르게 안내드리겠습니다. 감사합니다!", "소중한 의견 감사합니다 :)",
    "네 고객님 잠시만 기다려주세요.", "주문번호 확인 부탁드립니다.", "좋은 하루 되세요 고객님~",
    "기다려주셔서 감사합니다. 택배사에 바로 확인 요청드렸습니다.", "해당 건은 담당 부서로 전달해 드렸습니다. 친절히 안내드리지 못해 죄송합니다.",
    "최선을 다해 처리하겠습니다. 만족스러운 쇼핑 되시길 바랍니다!",
]
BOT_GREETINGS = ["안녕하세요 루미앤코 챗봇입니다 :) 무엇을 도와드릴까요?",
                 "안녕하세요! 루미앤코입니다. 아래 메뉴에서 문의 유형을 선택해주세요. 1.배송 2.교환/반품 3.결제 4.상담원연결"]
COMPLAINT_TYPES = {"discover": "기타", "explore": "앱/사이트", "order": "주문/취소", "payment": "결제/쿠폰",
                   "delivery": "배송", "use": "상품/품질", "support": "상담", "refund": "교환/반품", "loyalty": "회원/멤버십"}
AGENT_TAILS = ["", "", " 고객 강한 불만 표출.", " 재통화 요청.", " 처리결과 문자 안내 예정.", " 담당부서 이관.", " 고객 양해 구함."]


def week_days(week: str) -> list[dt.date]:
    year, w = int(week[:4]), int(week[-2:])
    monday = dt.date.fromisocalendar(year, w, 1)
    return [monday + dt.timedelta(days=i) for i in range(7)]


def weighted_topic(rng: random.Random, week: str, channel: str, exclude=()) -> str:
    weights = WEEK_WEIGHTS[week]
    aff = CHANNEL_AFFINITY.get(channel, {})
    items, ws = [], []
    for topic, w in weights.items():
        if w <= 0 or topic in exclude:
            continue
        stage, pol, _ = POOLS[topic]
        m = aff.get(stage, 1.0) * (aff.get("praise", 1.0) if pol == "praise" else 1.0)
        items.append(topic)
        ws.append(w * m)
    return rng.choices(items, ws)[0]


def compose(rng: random.Random, week: str, channel: str, counter: Counter, n_topics: int | None = None,
            allow_emoji=True) -> tuple[str, list[str]]:
    n = n_topics or rng.choices([1, 2, 3], [0.5, 0.35, 0.15])[0]
    topics: list[str] = []
    for _ in range(n):
        topics.append(weighted_topic(rng, week, channel, exclude=topics))
    parts = []
    for t in topics:
        _stage, pol, sents = POOLS[t]
        parts.append(noisy(rng, rng.choice(sents), pol, allow_emoji))
        counter[(week, t)] += 1
    if rng.random() < 0.12:
        parts.append(rng.choice(POOLS["neutral"][2]))
    sep = rng.choice([" ", ". ", "\n", "  "])
    return sep.join(parts), topics


def rating_for(rng: random.Random, topics: list[str]) -> int:
    pols = [POOLS[t][1] for t in topics]
    pains, praises = pols.count("pain"), pols.count("praise")
    if rng.random() < 0.08:  # rating contradicts the text
        return 5 if pains >= praises else 2
    if pains and not praises:
        return rng.choice([1, 1, 2, 2, 3])
    if praises and not pains:
        return rng.choice([5, 5, 5, 4])
    return rng.choice([3, 3, 4, 2])


def star_fmt(rng: random.Random, stars: int) -> str | int:
    style = rng.randrange(4)
    if style == 0:
        return "★" * stars + "☆" * (5 - stars)
    if style == 1:
        return str(stars)
    if style == 2:
        return f"{stars}점"
    return stars


# ------------------------------------------------------------------------------------------------
# Writers per channel
# ------------------------------------------------------------------------------------------------

def make_complaints(rng, week, counter, n) -> tuple[list[list], dict]:
    days = week_days(week)
    rows, bad = [], Counter()
    for i in range(n):
        person = rng.choice(PEOPLE[1:])
        day = rng.choice(days[:6] if rng.random() < 0.9 else days)
        at = dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randint(0, 59)))
        text, topics = compose(rng, week, "complaint", counter, allow_emoji=False)
        if rng.random() < 0.35:
            text = rng.choice(["고객 문의: ", "[" + COMPLAINT_TYPES[POOLS[topics[0]][0]] + "] ", "고객님 말씀: ", ""]) + text
        text += rng.choice(AGENT_TAILS)
        if rng.random() < 0.3:
            text += " " + pii_snippet(rng, person)
        stage = POOLS[topics[0]][0]
        rows.append([f"C{at:%y%m%d}-{i + 1:04d}", f"{at:%Y.%m.%d %H:%M}", person[0], person[1],
                     rng.choice(PRODUCTS), COMPLAINT_TYPES[stage], text])
        PII_USED.update([person[0], person[1]])
    for a in ANCHORS[week].get("complaint", []):
        rows.append([a["id"], a["at"], a["name"], a["phone"], a["product"], a["type"], a["text"]])
        PII_USED.update([a["name"], a["phone"]])
    rng.shuffle(rows)
    # bad rows: empty text, unparseable date, duplicated 접수번호 (a re-exported copy of a row)
    p = PEOPLE[5]
    rows.insert(rng.randrange(len(rows)), [f"C{days[1]:%y%m%d}-0990", f"{days[1]:%Y.%m.%d} 11:02", p[0], p[1],
                                            rng.choice(PRODUCTS), "기타", "  "])
    bad["empty_text"] += 1
    bad_dates = {"2026-W44": "2026.10.32 14:20", "2026-W45": "접수일 미기재", "2026-W46": "2026.11.31 10:05",
                 "2026-W47": "11/19 오후"}
    text, _ = compose(rng, week, "complaint", counter, n_topics=1, allow_emoji=False)
    rows.insert(rng.randrange(len(rows)), [f"C{days[2]:%y%m%d}-0991", bad_dates[week], p[0], p[1],
                                            rng.choice(PRODUCTS), "기타", text])
    bad["bad_date"] += 1
    good = [r for r in rows[: len(rows) // 2] if not r[0].endswith(("-0990", "-0991"))]
    rows.insert(rng.randrange(len(rows) // 2, len(rows)), list(rng.choice(good)))  # re-exported copy
    bad["duplicate"] += 1
    PII_USED.update([p[0], p[1]])
    return rows, dict(bad)


def write_complaints(path: Path, rows: list[list]):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["접수번호", "접수일시", "고객명", "고객연락처", "상품명", "문의유형", "문의내용"])
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode("cp949"))  # raises if a character is not cp949: on purpose


def make_reviews(rng, week, counter, n) -> tuple[list[list], dict]:
    days = week_days(week)
    rows, bad = [], Counter()
    string_dates = week in ("2026-W45", "2026-W47")
    members = [p[2] for p in PEOPLE] + [f"{w}{rng.randint(10, 99)}" for w in
                                        ("sunny_day", "coco_mom", "runner_kim", "bluemoon", "gomdori", "happy_cat")]
    for _i in range(n):
        at = dt.datetime.combine(rng.choice(days), dt.time(rng.randint(7, 23), rng.randint(0, 59)))
        if rng.random() < 0.15:
            text = rng.choice(["좋아요", "별로", "굿", "그저 그래요", "최고", "배송 빠름", "재구매", "비추"]) + rng.choice(["", "!", "ㅎㅎ", "ㅠ"])
            topics = []
            stars = {"좋": 5, "별": 2, "굿": 5, "그": 3, "최": 5, "배": 4, "재": 5, "비": 1}[text[0]]
        else:
            text, topics = compose(rng, week, "review", counter)
            stars = rating_for(rng, topics)
            if rng.random() < 0.1:  # long review
                extra, t2 = compose(rng, week, "review", counter, n_topics=2)
                text = text + "\n\n" + extra + "\n" + rng.choice(["참고하세요~", "고민하시는 분들 참고하세요", "이상입니다"])
                topics += t2
        member = rng.choice(members)
        PII_USED.add(member)
        date = at.strftime(rng.choice(["%Y-%m-%d", "%Y.%m.%d %H:%M", "%Y-%m-%d %H:%M"])) if string_dates else at
        rows.append([f"R{week[-2:]}{rng.randint(100000, 899999)}", date, rng.choice(PRODUCTS), star_fmt(rng, stars), text, member])
    for a in ANCHORS[week].get("review", []) + ([OMNI_REVIEW] if week == "2026-W47" else []):
        rows.append([a["id"], a["at"], a["product"], a["stars"], a["text"], a["member"]])
        PII_USED.add(a["member"])
    rng.shuffle(rows)
    rows.insert(rng.randrange(len(rows)), [f"R{week[-2:]}999001", rows[0][1], rng.choice(PRODUCTS), "5", "", "gomdori11"])
    PII_USED.add("gomdori11")
    bad["empty_text"] += 1
    if week in ("2026-W45", "2026-W47"):
        rows.insert(rng.randrange(len(rows)), [f"R{week[-2:]}999002", rows[1][1], rng.choice(PRODUCTS), "별점없음",
                                                "배송은 빨랐어요", "bluemoon_77"])
        PII_USED.add("bluemoon_77")
        bad["bad_rating"] += 1
    return rows, dict(bad)


def write_reviews(path: Path, rows: list[list], week: str):
    wb = Workbook()
    ws = wb.active
    ws.title = "리뷰"
    days = week_days(week)
    if week in ("2026-W45", "2026-W47"):
        ws.append([f"상품 리뷰 내보내기 {days[0]:%Y-%m-%d}~{days[-1]:%d}"])
    ws.append(["리뷰ID", "작성일", "상품명", "별점", "리뷰내용", "회원ID"])
    for r in rows:
        ws.append(r)
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, dt.datetime):
                c.number_format = "yyyy-mm-dd hh:mm"
    # fixed metadata so the bytes are reproducible
    wb.properties.creator = "lumi-export"
    wb.properties.created = wb.properties.modified = dt.datetime(2026, 11, 23, 9, 0)
    buf = io.BytesIO()
    wb.save(buf)
    # rewrite the zip with fixed timestamps so the file is byte-for-byte reproducible
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>",
                              b'<dcterms:modified xsi:type="dcterms:W3CDTF">2026-11-23T09:00:00Z</dcterms:modified>', data)
            zi = zipfile.ZipInfo(info.filename, date_time=(2026, 11, 23, 9, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, data)
    path.write_bytes(out.getvalue())


def make_chats(rng, week, counter, n) -> tuple[list[dict], dict]:
    days = week_days(week)
    lines, bad = [], Counter()
    convs = []
    for i in range(n):
        person = rng.choice(PEOPLE[1:])
        start = dt.datetime.combine(rng.choice(days), dt.time(rng.randint(8, 22), rng.randint(0, 59)), tzinfo=KST)
        text, _topics = compose(rng, week, "chat", counter, n_topics=rng.choice([1, 2, 2, 3]))
        cust_msgs = [s for s in text.replace("\n", ". ").split(". ") if s.strip()]
        if rng.random() < 0.3:
            cust_msgs.append(pii_snippet(rng, person))
        if rng.random() < 0.3:
            cust_msgs.append(rng.choice(["네", "네네", "ㅇㅇ", "알겠습니다", "빨리 좀 부탁드려요", "감사합니다", "그럼 언제 되나요?"]))
        turns = [("챗봇", rng.choice(BOT_GREETINGS))]
        if rng.random() < 0.5:
            turns.append(("고객", rng.choice(["상담원 연결", "4", "상담원이랑 얘기할래요", "배송문의요"])))
            turns.append(("상담사", "안녕하세요 고객님, 루미앤코 상담사입니다. 무엇을 도와드릴까요?"))
        for m in cust_msgs:
            turns.append(("고객", m))
            if rng.random() < 0.6:
                turns.append(("상담사", rng.choice(AGENT_REPLIES)))
        if turns[-1][0] != "상담사":
            turns.append(("상담사", rng.choice(AGENT_REPLIES)))
        if len(turns) < 4:
            turns.append(("고객", rng.choice(["네 알겠어요", "빨리 좀 부탁드려요", "그럼 언제 되나요?", "네네"])))
        turns = [(sp, m.strip()) for sp, m in turns[:10]]
        convs.append((f"CH-{start:%Y%m%d}-{i + 1:04d}", start, person[1], turns))
        PII_USED.add(person[1])
    if week == "2026-W47":
        convs.append((OMNI_CHAT["id"], OMNI_CHAT["start"], OMNI_CHAT["customer"], OMNI_CHAT["turns"]))
        PII_USED.add(OMNI_CHAT["customer"])
    # bad: a conversation with only bot/agent turns (customer left before typing)
    start = dt.datetime.combine(days[3], dt.time(23, 41), tzinfo=KST)
    convs.append((f"CH-{start:%Y%m%d}-0990", start, PEOPLE[6][1], [
        ("챗봇", BOT_GREETINGS[1]), ("상담사", "안녕하세요 고객님, 루미앤코 상담사입니다. 무엇을 도와드릴까요?"),
        ("상담사", "고객님 응답이 없으셔서 상담을 종료합니다. 이용해주셔서 감사합니다 :)")]))
    PII_USED.add(PEOPLE[6][1])
    bad["no_customer_turn"] += 1
    convs.sort(key=lambda c: (c[1], c[0]))
    for cid, start, cust, turns in convs:
        t = start
        for k, (speaker, msg) in enumerate(turns, 1):
            t += dt.timedelta(seconds=rng.randint(15, 240))
            lines.append({"conversation_id": cid, "turn": k, "speaker": speaker, "message": msg,
                          "sent_at": t.isoformat(timespec="seconds"), "customer_id": cust})
    return lines, dict(bad)


def make_notes(rng, week, counter, n) -> tuple[list[list], dict]:
    days = week_days(week)
    rows, bad = [], Counter()
    topics = [t for t in NOTE_POOL]
    for i in range(n):
        # draw a note topic with the week's weights so notes follow the same story
        weights = [WEEK_WEIGHTS[week].get(t, 1) or 0.01 for t in topics]
        t = rng.choices(topics, weights)[0]
        counter[(week, "note:" + t)] += 1
        person = rng.choice(PEOPLE[1:])
        at = dt.datetime.combine(rng.choice(days[:6]), dt.time(rng.randint(9, 18), rng.randint(0, 59)))
        text = rng.choice(NOTE_POOL[t])
        if rng.random() < 0.3:
            v = rng.choice([person[1], person[1].replace("-", ""), person[3], person[0] + " 고객님"])
            PII_USED.add(v.replace(" 고객님", ""))
            text += rng.choice([f" 고객 연락처 {v} 재통화 요망", f" 회신처 {v}", f" ({v})"])
        rows.append([f"N{week[2:4]}{week[-2:]}-{i + 1:04d}", f"{at:%Y-%m-%d %H:%M}", rng.choice(NON_CUSTOMER_AGENTS),
                     person[1], text])
        PII_USED.add(person[1])
    if week == "2026-W47":
        a = OMNI_NOTE
        rows.append([a["id"], a["at"], a["agent"], a["customer"], a["text"]])
    rows.sort(key=lambda r: r[1])
    if week in ("2026-W44", "2026-W46"):
        rows.insert(rng.randrange(len(rows)), [f"N{week[2:4]}{week[-2:]}-0990", f"{days[2]:%Y-%m-%d} 12:00",
                                                NON_CUSTOMER_AGENTS[1], PEOPLE[3][1], ""])
        PII_USED.add(PEOPLE[3][1])
        bad["empty_text"] += 1
    PII_USED.update(NON_CUSTOMER_AGENTS)
    return rows, dict(bad)


def write_notes(path: Path, rows: list[list]):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["메모ID", "작성일", "상담원", "고객ID", "메모"])
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))


# ------------------------------------------------------------------------------------------------

VOLUMES = {  # generated rows per week (before anchors and bad rows)
    "2026-W44": dict(complaint=44, review=64, chat=16, note=11),
    "2026-W45": dict(complaint=46, review=70, chat=18, note=12),
    "2026-W46": dict(complaint=54, review=68, chat=21, note=15),
    "2026-W47": dict(complaint=58, review=74, chat=22, note=17),
}


def main() -> None:
    rng = random.Random(SEED)
    counter: Counter = Counter()
    summary = {}
    for week in WEEKS:
        d = OUT / week
        d.mkdir(parents=True, exist_ok=True)
        v = VOLUMES[week]
        c_rows, c_bad = make_complaints(rng, week, counter, v["complaint"])
        write_complaints(d / "complaints.csv", c_rows)
        r_rows, r_bad = make_reviews(rng, week, counter, v["review"])
        write_reviews(d / "reviews.xlsx", r_rows, week)
        ch_lines, ch_bad = make_chats(rng, week, counter, v["chat"])
        (d / "chats.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in ch_lines), encoding="utf-8")
        n_rows, n_bad = make_notes(rng, week, counter, v["note"])
        write_notes(d / "agent_notes.csv", n_rows)
        summary[week] = {
            "complaints.csv": (len(c_rows), c_bad), "reviews.xlsx": (len(r_rows), r_bad),
            "chats.jsonl": (len(ch_lines), len({x["conversation_id"] for x in ch_lines}), ch_bad),
            "agent_notes.csv": (len(n_rows), n_bad),
        }
    (ROOT / "tests" / "data").mkdir(parents=True, exist_ok=True)
    pii = sorted(PII_USED)
    (ROOT / "tests" / "data" / "sample_pii.txt").write_text("\n".join(pii) + "\n", encoding="utf-8")

    print("rows per file (data rows, bad rows by reason):")
    for week, files in summary.items():
        print(" ", week, files)
    print("\nstory topics (sentences drawn, all channels; excluding anchors):")
    print("  topic".ljust(26), *[w[-3:] for w in WEEKS])
    for t, label in STORY_TOPICS.items():
        print(f"  {label:<22}", *[f"{counter[(w, t)]:>3}" for w in WEEKS])
    print(f"\n{len(pii)} PII strings -> tests/data/sample_pii.txt")


if __name__ == "__main__":
    main()
