"""demo/serve.py playing a web application firewall (_challenge.json)."""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # works with bare `pytest` too, not only `python -m pytest`
    sys.path.insert(0, str(REPO))

from support import DEMO_SITE, fetch  # noqa: E402

from demo import serve  # noqa: E402

NONCE = re.compile(rb'var n = "([0-9a-f]+)"')


@pytest.fixture
def portals(tmp_path):
    """qufu three times: behind a js challenge, behind a CAPTCHA, and open."""

    def make(**max_age):
        for name, mode in (("js", "js"), ("captcha", "captcha"), ("open", None)):
            shutil.copytree(DEMO_SITE / "qufu", tmp_path / name)
            (tmp_path / name / "_challenge.json").unlink(missing_ok=True)  # the demo's own firewall
            if mode:
                (tmp_path / name / "_challenge.json").write_text(
                    json.dumps({"mode": mode, "cookie": "waf_clearance", "max_age": max_age.get(mode, 600)})
                )
        return serve.start(tmp_path)

    return make


def challenge_cookie(body):
    """The cookie the js challenge's script would set."""
    nonce = NONCE.search(body).group(1).decode()
    return f"waf_clearance={nonce}.{serve.challenge_answer(nonce)}"


def test_js_challenge(portals):
    with portals() as demo:
        for path in ("/robots.txt", "/", "/col/col15257/index.html"):
            status, headers, body = fetch(demo.url("js", path))
            assert status == 412, path
            assert headers["Content-Type"] == "text/html; charset=utf-8"
            assert b"<script>" in body and b"location.reload()" in body
        assert fetch(demo.url("js", "/"), method="HEAD")[0] == 412
        assert fetch(demo.url("js", "/"), method="POST", body=b"a=1")[0] == 412

        cookie = challenge_cookie(fetch(demo.url("js", "/robots.txt"))[2])
        status, _, body = fetch(demo.url("js", "/robots.txt"), headers={"Cookie": "x=1; " + cookie})
        assert (status, body) == (200, (DEMO_SITE / "qufu" / "robots.txt").read_bytes())
        assert fetch(demo.url("js", "/col/col15257/index.html"), headers={"Cookie": cookie})[0] == 200
        # One nonce's cookie serves many requests, but only on its own portal.
        assert fetch(demo.url("js", "/"), headers={"Cookie": cookie})[0] == 200
        assert fetch(demo.url("captcha", "/"), headers={"Cookie": cookie})[0] == 412
        # The firewall's file is never served, not even past the firewall.
        assert fetch(demo.url("js", "/_challenge.json"), headers={"Cookie": cookie})[0] == 404
        assert fetch(demo.url("open", "/robots.txt"))[0] == 200


def test_js_challenge_cannot_be_guessed(portals):
    with portals() as demo:
        nonce = NONCE.search(fetch(demo.url("js", "/"))[2]).group(1).decode()
        wrong = [
            f"waf_clearance={nonce}.0",  # wrong value
            f"waf_clearance={nonce}",  # no value
            "waf_clearance=0123456789abcdef." + serve.challenge_answer("0123456789abcdef"),  # a nonce never issued
            f"other={nonce}.{serve.challenge_answer(nonce)}",  # another cookie's name
        ]
        for cookie in wrong:
            assert fetch(demo.url("js", "/"), headers={"Cookie": cookie})[0] == 412, cookie


def test_js_challenge_cookie_expires(portals):
    with portals(js=1) as demo:
        body = fetch(demo.url("js", "/"))[2]
        assert b"max-age=1" in body
        cookie = challenge_cookie(body)
        assert fetch(demo.url("js", "/"), headers={"Cookie": cookie})[0] == 200
        time.sleep(1.1)
        assert fetch(demo.url("js", "/"), headers={"Cookie": cookie})[0] == 412


def test_captcha_never_passes(portals):
    with portals() as demo:
        status, _, body = fetch(demo.url("captcha", "/robots.txt"))
        assert status == 412
        text = body.decode("utf-8")
        assert "验证码" in text and "<img" in text and "<form" in text
        assert "document.cookie" not in text
        nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', text).group(1)
        # Not the js answer, not a form post, nothing.
        cookie = f"waf_clearance={nonce}.{serve.challenge_answer(nonce)}"
        assert fetch(demo.url("captcha", "/"), headers={"Cookie": cookie})[0] == 412
        form = f"captcha=abcd&nonce={nonce}".encode()
        assert (
            fetch(
                demo.url("captcha", "/_verify"),
                method="POST",
                body=form,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )[0]
            == 412
        )


def test_answer_matches_the_script():
    # FNV-1a 32-bit: known vectors, as the page's Math.imul loop computes them.
    assert serve.challenge_answer("") == "811c9dc5"
    assert serve.challenge_answer("a") == "e40c292c"
    assert serve.challenge_answer("foobar") == "bf9cf968"
