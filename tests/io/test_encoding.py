import codecs

import pytest

from voc_pipeline.errors import UnreadableInputError
from voc_pipeline.io.encoding import decode_line, detect_bytes, detect_encoding

KO = "접수번호,문의내용\n1,배송이 늦어요\n2,환불해 주세요\n"


@pytest.mark.parametrize(
    ("data", "encoding", "policy"),
    [
        (codecs.BOM_UTF8 + KO.encode(), "utf-8", "bom"),
        (KO.encode("utf-8"), "utf-8", "utf-8"),
        (KO.encode("cp949"), "cp949", "cp949"),
        ("번호,내용\n1,똠방각하 햏\n".encode("cp949"), "cp949", "cp949"),  # cp949-only Hangul
        (b"id,text\n1,hello\n", "utf-8", "utf-8"),
        (codecs.BOM_UTF16_LE + KO.encode("utf-16-le"), "utf-16", "bom"),
    ],
)
def test_detect(data, encoding, policy):
    guess = detect_bytes(data)
    assert (guess.encoding, guess.policy) == (encoding, policy)


def test_short_cp949_not_misread_as_big5():
    guess = detect_bytes("만족\n".encode("cp949"))
    assert guess.encoding == "cp949"


def test_cp949_bytes_that_are_also_utf8_read_as_utf8_unless_named(tmp_path):
    """Known limit of detection (strict UTF-8 is tried first): a cp949 file whose only Hangul are
    syllables like 푿 (C7 AD, also UTF-8 for ǭ) reads as UTF-8. One Korean header or a few words
    of real text settle it; ``encoding: cp949`` in the source always does."""
    data = "id,text\r\nr0,푿\r\n".encode("cp949")
    assert detect_bytes(data).encoding == "utf-8"
    assert detect_bytes("번호,text\r\nr0,푿\r\n".encode("cp949")).encoding == "cp949"
    p = tmp_path / "x.csv"
    p.write_bytes(data)
    assert detect_encoding(p, explicit="cp949").encoding == "cp949"


def test_line_vote_keeps_encoding_with_a_bad_line():
    good = "".join(f"{i},배송 문의 {i}번\n" for i in range(20)).encode("cp949")
    guess = detect_bytes(good + b"21,\xff\xfe\xfa broken\n")
    assert guess.encoding == "cp949" and guess.policy == "line_vote"


def test_binary_is_unreadable():
    with pytest.raises(UnreadableInputError):
        detect_bytes(bytes(range(256)) * 10, name="x.csv")


def test_explicit_overrides(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(KO.encode("cp949"))
    assert detect_encoding(p, "euc-kr").encoding == "cp949"
    assert detect_encoding(p, "euc-kr").policy == "explicit"
    with pytest.raises(UnreadableInputError):
        detect_encoding(p, "no-such-codec")


def test_decode_line_reports_failure():
    assert decode_line("가".encode(), "utf-8") == ("가", True)
    text, ok = decode_line(b"\xff\xfe", "utf-8")
    assert not ok and "\ufffd" in text
