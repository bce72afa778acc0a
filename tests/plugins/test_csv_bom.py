"""plugins/csv_bom.py on a bare ASGI app: the cases Datasette does not show today."""

import asyncio

from plugins.csv_bom import BOM, with_bom


def respond(path, status=200, content_type=b"text/csv; charset=utf-8", chunks=(b"a,b\r\n",), query=b""):
    """Run with_bom over an app that answers with a fixed Content-Length; return what was sent."""

    async def app(scope, receive, send):
        length = str(sum(len(chunk) for chunk in chunks)).encode()
        headers = [(b"content-type", content_type), (b"content-length", length)]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        for index, chunk in enumerate(chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": index < len(chunks) - 1})

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "query_string": query}
    asyncio.run(with_bom(app)(scope, None, send))
    headers = dict(sent[0]["headers"])
    return sent[0]["status"], headers, b"".join(message["body"] for message in sent[1:])


def test_a_fixed_length_counts_the_bom():
    status, headers, body = respond("/archive/reports.csv", chunks=(b"a,b\r\n", b"1,2\r\n"))
    assert body == BOM + b"a,b\r\n1,2\r\n"
    assert int(headers[b"content-length"]) == len(body) == 13


def test_format_csv_gets_the_bom_too():
    _, _, body = respond("/archive/reports", query=b"_format=csv")
    assert body == BOM + b"a,b\r\n"


def test_errors_and_other_types_are_untouched():
    _, headers, body = respond("/archive/reports.csv", status=400)
    assert body == b"a,b\r\n" and headers[b"content-length"] == b"5"
    _, _, body = respond("/archive/reports.csv", content_type=b"text/html")
    assert body == b"a,b\r\n"
    _, _, body = respond("/archive/reports.json", content_type=b"application/json")
    assert body == b"a,b\r\n"
