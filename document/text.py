"""Text helpers shared by the crawl's link judging and the per-document work."""

import re

YEAR = r"(?:19|20)\d{2}"
ATTACHMENT_TYPES = "pdf|docx?|wps|ofd"
# " - 济宁市人民政府", "_中国·汶上": the portal's name after a page title.
SITE_SUFFIX_RE = re.compile(r"\s*[_|｜\-—–]+\s*[^_|｜\-—–]*(?:政府|门户|网站|网|中国[·•]\S+)[^_|｜\-—–]*$")


# Labels of the metadata table many disclosure CMSs print above an article
# (Hanweb, the 济南 district platform, TRS): 索引号, 发布机构, 组配分类 ...
META_LABELS = (
    "索引号",
    "发布机构",
    "组配分类",
    "主题分类",
    "体裁分类",
    "成文日期",
    "发布日期",
    "发布时间",
    "公开日期",
    "生成日期",
    "公开方式",
    "公开范围",
    "公开时限",
    "文号",
    "发文字号",
    "名称",
    "标题",
    "有效性",
    "失效日期",
)


def clean(text):
    return re.sub(r"\s+", " ", text or "").strip()


_ATTACHMENT_LABEL_RE = re.compile(
    rf"^附件\d*[:：]?\s*(?:\d+[.、．])?|\.(?:{ATTACHMENT_TYPES})$|[（(](?:{ATTACHMENT_TYPES}|word)[）)]$", re.I
)


def strip_attachment_label(text):
    """ "附件1：X年度报告.pdf" -> "X年度报告" (whitespace removed)."""
    return _ATTACHMENT_LABEL_RE.sub("", re.sub(r"\s+", "", text or "")).strip()


def strip_site_suffix(title):
    """'X_济宁市人民政府' -> 'X'; portals append their name to <title>."""
    stripped = SITE_SUFFIX_RE.sub("", title or "")
    return stripped or title
