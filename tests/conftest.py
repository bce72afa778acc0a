"""Shared fixtures: the demo portal on loopback and real crawls of it."""

import json
import shutil
from pathlib import Path

import pytest
import sqlite_utils
from support import DEMO_SITE, run_crawl

from demo import serve

# The slowest files (crawls end to end), started first. `make test` runs the
# suite in two processes, one file at a time each (--dist loadfile, in
# collection order): a slow file left for the end kept one process busy alone.
SLOW_FILES = (
    "document/readers/test_ocr_300dpi.py",
    "document/readers/test_ocr_150dpi.py",
    "test_crawl_demo.py",
    "test_challenge_end_to_end.py",
    "test_recrawl.py",
    "bench/test_run.py",
    "hostile/test_hostile_crawl.py",
    "test_real_shapes_end_to_end.py",
    "test_kill_loop.py",
    "test_warc_end_to_end.py",
    "test_distributed.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {name: index for index, name in enumerate(SLOW_FILES)}
    tests = Path(__file__).parent
    # Stable: the order within a file, and of the other files, is kept.
    items.sort(key=lambda item: rank.get(item.path.relative_to(tests).as_posix(), len(rank)))


@pytest.fixture(scope="session")
def manifest():
    return json.loads((DEMO_SITE / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_portal():
    with serve.start(DEMO_SITE) as server:
        yield server


@pytest.fixture(scope="session")
def crawled_archive(demo_portal, tmp_path_factory):
    """One crawl of the unchanged demo portal, shared read-only by tests.

    The file is named archive.db so Datasette names the database "archive",
    as datasette-metadata.json expects.
    """
    db_path = tmp_path_factory.mktemp("crawl") / "archive.db"
    result = run_crawl(demo_portal.urls.values(), db_path, ocr=True)
    return {"path": db_path, "db": sqlite_utils.Database(db_path), "log": result.stderr, "server": demo_portal}


@pytest.fixture
def site_copy(tmp_path):
    """A private copy of the demo site that a test may edit."""
    root = tmp_path / "site"
    shutil.copytree(DEMO_SITE, root)
    return root
