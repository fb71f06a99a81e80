"""Build the hostile test corpus: broken exports of every kind the issue lists, with fake PII.

    python scripts/make_hostile_corpus.py [--out tests/data/hostile] [--big]

Deterministic (no randomness, fixed xlsx timestamps): re-running it gives the same bytes except
for the xlsx zip timestamps. Everything is invented; every personal-data string that is put into a
text, a key column or a broken row is listed in ``pii.txt`` so the tests can scan every output
byte for it. ``--big`` also writes ``reviews/w47_big.csv`` (one 5 MB review, not committed: the
tests generate it into their temporary copy).

Layout (``hostile.yaml`` is the config; run from the corpus directory)::

    complaints/w47_mon.csv     cp949, undecodable bytes in one row, extra/missing fields,
                               empty text, bad date, a duplicate id within the file
    complaints/w47_tue.csv     cp949, Tuesday's export of the same week: 2 rows repeat Monday's
    complaints/w47_quotes.csv  UTF-8: an unterminated quote mid-file, text after a closing quote
    complaints/w47_bom.csv     UTF-8 with a BOM in the first header
    complaints/w47_empty.csv   0 bytes
    complaints/w47_header.csv  header only
    reviews/w47_reviews.csv    a small normal file (+ w47_big.csv with --big)
    reviews_xlsx/w47.xlsx      a summary sheet first, the data sheet '리뷰' with a title row
    chats/w47.jsonl            invalid JSON, a non-object, undecodable bytes, a bot-only chat
    unreadable/garbage.csv     binary garbage named .csv (config hostile_unreadable.yaml)
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
DEFAULT_OUT = HERE / "tests" / "data" / "hostile"

# --- fake personal data (invented; never real) -----------------------------------------------
PHONES = ["010-2291-7740", "010-3389-2254", "010 4460 9127", "01093817264", "+82 10-6604-2189"]
EMAILS = ["minjun.kim77@example.com", "seoyeon_lee@example.co.kr"]
RRN = "900101-1234568"
CARD = "4111-1111-1111-1111"
ACCOUNT = "123456-01-234567"
ADDRESS = "서울특별시 강남구 테헤란로 123"
NAMED = "김민준"      # appears with context ("고객명 김민준")
BARE_NAMES = ["박서연", "최지우", "이도윤", "정하은"]   # in unmapped 고객명 columns, no context

HEADER = "접수번호,접수일시,고객명,고객연락처,상품명,문의내용"
CONFIG = """\
# The hostile corpus (scripts/make_hostile_corpus.py). Run from this directory:
#   VOC_PIPELINE_SECRET=x voc-pipeline run --config hostile.yaml --output out
sources:
  - name: complaints
    channel: complaint
    path: complaints/*.csv
    columns: {id: 접수번호, text: 문의내용, created_at: 접수일시, customer_key: 고객연락처, product: 상품명}
  - name: reviews
    channel: review
    path: reviews/*.csv
    columns: {id: 리뷰ID, text: 리뷰내용, created_at: 작성일, rating: 별점, rating_scale: 5}
  - name: reviews_xlsx
    channel: review
    path: reviews_xlsx/*.xlsx
    sheet: 리뷰
    columns: {id: 리뷰ID, text: 리뷰내용, created_at: 작성일, rating: 별점, rating_scale: 5, customer_key: 회원ID}
  - name: chats
    channel: chat
    path: chats/*.jsonl
    columns: {text: message, created_at: sent_at, customer_key: customer_id, conversation_id: conversation_id,
              speaker: speaker, turn: turn}
    customer_speakers: [고객]
domain: commerce
period: {granularity: week, timezone: Asia/Seoul}
"""
CONFIG_UNREADABLE = """\
sources:
  - name: garbage
    channel: complaint
    path: unreadable/garbage.csv
    columns: {text: 문의내용}
domain: commerce
"""

#: rows read per file when --big is not given; the big file adds 2 rows (1 record, 1 too_long)
EXPECTED_ROWS = {
    "complaints/w47_mon.csv": 11, "complaints/w47_tue.csv": 4, "complaints/w47_quotes.csv": 5,
    "complaints/w47_bom.csv": 2, "complaints/w47_empty.csv": 0, "complaints/w47_header.csv": 0,
    "reviews/w47_reviews.csv": 3, "reviews_xlsx/w47.xlsx": 5, "chats/w47.jsonl": 11,
}


def _cp949(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("cp949")


def complaints_mon() -> bytes:
    good = [
        f"C-1001,2026.11.16 09:12,{BARE_NAMES[0]},{PHONES[0]},COZY 극세사 담요,"
        f"배송이 너무 늦어요. 연락처 {PHONES[1]} 로 전화 주세요",
        f"C-1002,2026.11.16 10:05,{BARE_NAMES[1]},{PHONES[2]},AIR LITE 러닝화,"
        f"\"사이즈가 작아요, 교환하고 싶어요. 메일 {EMAILS[0]} 로 답 주세요\"",
        f"C-1003,2026.11.16 11:40,{BARE_NAMES[2]},{PHONES[3]},무드등,환불 계좌는 국민은행 {ACCOUNT} 입니다",
        f"C-1004,2026.11.17 13:00,{BARE_NAMES[3]},{PHONES[4]},스톤웨어 접시,"
        f"\"주소 {ADDRESS} 로 다시 보내 주세요. 고객명 {NAMED}\"",
    ]
    lines = [HEADER, *good]
    data = _cp949(lines)
    # a row whose text has bytes that are not cp949 (a UTF-8 emoji pasted into a cp949 export)
    bad = (f"C-1005,2026.11.17 14:00,{BARE_NAMES[0]},{PHONES[0]},무드등,".encode("cp949")
           + "불량이에요 ".encode("cp949") + b"\xf0\x9f\x98\xa1\xff" + " 주민번호 ".encode("cp949")
           + RRN.encode() + b"\r\n")
    tail = _cp949([
        f"C-1006,2026.11.17 15:00,{BARE_NAMES[1]},{PHONES[2]},담요,너무 좋아요,추가열,또추가",   # extra fields
        f"C-1007,2026.11.17 16:00,{BARE_NAMES[0]},배송 문의 카드 {CARD}",                       # missing fields
        f"C-1008,2026.11.18 09:00,{BARE_NAMES[1]},{PHONES[1]},담요,   ",                        # empty text
        f"C-1009,2026.11.31 09:00,{BARE_NAMES[0]},{PHONES[0]},담요,날짜가 잘못된 문의 {PHONES[1]}",  # bad date
        good[0],                                                                                 # duplicate id
        "C-1010,2026.11.18 10:00,,,,쿠폰이 적용이 안 돼요,",                                     # trailing empty ok
    ])
    return data + bad + tail


def complaints_tue() -> bytes:
    mon = complaints_mon().decode("cp949", errors="replace").split("\r\n")
    return _cp949([
        HEADER,
        mon[1],          # C-1001 again: Tuesday's export overlaps Monday's
        mon[3],          # C-1003 again
        f"C-1011,2026.11.18 11:00,{BARE_NAMES[1]},{PHONES[3]},담요,결제가 두 번 됐어요 {CARD} 확인 부탁",
        f"C-1012,2026.11.18 12:00,{BARE_NAMES[0]},{PHONES[4]},러닝화,배송 기사님이 친절했어요",
    ])


def complaints_quotes() -> bytes:
    lines = [
        HEADER,
        f"Q-1,2026.11.16 09:00,{BARE_NAMES[0]},{PHONES[0]},담요,\"여러 줄\n문의 내용입니다\"",
        f"Q-2,2026.11.16 09:30,{BARE_NAMES[1]},{PHONES[1]},담요,\"닫히지 않은 따옴표 {PHONES[2]}",
        f"Q-3,2026.11.16 10:00,{BARE_NAMES[2]},{PHONES[3]},담요,\"따옴표\" 뒤에 글자 {EMAILS[1]}",
        f"Q-4,2026.11.16 11:00,{BARE_NAMES[3]},{PHONES[4]},담요,포장이 꼼꼼해요",
        f"Q-5,2026.11.16 12:00,{BARE_NAMES[3]},{PHONES[4]},담요,\"쉼표, 있는 정상 문의\"",
        f"Q-6,2026.11.16 13:00,{BARE_NAMES[3]},{PHONES[4]},담요,배송 완료 문자가 안 와요",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def complaints_bom() -> bytes:
    lines = [HEADER, f"B-1,2026-11-19 09:00,{BARE_NAMES[0]},{PHONES[0]},담요,BOM 파일의 첫 문의 {EMAILS[0]}",
             f"B-2,2026-11-19 10:00,{BARE_NAMES[1]},{PHONES[1]},담요,두 번째 문의"]
    return b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode("utf-8")


def reviews_csv() -> bytes:
    return ("리뷰ID,작성일,별점,리뷰내용\n"
            "R-1,2026-11-16,5,배송 빨라요\n"
            "R-2,2026-11-17,★★☆☆☆,품질이 별로예요\n"
            f"R-3,2026-11-18,4점,선물용으로 샀어요 {PHONES[1]} 로 연락 주세요\n").encode()


def big_review(path: Path, size: int = 5 * 1024 * 1024) -> Path:
    """One ~5 MB review (too_long) with PII straddling the excerpt cut, and one normal row."""
    head = "리뷰ID,작성일,별점,리뷰내용\n"
    prefix = "가" * 185 + f" 연락처 {PHONES[0]} 메일 {EMAILS[1]} "
    body = prefix + ("정말 긴 리뷰입니다 " * (size // 30))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + f"BIG-1,2026-11-19,1,\"{body}\"\nBIG-2,2026-11-19,5,짧은 리뷰\n", encoding="utf-8")
    return path


def reviews_xlsx(path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    summary = wb.active
    summary.title = "요약"
    summary.append(["총 리뷰", 5])
    summary.append(["담당자 연락처", PHONES[2]])
    ws = wb.create_sheet("리뷰")
    ws.append(["상품 리뷰 내보내기 2026-11-16~22"])
    ws.append([])
    ws.append(["리뷰ID", "작성일", "상품명", "별점", "리뷰내용", "회원ID"])
    ws.append(["X-1", datetime(2026, 11, 16, 9, 0), "담요", "★★★★☆", "포근하고 좋아요", EMAILS[0]])
    ws.append(["X-2", "2026.11.17 22:37", "담요", "1", f"환불해 주세요 계좌 {ACCOUNT} 로요", PHONES[0]])
    ws.append(["X-3", "2026-11-18", "담요", "5", None, PHONES[1]])                   # empty text
    ws.append(["X-4", "어제", "담요", "3", "날짜가 이상한 리뷰", PHONES[3]])             # bad date
    ws.append(["X-5", 46344.5, "담요", "별점없음", f"카드 {CARD} 로 결제했어요", PHONES[4]])  # Excel serial date
    wb.create_sheet("메모").append(["내부 메모", f"고객명 {NAMED}"])
    for sheet in wb.worksheets:
        sheet.sheet_properties.tabColor = None
    wb.properties.created = wb.properties.modified = datetime(2026, 11, 23)
    wb.save(path)


def chats_jsonl() -> bytes:
    def turn(cid, n, speaker, message, customer=PHONES[0]):
        return json.dumps({"conversation_id": cid, "turn": n, "speaker": speaker, "message": message,
                           "sent_at": f"2026-11-16T10:0{n}:00+09:00", "customer_id": customer},
                          ensure_ascii=False).encode("utf-8")

    lines = [
        turn("CH-1", 1, "고객", f"주문 취소하고 싶어요 제 번호는 {PHONES[1]} 입니다"),
        turn("CH-1", 2, "상담사", f"{NAMED} 고객님 확인해 드리겠습니다"),
        turn("CH-1", 3, "고객", "빨리 부탁드려요"),
        b'{"conversation_id": "CH-2", "turn": 1, "speaker": "\xea\xb3\xa0\xea\xb0\x9d", "message": "broken',
        b"[1, 2, 3]",
        turn("CH-3", 1, "챗봇", "안녕하세요 무엇을 도와드릴까요"),
        turn("CH-3", 2, "상담사", "고객님 계신가요?"),
        turn("CH-4", 1, "고객", "배송이 안 와요 ") [:-2] + b"\xff\xfe" + b'"}',
        turn("CH-5", 1, "고객", f"이메일 {EMAILS[1]} 로 영수증 주세요", PHONES[2]),
        turn("CH-5", 2, "챗봇", "네 알겠습니다"),
        json.dumps({"turn": 1, "speaker": "고객", "message": f"대화ID 없는 줄 {PHONES[3]}"},
                   ensure_ascii=False).encode("utf-8"),
    ]
    return b"\n".join(lines) + b"\n"


def garbage() -> bytes:
    return bytes((i * 73 + 11) % 256 for i in range(4096))


def build(out: Path = DEFAULT_OUT, big: bool = False) -> Path:
    out = Path(out)
    for sub in ("complaints", "reviews", "reviews_xlsx", "chats", "unreadable"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    files = {
        "complaints/w47_mon.csv": complaints_mon(), "complaints/w47_tue.csv": complaints_tue(),
        "complaints/w47_quotes.csv": complaints_quotes(), "complaints/w47_bom.csv": complaints_bom(),
        "complaints/w47_empty.csv": b"", "complaints/w47_header.csv": (HEADER + "\r\n").encode("cp949"),
        "reviews/w47_reviews.csv": reviews_csv(), "chats/w47.jsonl": chats_jsonl(),
        "unreadable/garbage.csv": garbage(),
        "hostile.yaml": CONFIG.encode("utf-8"), "hostile_unreadable.yaml": CONFIG_UNREADABLE.encode("utf-8"),
    }
    for rel, data in files.items():
        (out / rel).write_bytes(data)
    reviews_xlsx(out / "reviews_xlsx" / "w47.xlsx")
    pii = [*PHONES, *EMAILS, RRN, CARD, ACCOUNT, ADDRESS, NAMED, *BARE_NAMES]
    (out / "pii.txt").write_text("# every personal-data string in the hostile corpus (all invented)\n"
                                 + "\n".join(pii) + "\n", encoding="utf-8")
    if big:
        big_review(out / "reviews" / "w47_big.csv")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--big", action="store_true", help="also write the 5 MB review (not committed)")
    args = ap.parse_args()
    print(build(Path(args.out), args.big))


if __name__ == "__main__":
    main()
