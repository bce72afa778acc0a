"""document/identify.py: identify() answers every input with an Identity or NotAReport.

NotAReport is identify's documented way of saying no; any other exception
would drop the document from the crawl with a traceback instead of a
reason in rejected_documents. Inputs are built from the words identify
looks for (titles, years, agencies, metadata fields, the national format's
sentences) mixed with arbitrary text, so that examples reach its deep
branches, not only its first refusal.
"""

import datetime

from hypothesis import event, given
from hypothesis import strategies as st

from document.identify import Identity, NotAReport, identify

FRAGMENTS = [
    "政府信息公开工作年度报告",
    "政务公开年度报告",
    "信息公开年报",
    "年度报告",
    "年报",
    "工作报告",
    "2021",
    "2021年",
    "2020年度",
    "20 21年",
    "1999年",
    "2099年",
    "２０２１",
    "年",
    "度",
    "济宁市",
    "汶上县",
    "次邱镇",
    "人民政府",
    "人民",
    "办事处",
    "公共资源交易服务中心",
    "中国·济宁",
    "济南",
    "关于",
    "的",
    "通知",
    "解读",
    "指南",
    "暂无年报",
    "暂无数据",
    "法治政府",
    "预算",
    "政府工作报告",
    "总结",
    "本报告由",
    "本年度报告是根据《条例》要求，由",
    "按照",
    "编制",
    "负责编制",
    "请与",
    "联系",
    "《中华人民共和国政府信息公开条例》",
    "本报告",
    "（以下简称“条例”）",
    "(简称x)",
    "主动公开",
    "依申请公开",
    "政府信息公开",
    "行政复议",
    "行政诉讼",
    "存在的主要问题",
    "条例",
    "信息公开工作",
    "统计期限",
    "自2021年1月1日起至2021年12月31日止",
    "至2021年12月31日",
    "统计时间",
    "202111日",
    "附件：",
    "附件1：",
    ".pdf",
    ".doc",
    "_济宁市人民政府",
    "|",
    "｜",
    "_",
    "一、总体情况",
    "（一）",
    "1、",
    "发布时间:",
    "索引号",
    "\t",
    "\n",
    " ",
    "。",
    "，",
    "、",
    "：",
    "《",
    "》",
    "（",
    "）",
]
META_KEYS = [
    "ArticleTitle",
    "标题",
    "名称",
    "html_title",
    "h1",
    "SiteName",
    "ContentSource",
    "发布机构",
    "组配分类",
    "索引号",
    "成文日期",
    "发布日期",
    "PubDate",
    "pubdate",
    "ReportYear",
    "RegistryAgency",
    "RegistryRegion",
    "articletitle",
    " 发布机构： ",
    "other",
]
META_VALUES = [
    "11370800750852907J/2026-00299",
    "11370830004335465W",
    "113708120042347000/2023-1",
    "91370000MA3C00000X",
    "2026-01-28",
    "2022/3/1",
    "2021",
    "²",
    "٢٠٢١",
    "9999",
    "0",
    "山东省/济宁市/汶上县",
    "山东省",
    "信息公开年报",
]

words = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4))
phrases = st.lists(words, max_size=12).map("".join)
long_texts = st.lists(words, max_size=80).map("".join)
meta_values = st.one_of(
    st.sampled_from(META_VALUES), phrases, st.none(), st.integers(), st.lists(st.text(max_size=3)), st.text(max_size=6)
)
page_meta = st.one_of(
    st.none(),
    # Each field the spider may fill, present or not, with a value of any shape.
    st.fixed_dictionaries({}, optional={key: meta_values for key in META_KEYS}),
    st.dictionaries(st.text(max_size=5), meta_values, max_size=4),
)
maybe = lambda strategy: st.one_of(st.none(), strategy)  # noqa: E731

# Report-shaped inputs, each part possibly garbled, so that most examples
# get past the first refusals and through year, agency and region.
AGENCIES = [
    "济宁市城市管理局",
    "汶上县次邱镇人民政府",
    "次邱镇",
    "济南公共资源交易中心",
    "市公共资源交易中心",
    "郭仓镇人民政府",
    "山东省人民",
    "县人民政府办公室",
    "嘉祥县财政局",
    "X",
]
agencies = st.one_of(st.sampled_from(AGENCIES), phrases)
years = st.one_of(st.integers(1990, 2110).map(str), st.sampled_from(["20 21", "２０２１", "", "19"]))
titles = st.tuples(
    st.sampled_from(["", "关于", "中国·", "附件1："]),
    agencies,
    years,
    st.sampled_from(["年", "年度", ""]),
    st.sampled_from(["政府信息公开工作年度报告", "政务公开年度报告", "信息公开年报", "年度报告"]),
    st.sampled_from(["", ".pdf", "_济宁市人民政府", "的解读", "（更正）"]),
    phrases,
).map("".join)


@st.composite
def report_texts(draw):
    agency, year = draw(agencies), draw(years)
    lines = [
        draw(st.one_of(titles, phrases)),
        f"本报告由{agency}按照《中华人民共和国政府信息公开条例》（以下简称《条例》）要求编制。",
        f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。如对本报告有疑问，请与{draw(agencies)}联系。",
        "一、总体情况",
        "（一）主动公开 依申请公开 政府信息公开 行政复议 行政诉讼 存在的主要问题 信息公开工作",
    ]
    lines = draw(st.permutations(lines)) if draw(st.booleans()) else lines
    noise = draw(st.lists(st.tuples(st.integers(0, len(lines)), phrases), max_size=4))
    for position, junk in noise:
        lines.insert(position, junk)
    return "\n".join(lines)


@given(
    page_title=maybe(st.one_of(titles, phrases)),
    link_text=maybe(st.one_of(titles, phrases)),
    text=maybe(st.one_of(report_texts(), long_texts, st.text(max_size=200))),
    page_meta=page_meta,
    today=maybe(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 12, 31))),
    require_content=st.booleans(),
)
def test_identify_answers_identity_or_not_a_report(page_title, link_text, text, page_meta, today, require_content):
    try:
        found = identify(page_title, link_text, text, page_meta, today=today, require_content=require_content)
    except NotAReport as reason:
        assert str(reason)
        event("not a report: " + str(reason).split(" ")[0])
        return
    event("identified")
    assert isinstance(found, Identity)
    assert found.title and len(found.agency) >= 2
    assert 2000 <= found.year <= (today or datetime.date.today()).year
