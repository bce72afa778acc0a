"""Fixtures for the demo portal tests.

Portals with a `_challenge.json` (qufu, jinxiang) make demo/serve.py answer every request
with a firewall challenge. Tests about what the pages contain serve a copy of the site
without those files ("open"); tests about the challenge itself use the site as built.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from demo import serve  # noqa: E402

SITE = REPO / "demo" / "site"


@pytest.fixture(scope="session")
def open_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("open") / "site"
    shutil.copytree(SITE, root)
    for f in root.glob("*/_challenge.json"):
        f.unlink()
    return root


@pytest.fixture(scope="module")
def demo(open_site):
    """The demo portals served from a copy without firewall challenges."""
    with serve.start(open_site) as d:
        yield d
