"""crawler/cache.py: the HTTP cache survives a crawl killed while writing it.

Scrapy's FilesystemCacheStorage writes an entry's files one after another; a
kill between them left a report cached with an empty body, and every later
crawl revalidated it (304) and reused that body. An entry is now written
whole or not at all, and an incomplete one is never served: the page is
fetched again.
"""

import gzip
import pickle
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.http import Response
from support import ROOT, project_crawler

from crawler.cache import ArchiveCacheStorage

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def make_storage(tmp_path, **settings):
    crawler = project_crawler(Spider, {"ARCHIVE_DB": str(tmp_path / "archive.db"), "HTTPCACHE_GZIP": True, **settings})
    spider = Spider("portal")
    spider.crawler = crawler
    storage = ArchiveCacheStorage(crawler.settings)
    storage.open_spider(spider)
    return storage, spider


def response(url, body, **headers):
    headers = {"Content-Type": DOCX, "ETag": '"v1"', **headers}
    return Response(url, status=200, headers=headers, body=body, request=Request(url))


@pytest.fixture
def cache(tmp_path):
    return make_storage(tmp_path)


def entry_dir(storage, spider, url):
    return Path(storage._get_request_path(spider, Request(url)))


def test_an_entry_reads_back(cache):
    storage, spider = cache
    url = "http://127.0.0.1/a.docx"
    storage.store_response(spider, Request(url), response(url, b"PK\x03\x04" + b"x" * 5000))
    cached = storage.retrieve_response(spider, Request(url))
    assert cached.body == b"PK\x03\x04" + b"x" * 5000
    assert cached.headers[b"ETag"] == b'"v1"'
    assert cached.status == 200


class Killed(BaseException):
    """Stands for the SIGKILL: nothing after it runs in the crawler."""


def killing_open(real_open, kill_at, partial):
    """An open() that dies on its kill_at-th file: before opening it, or
    (partial) after creating it and before any byte is written."""
    calls = []

    def fake_open(path, mode="rb", *args, **kwargs):
        if "w" in mode or "x" in mode:
            calls.append(path)
            if len(calls) - 1 == kill_at:
                if not partial:
                    raise Killed(path)
                handle = real_open(path, mode, *args, **kwargs)

                class Dying:
                    def __enter__(self):
                        return self

                    def __exit__(self, *exc):
                        return False

                    def write(self, data):
                        handle.close()  # what reached the file so far: nothing of the body
                        raise Killed(path)

                return Dying()
        return real_open(path, mode, *args, **kwargs)

    return fake_open, calls


@pytest.mark.parametrize("partial", [False, True], ids=["before-file", "file-created-empty"])
def test_a_kill_while_writing_a_new_entry_leaves_no_entry(tmp_path, partial):
    url = "http://127.0.0.1/report.docx"
    body = b"PK\x03\x04" + bytes(range(256)) * 40
    storage, spider = make_storage(tmp_path)
    real_open = storage._open
    files = 0
    kill_at = 0
    while True:
        storage, spider = make_storage(tmp_path)
        storage._open, calls = killing_open(real_open, kill_at, partial)
        try:
            storage.store_response(spider, Request(url), response(url, body))
        except Killed:
            pass
        else:
            files = len(calls)
            break
        # Whatever the crawl read next, it is no cached report with a wrong body.
        cached = make_storage(tmp_path)[0].retrieve_response(spider, Request(url))
        assert cached is None, f"killed at file {kill_at} ({calls[-1]}): served a partial entry"
        kill_at += 1
    assert files == 4  # every file of the entry was a kill point
    assert make_storage(tmp_path)[0].retrieve_response(spider, Request(url)).body == body


@pytest.mark.parametrize("partial", [False, True], ids=["before-file", "file-created-empty"])
def test_a_kill_while_replacing_an_entry_leaves_the_old_or_none(tmp_path, partial):
    url = "http://127.0.0.1/report.docx"
    old, new = b"PK old " * 700, b"PK new, revised " * 900
    storage, spider = make_storage(tmp_path)
    storage.store_response(spider, Request(url), response(url, old, ETag='"old"'))
    real_open = storage._open
    for kill_at in range(4):  # each of the entry's files
        storage, spider = make_storage(tmp_path)
        storage._open, _ = killing_open(real_open, kill_at, partial)
        with pytest.raises(Killed):
            storage.store_response(spider, Request(url), response(url, new, ETag='"new"'))
        cached = make_storage(tmp_path)[0].retrieve_response(spider, Request(url))
        assert cached is not None and (cached.body, cached.headers[b"ETag"]) == (old, b'"old"')
    storage, spider = make_storage(tmp_path)
    storage.store_response(spider, Request(url), response(url, new, ETag='"new"'))
    cached = storage.retrieve_response(spider, Request(url))
    assert (cached.body, cached.headers[b"ETag"]) == (new, b'"new"')
    # Only the entry is left, no staging copy.
    key_dir = entry_dir(storage, spider, url)
    assert sorted(p.name for p in key_dir.parent.iterdir()) == [key_dir.name]


