"""Helpers for tests: paths, and real crawls in a subprocess.

Crawls run as `python -m scrapy crawl ...`: the Twisted reactor cannot be
restarted inside one pytest process.
"""

import http.client
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEMO_SITE = ROOT / "demo" / "site"
SEEDS = ROOT / "demo" / "seeds"


class CrawlFailed(AssertionError):
    pass


# Loopback fixture portal: no politeness delays, and the demo's portals (one
# host, 127.0.0.1, eight ports) fetched eight at a time. A real crawl never
# fetches a loopback address; the fixture portals are on one.
LOCAL_SETTINGS = [
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=0",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "FETCH_PRIVATE_HOSTS=127.0.0.1",
]


def crawl_command(start_urls, db_path, *settings, **spider_args):
    """The command line of a crawl of start_urls (or a -a source=) into db_path."""
    start_urls = list(start_urls)
    if start_urls:
        spider_args["start_url"] = ",".join(start_urls)
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "portal",
        *[arg for name, value in spider_args.items() for arg in ("-a", f"{name}={value}")],
        "-s",
        f"ARCHIVE_DB={db_path}",
        *[arg for setting in [*LOCAL_SETTINGS, *settings] for arg in ("-s", setting)],
    ]


def run_crawl(start_urls, db_path, *settings, ocr=False, **spider_args):
    """Crawl start_urls into db_path with the project's real settings.

    Without *ocr*, scans are archived as needing OCR (OGI_OCR=0): OCR costs
    seconds a page, and the shared crawl (conftest's crawled_archive), the
    reader tests and the backlog test are where OCR is tested.
    """
    result = subprocess.run(
        crawl_command(start_urls, db_path, *settings, **spider_args),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "LOG_LEVEL": "INFO", **({} if ocr else {"OGI_OCR": "0"})},
    )
    if result.returncode != 0:
        raise CrawlFailed(f"crawl failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result


def expected_reports(manifest):
    """(agency, year) of every report the demo portal publishes.

    A scan counts: read by OCR, or identified by its title and without text
    when over OCR's bounds. The agency as the archive keeps it: the fuller
    name where the body names the agency longer than the title (市环境保护局
    -> 济宁市环境保护局).
    """
    entries = (
        manifest["reports"]
        + manifest.get("synth_reports", [])
        + manifest.get("scanned_reports", [])
        + manifest.get("needs_ocr", [])
    )
    return {(entry.get("body_agency") or entry["agency"], entry["year"]) for entry in entries}


def fetch(url: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None):
    """One request, redirects NOT followed: (status, headers, body bytes)."""
    u = urlsplit(url)
    target = quote((u.path or "/") + ("?" + u.query if u.query else ""), safe="/?&=%:;,+")
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.headers, r.read()
    finally:
        conn.close()


def publications(entry):
    """How many documents publish one report of the manifest: its page (or
    its attachment, for a page that only introduces one), the attachment of a
    full report page, and the disclosure module's answer when the report has
    an article page too. URL aliases of one document (?xxgkhide=1, another
    parameter order, a gongkai URL without its site) are not documents."""
    count = 1
    if entry.get("form") == "html+attachment":
        count += 1
    module = "xxgkAnnualReport.jsp" in entry["path"]
    if not module and any("xxgkAnnualReport.jsp" in alias for alias in entry.get("aliases", [])):
        count += 1
    return count


def expected_documents(manifest):
    """Report documents a crawl of the whole demo captures (scans included)."""
    entries = manifest["reports"] + manifest.get("synth_reports", [])
    scans = manifest.get("scanned_reports", []) + manifest.get("needs_ocr", [])
    return sum(publications(entry) for entry in entries) + len(scans)


def project_crawler(spidercls=None, settings_dict=None):
    """scrapy.utils.test.get_crawler with the project's settings (crawler/settings.py)
    under *settings_dict*, as `scrapy crawl` sees them: components read no
    defaults of their own. Without the project's EXTENSIONS (one opens
    ARCHIVE_DB): a test builds the components it tests."""
    import copy

    from scrapy.utils.test import get_crawler

    import crawler.settings as module

    project = {name: copy.deepcopy(getattr(module, name)) for name in dir(module) if name.isupper()}
    del project["EXTENSIONS"]
    return get_crawler(spidercls, {**project, **(settings_dict or {})})
