"""crawler/cms/gongkai.py on URLs shaped like the real 济南 district platform."""

import scrapy
from scrapy.http import HtmlResponse

from crawler.cms.gongkai import GongkaiAdapter

HOST = "http://www.licheng.gov.cn"
DOC = "doc_641a60c40c770bba2a81ffc6.html"
CHANNEL = "channel_63899ecb375991828262e2a2"
gongkai = GongkaiAdapter()


def test_a_document_linked_with_and_without_its_site_is_one_document():
    with_site = f"{HOST}/gongkai/site_lichengquqzfbgsb/{CHANNEL}/{DOC}"
    without = f"{HOST}/gongkai/{CHANNEL}/{DOC}"
    assert gongkai.document_key(with_site) == gongkai.document_key(without)
    # Neither form is rewritten: which one the server serves is not known.
    assert gongkai.canonical_url(with_site) == with_site
    # Another host's document with the same id is another document.
    assert gongkai.document_key(without.replace("licheng", "lixia")) != gongkai.document_key(without)
    assert gongkai.document_key(f"{HOST}/gongkai/{CHANNEL}?open=fdzdgknr") == f"{HOST}/gongkai/{CHANNEL}?open=fdzdgknr"


def test_department_sites_and_channels_lead_towards_reports():
    assert gongkai.link_kind(f"{HOST}/gongkai/site_lichengquqczj/", "区财政局") == "nav"
    assert gongkai.link_kind(f"{HOST}/gongkai/{CHANNEL}?open=fdzdgknr", "法定主动公开内容") == "nav"
    assert gongkai.link_kind(f"{HOST}/gongkai/site_lichengquqzfbgsb/{CHANNEL}/{DOC}", "某文件") is None


def test_detection_by_url_or_links():
    url = f"{HOST}/col/x.html"
    body = f'<a href="/gongkai/site_lichengquqzfbgsb/{CHANNEL}?open=fdzdgknr">区政府办公室</a>'.encode()
    assert gongkai.detect(HtmlResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url)))
    plain = HtmlResponse(url=url, body=b"<a href='/art/1.html'>x</a>", encoding="utf-8", request=scrapy.Request(url))
    assert not gongkai.detect(plain)
