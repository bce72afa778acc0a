"""The tables of the national format, as data.

国办公开办函〔2019〕60号 fixed the tables every report carries;
国办公开办函〔2021〕30号 revised them. Row codes are stable across the two
generations, so one query covers every year. A row is found by a pattern
on its printed label (whitespace removed, brackets and list marks
normalized, see cells.squeeze); rows are listed in printed order, and the
parser finds them in that order.
"""

NARRATIVE = "narrative"
FORMAT_2019 = "2019"
FORMAT_2021 = "2021"
GENERATIONS = (NARRATIVE, FORMAT_2019, FORMAT_2021)

TOTAL = "总计"
# The seven applicant columns, in printed order. 法人或其他组织 is a header
# over the five middle columns, not a column.
APPLICANT_TYPES = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", TOTAL)
APPLICANT_PARTS = APPLICANT_TYPES[:-1]

# Rows of 收到和处理政府信息公开申请情况 common to both generations, up to the
# point where they differ: (row_code, label pattern).
_COMMON_ROWS = (
    ("new", r"本年新收"),
    ("carried_over", r"上年结转"),
    ("result.disclosed", r"予以公开"),
    ("result.partial", r"部分公开"),
    ("result.withheld.state_secret", r"国家秘密"),
    ("result.withheld.law_prohibited", r"禁止公开"),
    ("result.withheld.three_safety", r"三安全一稳定"),
    ("result.withheld.third_party", r"第三方合法权益"),
    ("result.withheld.internal_affairs", r"内部事务"),
    ("result.withheld.process_info", r"过程性信息"),
    ("result.withheld.enforcement_file", r"执法案卷"),
    ("result.withheld.query_matter", r"查询事项"),
    ("result.unable.not_held", r"不掌握"),
    ("result.unable.need_creation", r"另行制作"),
    ("result.unable.unclear", r"仍不明确"),
    ("result.rejected.petition", r"信访举报投诉"),
    ("result.rejected.duplicate", r"重复申请"),
    ("result.rejected.publication", r"公开出版物"),
    ("result.rejected.massive", r"大量反复申请"),
    ("result.rejected.confirmation", r"确认或重新出具"),
)
_CLOSING_ROWS = (
    # Anchored: 总计 also heads the last applicant column.
    ("result.total", r"^(?:\(七\))?总计$"),
    ("carried_forward", r"结转下年度"),
)
REQUEST_ROWS = {
    # 2019: (六)其他处理 is one row.
    FORMAT_2019: _COMMON_ROWS + (("result.other", r"^(?:\(六\))?其他处理$"),) + _CLOSING_ROWS,
    # 2021: (六)其他处理 heads three rows.
    FORMAT_2021: _COMMON_ROWS
    + (
        # 不补正 alone is this row's too: OCR reads 逾 as 庆, 踪 or 这.
        ("result.other.no_correction", r"逾期不补正|不补正"),
        ("result.other.no_fee", r"收费通知|缴纳费用"),
        # OCR can lose the full stop after the number.
        ("result.other.other", r"^(?:\d\.?)?其他$"),
    )
    + _CLOSING_ROWS,
}
# Rows whose sum is result.total, per column (the leaves of 本年度办理结果).
RESULT_TOTAL = "result.total"


def result_leaves(generation):
    return [code for code, _ in REQUEST_ROWS[generation] if code.startswith("result.") and code != RESULT_TOTAL]


# 政府信息公开行政复议、行政诉讼情况: 15 cells in printed order.
REVIEW_KINDS = ("行政复议", "诉讼-未经复议直接起诉", "诉讼-复议后起诉")
REVIEW_OUTCOMES = ("结果维持", "结果纠正", "其他结果", "尚未审结", TOTAL)
REVIEW_CELLS = tuple((kind, outcome) for kind in REVIEW_KINDS for outcome in REVIEW_OUTCOMES)

# 第二十条 tables (主动公开政府信息情况): clause -> (measures, items). Measures
# are the value columns (canonical names: printed headers vary, e.g. a PDF
# reads 本年废止件数 as 本年度止件数); items are the row labels as the format
# prints them.
DISCLOSURE_CLAUSES = {
    FORMAT_2019: {
        "第二十条第(一)项": (("本年新制作数量", "本年新公开数量", "对外公开总数量"), ("规章", "规范性文件")),
        "第二十条第(五)项": (("上一年项目数量", "本年增/减", "处理决定数量"), ("行政许可", "其他对外管理服务事项")),
        "第二十条第(六)项": (("上一年项目数量", "本年增/减", "处理决定数量"), ("行政处罚", "行政强制")),
        "第二十条第(八)项": (("上一年项目数量", "本年增/减"), ("行政事业性收费",)),
        "第二十条第(九)项": (("采购项目数量", "采购总金额"), ("政府集中采购",)),
    },
    FORMAT_2021: {
        "第二十条第(一)项": (("本年制发件数", "本年废止件数", "现行有效件数"), ("规章", "行政规范性文件")),
        "第二十条第(五)项": (("本年处理决定数量",), ("行政许可",)),
        "第二十条第(六)项": (("本年处理决定数量",), ("行政处罚", "行政强制")),
        "第二十条第(八)项": (("本年收费金额",), ("行政事业性收费",)),
    },
}
# Units the format implies when a cell prints a bare number.
MEASURE_UNITS = {"本年收费金额": "万元"}
# Every item name either generation prints (agencies mix them up).
DISCLOSURE_ITEMS = {
    "规章",
    "规范性文件",
    "行政规范性文件",
    "行政许可",
    "其他对外管理服务事项",
    "行政处罚",
    "行政强制",
    "行政事业性收费",
    "政府集中采购",
}

# Evidence of a generation, searched in the squeezed text. Structure first:
# these labels exist only in their generation's tables.
MARKERS_2021 = ("逾期不补正", "收费通知要求", "本年制发件数", "本年废止件数", "现行有效件数", "〔2021〕30号")
MARKERS_2019 = ("本年新制作数量", "本年新公开数量", "对外公开总数量", "采购项目数量", "〔2019〕60号")
# The first report year the 2021 format applies to (〔2021〕30号 governs the
# reports on 2021, published early 2022).
FIRST_2021_YEAR = 2021
# Any of these means the report has the standard tables at all.
TABLE_MARKERS = ("本年新收政府信息公开申请", "本年度办理结果", "第二十条第(")

# Section headings (squeezed) that open and close each table's part of the text.
REQUEST_HEADING = r"收到和处理政府信息公开申请情况"
REVIEW_HEADING = r"政府信息公开行政复议.{0,2}行政诉讼情况"
DISCLOSURE_HEADING = r"主动公开政府信息情况"
AFTER_REVIEW_HEADING = r"存在的主要问题"
