"""Datasette plugin: CSV that Excel opens as UTF-8.

Excel on Chinese Windows reads a CSV without a byte-order mark as GBK, so
Datasette's UTF-8 CSV shows mojibake. This prepends the UTF-8 BOM to the
body of every successful CSV response (`.csv`, `?_format=csv`, streamed
or not). Hand-written: no maintained Datasette plugin does this (PyPI has
none for CSV encoding), and it is a few lines of ASGI.
"""

from urllib.parse import parse_qs

from datasette import hookimpl

BOM = b"\xef\xbb\xbf"
CSV_TYPES = (b"text/csv", b"text/plain")


def _asks_for_csv(scope):
    if scope.get("type") != "http" or scope.get("method") != "GET":
        return False
    if scope.get("path", "").endswith(".csv"):
        return True
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return query.get("_format") == ["csv"]


def with_bom(app):
    async def wrapped(scope, receive, send):
        if not _asks_for_csv(scope):
            return await app(scope, receive, send)
        state = {"csv": False, "sent": False}

        async def send_with_bom(message):
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                state["csv"] = message["status"] == 200 and content_type.split(b";")[0].strip() in CSV_TYPES
                if state["csv"]:
                    # A fixed Content-Length must count the three BOM bytes.
                    headers = [
                        (k, str(int(v) + len(BOM)).encode() if k.lower() == b"content-length" else v)
                        for k, v in headers
                    ]
                    message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and state["csv"] and not state["sent"]:
                # Streamed CSV comes in many chunks: only the first gets it.
                state["sent"] = True
                message = {**message, "body": BOM + message.get("body", b"")}
            await send(message)

        return await app(scope, receive, send_with_bom)

    return wrapped


@hookimpl
def asgi_wrapper(datasette):
    return with_bom
