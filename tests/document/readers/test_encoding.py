"""Charset claims are checked against the bytes (GBK, UTF-8, lies)."""

import pytest

from document.readers.encoding import decode_html, detect_encoding, looks_like_mojibake

TEXT = "<html><head>{meta}</head><body><p>嘉祥县财政局2023年政府信息公开工作年度报告</p></body></html>"


def page(encoding, meta=""):
    return TEXT.format(meta=meta).encode(encoding)


@pytest.mark.parametrize(
    "body, header, expected",
    [
        (page("gbk", '<meta charset="gbk">'), "text/html; charset=GBK", "gb18030"),
        (page("gbk"), "text/html; charset=utf-8", "gb18030"),  # header lies
        (page("utf-8", '<meta charset="utf-8">'), "text/html; charset=gbk", "utf-8"),  # header lies
        (page("gb2312", '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'), None, "gb18030"),
        (page("utf-8"), None, "utf-8"),
        ("\ufeff".encode("utf-8") + page("utf-8"), "text/html; charset=gbk", "utf-8"),
    ],
)
def test_detect_encoding(body, header, expected):
    assert detect_encoding(body, header) == expected
    text, _ = decode_html(body, header)
    assert "嘉祥县财政局2023年政府信息公开工作年度报告" in text


def test_gb18030_only_characters_survive():
    # 䶮 is outside GB2312 and GBK; a page labelled gb2312 may still carry it.
    body = ("<html><head><meta charset=gb2312></head><body>䶮" + "嘉祥县" * 20 + "</body></html>").encode("gb18030")
    text, encoding = decode_html(body, "text/html; charset=gb2312")
    assert encoding == "gb18030" and "䶮" in text


def test_mojibake_is_recognised():
    text = "济宁市公共资源交易服务中心2021年政府信息公开工作年度报告" * 3
    assert not looks_like_mojibake(text)
    assert looks_like_mojibake(text.encode("utf-8").decode("latin-1"))
    assert looks_like_mojibake("锟斤拷" + text)
    assert looks_like_mojibake(text.encode("utf-8").decode("gbk", errors="replace"))
