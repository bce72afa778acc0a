"""Synthesized annual reports in the official 2021 format (国办公开办函〔2021〕30号).

    report_text(agency, year) -> str     # deterministic by (agency, year)
    report_facts(agency, year) -> dict   # the key numbers inside the text

Layout follows the seeds (001, 002): title line, six numbered sections, the
standard tables as TAB-separated rows (a run of tab lines is one table; tables
are separated by a blank line). Numbers come from random.Random seeded with a
CRC of "agency|year" and are consistent: per applicant column, 新收 + 上年结转 =
（七）总计 + 结转下年度; 总计 columns and rows are sums.
"""

from __future__ import annotations

import random
import zlib
from functools import cache

APPLICANTS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]

# (level-2 label, level-3 label) of every outcome row, in official order
OUTCOMES = [
    ("（一）予以公开", ""),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ""),
    ("（三）不予公开", "1.属于国家秘密"),
    ("", "2.其他法律行政法规禁止公开"),
    ("", "3.危及“三安全一稳定”"),
    ("", "4.保护第三方合法权益"),
    ("", "5.属于三类内部事务信息"),
    ("", "6.属于四类过程性信息"),
    ("", "7.属于行政执法案卷"),
    ("", "8.属于行政查询事项"),
    ("（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("", "2.没有现成信息需要另行制作"),
    ("", "3.补正后申请内容仍不明确"),
    ("（五）不予处理", "1.信访举报投诉类申请"),
    ("", "2.重复申请"),
    ("", "3.要求提供公开出版物"),
    ("", "4.无正当理由大量反复申请"),
    ("", "5.要求行政机关确认或重新出具已获取信息"),
    ("（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("", "3.其他"),
]
# relative weights of outcomes for the random distribution (index into OUTCOMES)
OUTCOME_WEIGHTS = [10, 2, 0, 0, 0, 1, 1, 1, 0, 1, 5, 1, 1, 1, 1, 0, 0, 0, 1, 0, 1]

# Which synthesized reports the committed .doc assets carry (see documents.py).
YZ_CENTER = "济宁市公共资源交易服务中心兖州分中心"
DOC_ASSETS = {
    "yz_ggzy_2021.doc": (YZ_CENTER, 2021),
    "yz_ggzy_2020.doc": (YZ_CENTER, 2020),
}


def title_of(agency: str, year: int) -> str:
    return f"{agency}{year}年政府信息公开工作年度报告"


def _rng(agency: str, year: int) -> random.Random:
    return random.Random(zlib.crc32(f"{agency}|{year}".encode()))


def _tab(*cells) -> str:
    return "\t".join(str(c) for c in cells)


@cache
def _numbers(agency: str, year: int) -> dict:
    r = _rng(agency, year)
    new = [r.randint(3, 24)] + [r.choice([0, 0, 0, 1, 2]) for _ in range(5)]
    carried = [r.choice([0, 0, 1, 2])] + [r.choice([0, 0, 0, 1]) for _ in range(5)]
    forward, outcomes = [], []  # outcomes[row][col]
    grid = [[0] * 6 for _ in OUTCOMES]
    for c in range(6):
        avail = new[c] + carried[c]
        fwd = r.randint(0, min(2, avail))
        forward.append(fwd)
        for _ in range(avail - fwd):
            row = r.choices(range(len(OUTCOMES)), weights=OUTCOME_WEIGHTS)[0]
            grid[row][c] += 1
    outcomes = grid
    total = [sum(grid[i][c] for i in range(len(OUTCOMES))) for c in range(6)]
    reg = [r.randint(0, 3), r.randint(0, 1)]
    norm = [r.randint(0, 9), r.randint(0, 4)]
    review = [r.choice([0, 0, 1]), r.choice([0, 0, 1]), 0, r.choice([0, 1])]
    suit1 = [r.choice([0, 0, 1]), 0, 0, r.choice([0, 0, 1])]
    suit2 = [r.choice([0, 0, 1]), 0, 0, 0]
    return dict(
        new=new,
        carried=carried,
        forward=forward,
        outcomes=outcomes,
        total=total,
        rules=(0, 0, 0),
        norms=(norm[0], norm[1], norm[0] + r.randint(5, 40)),
        licensing=r.choice([0, r.randint(10, 3000)]),
        punish=r.choice([0, r.randint(1, 400)]),
        force=r.choice([0, 0, r.randint(1, 30)]),
        fees=r.choice(["0", f"{r.randint(1, 900)}.{r.randint(0, 99):02d}"]),
        review=review,
        suit1=suit1,
        suit2=suit2,
        published=r.randint(80, 1600),
        news=r.randint(20, 300),
        interpret=r.randint(2, 30),
        trainings=r.randint(1, 4),
        weibo=r.randint(1000, 90000),
        _extra=(reg, r.random()),
    )


def report_facts(agency: str, year: int) -> dict:
    n = _numbers(agency, year)
    return {
        "applications_new": sum(n["new"]),
        "applications_carried": sum(n["carried"]),
        "applications_handled": sum(n["total"]),
        "applications_forward": sum(n["forward"]),
        "disclosed": sum(n["outcomes"][0]),
        "admin_review_total": sum(n["review"]),
        "licensing": n["licensing"],
        "punish": n["punish"],
    }


def _row(cells3, values) -> str:
    return _tab(*cells3, *values, sum(values))


def report_text(agency: str, year: int) -> str:
    n = _numbers(agency, year)
    r = _rng(agency + "#text", year)
    nxt = year + 1
    short = agency.replace("济宁市", "").replace("嘉祥县", "县") if len(agency) > 8 else agency
    contact = agency if agency.endswith("办公室") else f"{agency}办公室"
    area_code = "0531" if agency.startswith("济南") else "0537"
    L: list[str] = []
    add = L.append
    add(title_of(agency, year))
    add(
        f"本报告由{agency}按照《中华人民共和国政府信息公开条例》（以下简称《条例》）和"
        "《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）要求编制。"
    )
    add(
        "本报告内容包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
        "政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项等六部分内容。"
    )
    add(
        f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。如对本报告有疑问，"
        f"请与{contact}联系（联系电话：{area_code}-{3400000 + r.randint(0, 99999)}）。"
    )
    add("")
    add("一、总体情况")
    add(
        f"{year}年，{short}深入贯彻落实党中央、国务院关于全面推进政务公开工作的决策部署，"
        f"严格执行《条例》，围绕中心工作，聚焦社会关切，{r.choice(['持续深化', '扎实推进', '不断加强'])}"
        "决策、执行、管理、服务、结果公开，以公开促落实、以公开促规范、以公开促服务，政府信息公开工作取得新成效。"
    )
    add("（一）主动公开情况")
    add(
        f"{year}年，通过政府门户网站政府信息公开专栏主动公开各类政府信息{n['published']}条，"
        f"其中机构职能、政策文件等基础信息{n['published'] // 5}条，工作动态{n['news']}条，"
        f"政策解读{n['interpret']}篇。及时更新主动公开基本目录，确保应公开尽公开。"
    )
    add("（二）依申请公开情况")
    add(
        f"{year}年，共收到政府信息公开申请{sum(n['new'])}件，上年结转{sum(n['carried'])}件，"
        f"办结{sum(n['total'])}件，结转下年度继续办理{sum(n['forward'])}件。所有申请均在法定期限内答复。"
    )
    add("（三）政府信息管理情况")
    add(
        "严格落实信息发布“三审三校”制度，对拟公开的政府信息进行保密审查和合法性审查，"
        "动态调整公开属性，规范性文件实行统一登记、统一编号、统一公开。"
    )
    add("（四）政府信息公开平台建设情况")
    add(
        f"持续加强政府网站和政务新媒体建设，政务微信公众号关注人数达{n['weibo']}人，"
        "实现信息同步发布、集中展示，提升信息传播力和影响力。"
    )
    add("（五）监督保障情况")
    add(
        f"调整充实政务公开工作领导小组，明确专人负责，全年组织政务公开业务培训{n['trainings']}次，"
        "将政务公开工作纳入年度绩效考核，确保各项任务落到实处。"
    )
    add("")
    add("二、主动公开政府信息情况")
    add(_tab("第二十条第（一）项", "", "", ""))
    add(_tab("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"))
    add(_tab("规章", *n["rules"]))
    add(_tab("行政规范性文件", *n["norms"]))
    add("")
    add(_tab("第二十条第（五）项", ""))
    add(_tab("信息内容", "本年处理决定数量"))
    add(_tab("行政许可", n["licensing"]))
    add("")
    add(_tab("第二十条第（六）项", ""))
    add(_tab("信息内容", "本年处理决定数量"))
    add(_tab("行政处罚", n["punish"]))
    add(_tab("行政强制", n["force"]))
    add("")
    add(_tab("第二十条第（八）项", ""))
    add(_tab("信息内容", "本年收费金额（单位：万元）"))
    add(_tab("行政事业性收费", n["fees"]))
    add("")
    add("三、收到和处理政府信息公开申请情况")
    add(
        _tab(
            "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
            "",
            "",
            "申请人情况",
            "",
            "",
            "",
            "",
            "",
            "",
        )
    )
    add(_tab("", "", "", "自然人", "法人或其他组织", "", "", "", "", "总计"))
    add(_tab("", "", "", "", *APPLICANTS[1:], ""))
    add(_row(("一、本年新收政府信息公开申请数量", "", ""), n["new"]))
    add(_row(("二、上年结转政府信息公开申请数量", "", ""), n["carried"]))
    for i, (l2, l3) in enumerate(OUTCOMES):
        l1 = "三、本年度办理结果" if i == 0 else ""
        add(_row((l1, l2, l3), n["outcomes"][i]))
    add(_row(("", "（七）总计", ""), n["total"]))
    add(_row(("四、结转下年度继续办理", "", ""), n["forward"]))
    add("")
    add("四、政府信息公开行政复议、行政诉讼情况")
    add(_tab("行政复议", "", "", "", "", "行政诉讼", *[""] * 9))
    add(
        _tab(
            "结果维持",
            "结果纠正",
            "其他结果",
            "尚未审结",
            "总计",
            "未经复议直接起诉",
            "",
            "",
            "",
            "",
            "复议后起诉",
            "",
            "",
            "",
            "",
        )
    )
    add(_tab("", "", "", "", "", *(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2)))
    add(_tab(*n["review"], sum(n["review"]), *n["suit1"], sum(n["suit1"]), *n["suit2"], sum(n["suit2"])))
    add("")
    add("五、存在的主要问题及改进情况")
    problems = r.sample(
        [
            "政策解读形式还不够丰富，图解、视频等解读方式运用较少",
            "依申请公开答复的规范化水平有待进一步提高",
            "政务公开工作人员业务能力需进一步提升",
            "主动公开的及时性和完整性仍有差距",
            "政务新媒体互动回应不够及时",
        ],
        2,
    )
    add(
        f"{year}年，{short}政府信息公开工作取得了一定成效，但也存在一些不足：一是{problems[0]}；"
        f"二是{problems[1]}。{nxt}年，将进一步健全工作机制，加强业务培训，"
        "丰富解读形式，提升政府信息公开质量和实效。"
    )
    add("六、其他需要报告的事项")
    add(f"（一）依据《政府信息公开信息处理费管理办法》，{year}年度未收取信息处理费。")
    add(
        f"（二）{year}年，承办人大代表建议{r.randint(0, 6)}件、政协提案{r.randint(0, 8)}件，"
        "均已按期办结并依法公开办理结果。"
    )
    add(
        "（三）落实上级年度政务公开工作要点情况。对照年度政务公开工作要点，逐项细化任务分工，"
        "明确责任科室和完成时限，各项任务均已按要求完成。"
    )
    return "\n".join(L) + "\n"
