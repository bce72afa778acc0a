"""A report document as the pipelines hand it to archive.db, for storage tests."""

TEXT_A = "济宁市公共资源交易服务中心2021年政府信息公开工作年度报告\n一、总体情况\n主动公开政府信息2748条。"
TEXT_B = TEXT_A + "\n（更正）依申请公开0件。"


def doc(**overrides):
    base = {
        "agency": "济宁市公共资源交易服务中心",
        "year": 2021,
        "title": "济宁市公共资源交易服务中心2021年政府信息公开工作年度报告",
        "region": "山东省/济宁市",
        "province": "山东省",
        "city": "济宁市",
        "county": "",
        "division_code": "370800",
        "admin_level": "city",
        "text": TEXT_A,
        "format": "html",
        "extraction": "trafilatura",
        "url": "http://www.jining.gov.cn/zwgk/ndbg/202201/t20220125_3456789.html",
        "requested_url": "http://www.jining.gov.cn/art/2022/1/25/old_001.html",
        "linked_from": "http://www.jining.gov.cn/zwgk/ndbg/index.html",
        "fetched_at": "2024-01-01T00:00:00Z",
        "http_status": 200,
        "content_type": "text/html; charset=utf-8",
        "body": "<html>报告</html>".encode(),
    }
    base.update(overrides)
    return base
