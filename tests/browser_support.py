"""Datasette served as `make serve` does, and headless Debian chromium to look at it."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from support import ROOT

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM or not Path(CHROMIUM).exists(),
    reason="no chromium (apt-get install chromium, or set CHROMIUM_PATH)",
)
# Screenshots are kept here (CI can collect them); OGI_TEST_ARTIFACTS moves them.
ARTIFACTS = Path(os.environ.get("OGI_TEST_ARTIFACTS") or ROOT / "test-artifacts")


def screenshot(page, name):
    path = ARTIFACTS / "browser" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


@contextlib.contextmanager
def serve(path):
    """`datasette serve` of one archive file (named archive.db) on a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    datasette = Path(sys.executable).parent / "datasette"
    server = subprocess.Popen(
        [
            str(datasette),
            "serve",
            "datasette-config",
            "-i",
            str(path),
            "--metadata",
            "datasette-metadata.json",
            "--plugins-dir",
            "plugins",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail("datasette exited: " + server.stderr.read().decode(errors="replace"))
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextlib.contextmanager
def browser_page():
    """A page of headless chromium; yields (page, dialogs seen)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    dialogs = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            yield page, dialogs
        finally:
            browser.close()
