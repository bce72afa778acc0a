"""Crawling on several machines (crawler/distributed.py): workers and one writer
sharing a real redis-server (Debian's), started on a free loopback port.

Two workers and a writer crawl the demo portal and must archive what a
one-process crawl of it archives (crawled_archive), each report once, with
no URL fetched more often than that crawl fetched it; a worker killed midway
leaves its queue to the other.
"""

import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
import redis
import sqlite_utils
from click.testing import CliRunner
from support import LOCAL_SETTINGS, ROOT, expected_reports

from crawler.distributed import Keys, local_redis
from ogi.cli import cli

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="no redis-server (apt-get install redis-server)"
)
KEYS = Keys("ogi")
# Each worker asks every host for its robots.txt; nothing else is fetched
# by more than one of them.
ROBOTS = "/robots.txt"


def ogi_command(*args, settings=()):
    command = [sys.executable, "-m", "ogi", *[str(arg) for arg in args]]
    for setting in [*LOCAL_SETTINGS, "LOG_LEVEL=INFO", *settings]:
        command += ["-s", setting]
    return command


def cookies(directory, name):
    """Where a worker keeps a firewall's cookies (default: beside ARCHIVE_DB, here the project)."""
    return f"CHALLENGE_COOKIES_FILE={directory / name}.cookies.json"


def start(command, log):
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})


def finish(process, log, timeout=300):
    try:
        code = process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
    assert code == 0, f"{process.args[3]} exited {code}:\n{log.read_text()[-4000:]}"


@pytest.fixture
def redis_url(tmp_path):
    with local_redis(tmp_path) as url:
        yield url


def fetches(db, answered=False):
    """(method, url) of the fetch_log rows: all, or those the server answered
    (a connection the loopback portal dropped under load is retried)."""
    where = " where http_status is not null" if answered else ""
    return Counter((row["method"], row["url"]) for row in db.query("select method, url from fetch_log" + where))


def without_robots(counts):
    return Counter({key: n for key, n in counts.items() if not key[1].endswith(ROBOTS)})


def reports(db):
    return Counter((row["agency"], row["year"]) for row in db.query("select agency, year from reports"))


@pytest.fixture(scope="module")
def distributed_crawl(demo_portal, tmp_path_factory):
    """A writer and two workers crawl the demo portal through one Redis."""
    workdir = tmp_path_factory.mktemp("distributed")
    db_path = workdir / "archive.db"
    with local_redis(workdir) as url:
        logs = {name: workdir / f"{name}.log" for name in ("writer", "worker1", "worker2")}
        writer = start(ogi_command("writer", "--redis", url, "--db", db_path), logs["writer"].open("w"))
        workers = [
            start(
                ogi_command("worker", "--redis", url, *demo_portal.urls.values(), settings=[cookies(workdir, name)]),
                logs[name].open("w"),
            )
            for name in ("worker1", "worker2")
        ]
        for worker, name in zip(workers, ("worker1", "worker2"), strict=True):
            finish(worker, logs[name])
        finish(writer, logs["writer"])
        left = {key.decode() for key in redis.Redis.from_url(url).keys("*")}
    return {"db": sqlite_utils.Database(db_path), "logs": logs, "redis_keys_left": left}


def test_two_workers_archive_every_report_once(distributed_crawl, crawled_archive, manifest):
    db, plain = distributed_crawl["db"], crawled_archive["db"]
    assert set(reports(db)) == expected_reports(manifest)
    # Once each: as many report rows, versions and captures as one process makes.
    assert reports(db) == reports(plain)
    assert db["versions"].count == plain["versions"].count
    captured = Counter(row["url"] for row in db.query("select url from captures"))
    assert captured == Counter(row["url"] for row in plain.query("select url from captures"))
    assert [row["status"] for row in db.query("select status from crawl_runs")] == ["finished"]


