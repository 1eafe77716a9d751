# -*- coding: utf-8 -*-
"""http_check against local HTTP servers (status, latency budget, no answer)."""
from __future__ import annotations

import http.server
import json
import socket
import threading
import time

import pytest


@pytest.fixture
def server():
    """/ok answers 200, /slow answers 200 after 300 ms, /down answers 503."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802  pylint: disable=invalid-name
            path = self.path.split("?", 1)[0]
            if path == "/slow":
                time.sleep(0.3)
            self.send_response(503 if path == "/down" else 200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):  # pylint: disable=arguments-differ
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield "http://127.0.0.1:%d" % srv.server_port
    finally:
        srv.shutdown()


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_status_latency_and_unreachable(run_module, server):
    result = run_module("http_check", {"fail_on": "never", "max_latency_ms": 5000, "endpoints": [
        {"name": "ok", "url": server + "/ok"},
        {"name": "slow", "url": server + "/slow", "max_latency_ms": 100},
        {"name": "down", "url": server + "/down"},
        {"name": "maintenance", "url": server + "/down", "expected_status": [503]},
        {"name": "nothing", "url": "http://127.0.0.1:%d/" % closed_port(), "max_latency_ms": 1000},
    ]}, aws=False)
    by_name = {e["name"]: e for e in result["endpoints"]}
    assert (by_name["ok"]["status"], by_name["ok"]["status_code"]) == ("pass", 200)
    assert by_name["slow"]["status"] == "fail" and by_name["slow"]["latency_ms"] >= 300
    assert "> 100" in by_name["slow"]["reason"]
    assert by_name["down"]["status"] == "fail" and by_name["down"]["reason"].endswith("HTTP 503")
    assert by_name["maintenance"]["status"] == "pass"
    assert by_name["nothing"]["status"] == "fail" and by_name["nothing"]["status_code"] is None
    assert [c["resource"] for c in result["checks"]] == ["ok", "slow", "down", "maintenance", "nothing"]
    failing = run_module("http_check", {"endpoints": [{"url": server + "/down"}]}, aws=False)
    assert failing["failed"] is True and "1 endpoint(s) failed" in failing["msg"]


@pytest.mark.parametrize("args, message", [
    ({"endpoints": [{"url": "ftp://x"}]}, "endpoints[0].url"),
    ({"endpoints": [{"url": "http://x", "max_latency_ms": 0}]}, "endpoints[0].max_latency_ms"),
    ({"endpoints": [{"url": "http://x"}], "timeout": 0}, "timeout"),
])
def test_bad_input(run_module, args, message):
    result = run_module("http_check", args, aws=False)
    assert result["failed"] is True and message in result["msg"], result["msg"]


@pytest.mark.parametrize("path", ["/ok", "/down"])
def test_credentials_in_a_url_never_reach_the_output(server, run_module, path):
    url = server.replace("http://", "http://probe:s3cr3t-value@") + path
    result = run_module("http_check", {"endpoints": [{"url": url}], "fail_on": "never"}, aws=False)
    assert result["endpoints"][0]["status"] == ("pass" if path == "/ok" else "fail")
    assert "s3cr3t-value" not in json.dumps(result), json.dumps(result)
    assert result["endpoints"][0]["url"] == server.replace("http://", "http://***@") + path
    refused = run_module("http_check", {"endpoints": [{"url": "ftp://probe:s3cr3t-value@host/x"}]}, aws=False)
    assert refused["failed"] is True and "s3cr3t-value" not in json.dumps(refused)


@pytest.mark.parametrize("path", ["/ok", "/down"])
def test_a_token_in_a_query_string_never_reaches_the_output(server, run_module, path):
    """#30: ``?api_key=...`` reached the reason, the report and set_stats; every secret-named query value is hidden,
    other parameters are kept."""
    url = server + path + "?api_key=q-s3cr3t-1&page=2&X-Amz-Security-Token=q-s3cr3t-2&monkey=banana"
    result = run_module("http_check", {"endpoints": [{"url": url}], "fail_on": "never"}, aws=False)
    assert result["endpoints"][0]["status"] == ("pass" if path == "/ok" else "fail")
    assert "q-s3cr3t" not in json.dumps(result), json.dumps(result)
    assert result["endpoints"][0]["url"] == server + path + "?api_key=***&page=2&X-Amz-Security-Token=***&monkey=banana"
