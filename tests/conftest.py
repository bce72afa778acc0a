"""Shared fixtures: the demo portal on loopback and real crawls of it."""

import json
import shutil

import pytest
import sqlite_utils
from support import DEMO_SITE, run_crawl

from demo import serve


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
    result = run_crawl(demo_portal.urls.values(), db_path)
    return {"path": db_path, "db": sqlite_utils.Database(db_path), "log": result.stderr, "server": demo_portal}


@pytest.fixture
def site_copy(tmp_path):
    """A private copy of the demo site that a test may edit."""
    root = tmp_path / "site"
    shutil.copytree(DEMO_SITE, root)
    return root