def test_no_url_is_fetched_twice_and_every_fetch_is_on_record(distributed_crawl, crawled_archive):
    db, plain = distributed_crawl["db"], crawled_archive["db"]
    got, once = fetches(db, answered=True), fetches(plain, answered=True)
    # The same fetches as one process, each answered as often (a POST of
    # another page of a list, a page fetched again to render it, as there) ...
    assert without_robots(got) == without_robots(once)
    assert set(fetches(db)) == set(fetches(plain))
    # ... but robots.txt, which each worker asks each host for.
    robots = {key: n for key, n in got.items() if key[1].endswith(ROBOTS)}
    assert robots and all(n <= 2 * once[key] for key, n in robots.items())
    run = next(db.query("select * from crawl_runs"))
    stats = json.loads(run["stats"])
    # Both workers fetched, and the run's figures are theirs together.
    pages = stats["distributed/pages"]
    assert len(pages) == 2 and all(n > 0 for n in pages.values()), pages
    assert sum(pages.values()) == stats["downloader/response_count"]
    plain_run = next(plain.query("select * from crawl_runs"))
    assert (run["new_reports"], run["new_versions"]) == (plain_run["new_reports"], plain_run["new_versions"])
    # The last worker of a finished crawl leaves nothing of it in Redis but
    # what the writer published.
    assert not {key for key in distributed_crawl["redis_keys_left"] if not key.startswith(KEYS.published)}


def test_a_killed_worker_leaves_its_queue_to_the_other(demo_portal, crawled_archive, manifest, redis_url, tmp_path):
    """SIGKILL one worker while the queue holds requests: the other fetches
    them all, and, once the dead one's heartbeat has expired, the requests it
    held too; every report is archived, and the crawl ends."""
    db_path = tmp_path / "archive.db"
    server = redis.Redis.from_url(redis_url)
    quick = ["DISTRIBUTED_WORKER_TIMEOUT=2"]
    writer_log, first_log, second_log = (tmp_path / f"{name}.log" for name in ("writer", "first", "second"))
    writer = start(ogi_command("writer", "--redis", redis_url, "--db", db_path, settings=quick), writer_log.open("w"))
    # One request at a time, slowly: the queue fills faster than it drains.
    slow = [*quick, "CONCURRENT_REQUESTS=1", "DOWNLOAD_DELAY=0.2", cookies(tmp_path, "first")]
    urls = list(demo_portal.urls.values())
    first = start(ogi_command("worker", "--redis", redis_url, *urls, settings=slow), first_log.open("w"))
    deadline = time.monotonic() + 120
    while server.zcard(KEYS.queue) < 20:
        assert first.poll() is None and time.monotonic() < deadline, first_log.read_text()[-3000:]
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    queued = {queued_url(data) for data in server.zrange(KEYS.queue, 0, -1)}
    assert len(queued) >= 20
    # A worker without URLs joins the crawl Redis holds.
    second = start(
        ogi_command("worker", "--redis", redis_url, settings=[*quick, cookies(tmp_path, "second")]),
        second_log.open("w"),
    )
    finish(second, second_log)
    finish(writer, writer_log)
    db = sqlite_utils.Database(db_path)
    fetched = {url for _, url in fetches(db)}
    assert queued <= fetched
    # What the dead worker held went back to the queue: fetched again, if
    # it had been fetched; nothing else is fetched more often than by one process.
    reclaimed = sum(
        int(n)
        for n in re.findall(
            r"(\d+) requests (?:it|they) held put back", second_log.read_text() + writer_log.read_text()
        )
    )
    assert reclaimed > 0
    once = fetches(crawled_archive["db"], answered=True)
    again = [key for key, n in without_robots(fetches(db, answered=True)).items() if n > once[key]]
    assert len(again) <= reclaimed, again
    assert set(reports(db)) == expected_reports(manifest)
    run = next(db.query("select * from crawl_runs"))
    assert run["status"] == "finished"
    assert "joins the crawl" in second_log.read_text()


def queued_url(data):
    """The URL of a request as scrapy-redis keeps it (a pickled dict)."""
    return pickle.loads(data)["url"]


# -- the command line ------------------------------------------------------------------