def test_an_entry_missing_a_file_is_not_served(cache):
    storage, spider = cache
    for name in ("response_body", "response_headers", "pickled_meta"):
        url = f"http://127.0.0.1/{name}.docx"
        storage.store_response(spider, Request(url), response(url, b"PK" * 100))
        (entry_dir(storage, spider, url) / name).unlink()
        assert storage.retrieve_response(spider, Request(url)) is None, name


def test_a_body_shorter_than_recorded_is_not_served_and_the_page_is_fetched_again(cache):
    storage, spider = cache
    url = "http://127.0.0.1/report.docx"
    storage.store_response(spider, Request(url), response(url, b"PK" * 1000))
    body_file = entry_dir(storage, spider, url) / "response_body"
    with gzip.open(body_file, "wb") as handle:
        handle.write(b"PK" * 10)
    assert storage.retrieve_response(spider, Request(url)) is None
    assert spider.crawler.stats.get_value("httpcache/incomplete_entries") == 1
    # The page fetched again replaces it.
    storage.store_response(spider, Request(url), response(url, b"PK" * 1000))
    assert storage.retrieve_response(spider, Request(url)).body == b"PK" * 1000


def test_a_truncated_gzip_file_is_not_served(cache):
    storage, spider = cache
    url = "http://127.0.0.1/report.docx"
    storage.store_response(spider, Request(url), response(url, random.Random(1).randbytes(20000)))
    body_file = entry_dir(storage, spider, url) / "response_body"
    body_file.write_bytes(body_file.read_bytes()[:-100])
    assert storage.retrieve_response(spider, Request(url)) is None


def test_an_entry_of_the_old_layout_is_checked_against_its_content_length(cache):
    """Entries written before this change record no body length: the empty
    body a kill left there disagrees with the server's Content-Length."""
    storage, spider = cache
    url, good = "http://127.0.0.1/empty.docx", "http://127.0.0.1/good.docx"
    for address, stored in ((url, b""), (good, b"PK" * 50)):
        storage.store_response(spider, Request(address), response(address, b"PK" * 50, **{"Content-Length": "100"}))
        entry = entry_dir(storage, spider, address)
        meta = pickle.loads(gzip.decompress((entry / "pickled_meta").read_bytes()))
        del meta["body_length"]
        with gzip.open(entry / "pickled_meta", "wb") as handle:
            pickle.dump(meta, handle, protocol=4)
        with gzip.open(entry / "response_body", "wb") as handle:
            handle.write(stored)
    assert storage.retrieve_response(spider, Request(url)) is None
    assert storage.retrieve_response(spider, Request(good)).body == b"PK" * 50


def test_leftovers_of_a_killed_writer_are_removed_on_open(tmp_path):
    storage, spider = make_storage(tmp_path)
    staging = Path(storage.cachedir) / spider.name / ".staging"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (staging / f"0123abcd.{dead.pid}.x1").mkdir(parents=True)
    (staging / f"0123abcd.{dead.pid}.x1" / "response_body").write_bytes(b"half")
    mine = staging / f"4567abcd.{__import__('os').getpid()}.x2"
    mine.mkdir()
    make_storage(tmp_path)
    assert sorted(p.name for p in staging.iterdir()) == [mine.name]


WRITER = textwrap.dedent(
    """
    import sys
    from scrapy import Request, Spider
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler
    from crawler.cache import ArchiveCacheStorage

    crawler = get_crawler(Spider, {"ARCHIVE_DB": sys.argv[1], "HTTPCACHE_GZIP": True})
    spider = Spider("portal")
    spider.crawler = crawler
    storage = ArchiveCacheStorage(crawler.settings)
    storage.open_spider(spider)
    round_ = int(sys.argv[2])
    print("ready", flush=True)
    for n in range(10**6):
        url = f"http://127.0.0.1/{n % 40}.docx"
        body = (f"{url} round {round_} write {n} ".encode() * 40000)
        storage.store_response(spider, Request(url), Response(url, status=200, body=body, headers={"ETag": str(n)}))
    """
)


def test_entries_stay_whole_when_the_writer_is_killed(tmp_path):
    db = tmp_path / "archive.db"
    rng = random.Random(9)
    for round_ in range(4):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), str(round_)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.3, 1.5))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        storage, spider = make_storage(tmp_path)
        served = 0
        for n in range(40):
            url = f"http://127.0.0.1/{n}.docx"
            cached = storage.retrieve_response(spider, Request(url))
            if cached is None:
                continue
            served += 1
            unit = cached.body[: cached.body.find(url.encode(), 1)]
            assert cached.body == unit * 40000, f"{url}: a partial entry was served"
            assert unit.decode().split()[-1] == cached.headers[b"ETag"].decode()
        assert served
