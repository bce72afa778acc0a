"""document/normalize.py: normalizing normalized text changes nothing.

The hash of the normalized text is a version's identity, so a text that
normalizes differently the second time would make a new version of an
unchanged report when it is re-read (or re-normalized by a later pipeline).
"""

from hypothesis import given
from hypothesis import strategies as st

from document.normalize import normalize_text

# The pieces normalization acts on, so that examples reach every rule:
# whitespace of every kind, invisible characters, full-width letters and
# digits, Word artefacts, page widgets, tabs (table cells) and line ends.
SPACES = [
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\u3000",
    "\u00a0",
    "\u2002",
    "\u202f",
    "\x0b",
    "\x0c",
    "\u2028",
    "\x85",
    "\x1c",
]
INVISIBLE = ["\u200b", "\ufeff", "\u00ad", "\u2060"]
WORDS = ["济宁", "年度报告", "主动公开", "2021", "５", "２０２４", "ＡＢ", "ａ", "x", "12", "次", "年", "月", "日"]
PUNCTUATION = ["[", "]", "【", "】", ":", "：", "，"]
MARKER_WORDS = ["bookmark", "BOOKMARK", "ｂｏｏｋｍａｒｋ", "image", "picture", "图片", "图片 "]
WIDGET_WORDS = ["打印", "关闭", "关闭窗口", "打印本页", "返回顶部", "收藏", "纠错", "打", "印"]
COUNTER_WORDS = ["浏览", "访问", "阅读", "点击", "查看", "浏览次数", "点击量", "阅读数", "访问人次"]
PIECES = (
    SPACES
    + INVISIBLE
    + WORDS
    + PUNCTUATION
    + MARKER_WORDS
    + WIDGET_WORDS
    + COUNTER_WORDS
    + [
        "分享到",
        "扫一扫在手机打开",
        "扫一扫在手机上查看当前页",
        "今天是",
        "星期一",
        "星期天",
    ]
)


def _wrap(inner):
    """Page furniture with other text, or other furniture, inside or around it."""
    return st.one_of(
        # Word artefacts: [bookmark: ...], [图片: ...]
        st.tuples(st.sampled_from(MARKER_WORDS), inner, inner).map(lambda t: f"[{t[0]}{t[1]}: {t[2]}]"),
        st.tuples(inner, st.sampled_from(MARKER_WORDS), inner).map(lambda t: f"[{t[0]}{t[1]}:{t[2]}]"),
        # Buttons: [打印], 【关闭】
        st.tuples(st.sampled_from("[【"), inner, st.sampled_from(WIDGET_WORDS), inner, st.sampled_from("]】")).map(
            "".join
        ),
        # Counters: 浏览次数：12次
        st.tuples(
            st.sampled_from(COUNTER_WORDS),
            inner,
            st.sampled_from(":："),
            inner,
            st.sampled_from(["12", "１２", "3"]),
            inner,
            st.sampled_from(["次", ""]),
        ).map("".join),
        # Dates: 今天是2024年1月2日星期一
        st.tuples(inner, st.sampled_from(["2024", "２０２４"]), inner).map(
            lambda t: f"今天是{t[0]}{t[1]}年{t[2]}1月2日"
        ),
        st.lists(inner, max_size=4).map("".join),
    )


pieces = st.one_of(st.sampled_from(PIECES), st.text(max_size=3))
texts = st.one_of(
    st.recursive(pieces, _wrap, max_leaves=12),
    st.lists(st.recursive(pieces, _wrap, max_leaves=6), max_size=8).map("".join),
    st.text(max_size=60),
)


@given(texts)
def test_normalize_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