def test_ogi_worker_without_a_crawl_to_join_says_so(redis_url):
    result = CliRunner().invoke(cli, ["worker", "--redis", redis_url], prog_name="ogi")
    assert result.exit_code == 2
    assert "no crawl in" in result.output


def test_ogi_worker_refuses_a_second_crawl_and_fresh_drops_the_first(redis_url):
    server = redis.Redis.from_url(redis_url)
    server.set(KEYS.crawl, json.dumps({"start_url": "http://127.0.0.1:1/"}))
    server.zadd(KEYS.queue, {b"request": 0})
    result = CliRunner().invoke(
        cli, ["worker", "--redis", redis_url, "http://127.0.0.1:2/", "-s", "CLOSESPIDER_TIMEOUT=1"], prog_name="ogi"
    )
    assert result.exit_code == 2
    assert "holds another crawl" in result.output
    # --fresh: the unfinished crawl is dropped (no worker of it is alive).
    server.sadd(KEYS.workers, "elsewhere:1")
    from crawler.distributed import forget_crawl

    assert forget_crawl(redis_url) == 1
    assert not server.exists(KEYS.crawl, KEYS.queue, KEYS.workers)
    server.sadd(KEYS.workers, "elsewhere:1")
    server.set(KEYS.alive + "elsewhere:1", 1)
    with pytest.raises(ValueError, match="workers of the crawl are running"):
        forget_crawl(redis_url)


def test_ogi_writer_and_worker_show_their_examples():
    for name in ("worker", "writer"):
        result = CliRunner().invoke(cli, [name, "--help"], prog_name="ogi")
        assert f"ogi {name} --redis redis://" in result.output


def test_the_one_machine_crawl_does_not_touch_redis():
    """Without `ogi worker`, nothing imports redis or changes Scrapy's scheduler."""
    code = (
        "import sys, crawler.settings as s, archive.run, crawler.middlewares, crawler.spiders.portal\n"
        "import pipelines.store, pipelines.prepare\n"
        "assert not any(m == 'redis' or m.startswith(('redis.', 'scrapy_redis')) for m in sys.modules), sys.modules\n"
        "assert not hasattr(s, 'SCHEDULER') and not hasattr(s, 'REDIS_URL')\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_a_following_writer_archives_one_crawl_after_another(demo_portal, redis_url, tmp_path):
    """`ogi writer --follow` ends each crawl's run when its workers finish and
    waits for the next; a finished crawl leaves no filter behind, so the
    next crawl, of another portal, starts without --fresh."""
    db_path = tmp_path / "archive.db"
    writer_log = tmp_path / "writer.log"
    writer = start(ogi_command("writer", "--redis", redis_url, "--db", db_path, "--follow"), writer_log.open("w"))
    try:
        for name in ("wenshang", "jiaxiang"):
            log = tmp_path / f"{name}.log"
            worker = start(
                ogi_command("worker", "--redis", redis_url, demo_portal.urls[name], settings=[cookies(tmp_path, name)]),
                log.open("w"),
            )
            finish(worker, log)
        deadline = time.monotonic() + 60
        while True:
            runs = list(sqlite_utils.Database(db_path).query("select start_urls, status from crawl_runs order by id"))
            if len(runs) == 2 and runs[1]["status"] == "finished":
                break
            assert writer.poll() is None and time.monotonic() < deadline, writer_log.read_text()[-3000:]
            time.sleep(0.2)
    finally:
        writer.send_signal(signal.SIGINT)
        writer.wait(60)
    assert writer.returncode == 0, writer_log.read_text()[-3000:]
    assert [(run["start_urls"], run["status"]) for run in runs] == [
        (demo_portal.urls["wenshang"], "finished"),
        (demo_portal.urls["jiaxiang"], "finished"),
    ]
    db = sqlite_utils.Database(db_path)
    for run_id, name in ((1, "wenshang"), (2, "jiaxiang")):
        urls = [row["url"] for row in db.query("select url from captures where run_id = ?", [run_id])]
        assert urls and all(url.startswith(demo_portal.urls[name]) for url in urls)
