# -*- coding: utf-8 -*-
"""A fault-injecting HTTP proxy between the modules and the AWS emulator (127.0.0.1 only, bounded lifetime).

It forwards every request to the emulator unchanged and, per request, with probability ``rate`` (or for exactly
the calls an ``ops`` filter and a ``budget`` select), answers with one fault instead:

- ``throttle``: the protocol's own throttling error (JSON ``__type`` ThrottlingException, query XML Throttling,
  REST ``x-amzn-ErrorType`` TooManyRequestsException with 429, S3 ``SlowDown`` 503, CBOR for rpc-v2-cbor);
- ``503``: the protocol's ServiceUnavailable shape;
- ``500``: a bare HTML "500 Internal Server Error" page (what a load balancer or a web framework answers - Werkzeug's,
  which raw moto sends; not well-formed XML, so a query-protocol client gets the page as the error message);
- ``drop_before``: the connection closes before the request reaches the emulator (nothing happened);
- ``drop_after``: the request reaches the emulator and takes effect, then the connection closes before the
  answer (the change happened, the answer is lost).

Besides faults, ``patches`` rewrites answers: ``{"GetFunctionConfiguration": {"State": "Pending"}}`` merges those
values into every successful JSON answer of that operation (nested dicts merged, e.g. ``{"Table": {"TableStatus":
"UPDATING"}}``) - evidence the emulator cannot produce (a function still Pending, a table UPDATING), the same for a
module run and a playbook run through the proxy.

The service comes from the SigV4 credential scope, the operation from ``X-Amz-Target`` (JSON), the ``Action`` of
a query body, the rpc-v2-cbor path, or the method and path matched against botocore's own model (REST services).
Every request is logged (service, operation, fault). Seeded: the same seed and requests give the same faults.

Used by the ``faults`` pytest fixture and by ``sandbox.py up --faults RATE[,kinds=a+b,seed=N]``.
"""
from __future__ import annotations

import http.client
import http.server
import json
import random
import re
import socket
import threading
import time
import urllib.parse

KINDS = ("throttle", "503", "500", "drop_before", "drop_after")
_SIGNING_TO_SERVICE = {"monitoring": "cloudwatch", "email": "ses", "states": "stepfunctions"}
_CREDENTIAL_RE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


class FaultProxy:
    """``FaultProxy(upstream_port).start()``; ``endpoint_url``; ``configure(...)``; ``log``; ``stop()``."""

    def __init__(self, upstream_port, rate=0.0, kinds=KINDS, seed=0, ops=None, budget=None, lifetime=3600):
        self.upstream_port = upstream_port
        self.lifetime = lifetime
        self.log = []
        self._lock = threading.Lock()
        self._server = None
        self._timer = None
        self.patches = {}
        self.configure(rate=rate, kinds=kinds, seed=seed, ops=ops, budget=budget)

    # ---- configuration ------------------------------------------------------------------------------------------
    def configure(self, rate=None, kinds=None, seed=None, ops=None, budget=None, patches=None):
        """Change what is injected from now on. ``ops``: operation names (``CreateBackup``) or ``service:Operation``
        to restrict faults to; ``budget``: at most this many faults from now on (None: no limit); ``patches``:
        operation -> values merged into its successful JSON answers (``{}`` for none)."""
        with self._lock:
            if patches is not None:
                self.patches = dict(patches)
            if rate is not None:
                if not 0.0 <= rate <= 1.0:
                    raise ValueError("rate must be between 0 and 1")
                self.rate = rate
            if kinds is not None:
                unknown = set(kinds) - set(KINDS)
                if unknown:
                    raise ValueError("unknown fault kinds: %s" % ", ".join(sorted(unknown)))
                self.kinds = tuple(kinds)
            if seed is not None:
                self._random = random.Random(seed)
            self.ops = set(ops) if ops else None
            self.budget = budget
        return self

    def faults_injected(self):
        with self._lock:
            return [entry for entry in self.log if entry["fault"]]

    def _choose(self, service, operation):
        with self._lock:
            fault = None
            selected = self.ops is None or operation in self.ops or "%s:%s" % (service, operation) in self.ops
            if selected and (self.budget is None or self.budget > 0) and self.rate > 0 and self.kinds:
                if self._random.random() < self.rate:
                    fault = self._random.choice(self.kinds)
                    if self.budget is not None:
                        self.budget -= 1
            self.log.append({"at": time.time(), "service": service, "operation": operation, "fault": fault})
            return fault

    # ---- lifecycle ----------------------------------------------------------------------------------------------
    @property
    def endpoint_url(self):
        return "http://127.0.0.1:%d" % self._server.server_address[1]

    def start(self):
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True).start()
        self._timer = threading.Timer(self.lifetime, self.stop)  # never outlives a forgotten test
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self):
        if self._timer:
            self._timer.cancel()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner = None  # the FaultProxy, set by a subclass

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self):
        body = self._body()
        service, operation, protocol = identify(self.command, self.path, self.headers, body)
        fault = self.owner._choose(service, operation)  # pylint: disable=protected-access
        if fault == "drop_before":
            return self._drop()
        if fault in ("throttle", "503", "500"):
            status, headers, payload = error_response(fault, protocol)
            return self._answer(status, headers, payload)
        status, headers, payload = self._forward(body)
        if fault == "drop_after":
            return self._drop()
        patch = self.owner.patches.get(operation)
        if patch and 200 <= status < 300:
            payload = _patched(payload, patch)
        return self._answer(status, headers, payload)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _handle  # noqa: N815

    def _forward(self, body):
        upstream = http.client.HTTPConnection("127.0.0.1", self.owner.upstream_port, timeout=300)
        try:
            headers = dict((k, v) for k, v in self.headers.items() if k.lower() != "transfer-encoding")
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                headers["Content-Length"] = str(len(body))
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
            return response.status, [(k, v) for k, v in response.getheaders()
                                     if k.lower() not in ("transfer-encoding", "connection", "content-length")], payload
        finally:
            upstream.close()

    def _answer(self, status, headers, payload):
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _merge(answer, patch):
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(answer.get(key), dict):
            _merge(answer[key], value)
        else:
            answer[key] = value
    return answer


def _patched(payload, patch):
    """The JSON answer with the patch's values merged in (an answer that is not a JSON object is left as it is)."""
    try:
        answer = json.loads(payload)
    except ValueError:
        return payload
    return json.dumps(_merge(answer, patch)).encode() if isinstance(answer, dict) else payload


# ---- recognizing the call -------------------------------------------------------------------------------------
_REST_ROUTES = {}


def identify(method, path, headers, body):
    """``(service, operation, protocol)`` of a signed AWS request."""
    match = _CREDENTIAL_RE.search(headers.get("Authorization", ""))
    signing = match.group(1) if match else "unknown"
    service = _SIGNING_TO_SERVICE.get(signing, signing)
    target = headers.get("X-Amz-Target")
    if target:
        return service, target.rsplit(".", 1)[-1], "json"
    if "/operation/" in path:  # smithy rpc-v2-cbor: /service/<Service>/operation/<Operation>
        return service, path.rsplit("/operation/", 1)[1].split("?")[0], "cbor"
    content_type = headers.get("Content-Type", "")
    if "x-www-form-urlencoded" in content_type:
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action", ["unknown"])[0]
        return service, action, "query"
    operation = _rest_operation(service, method, path)
    if service == "s3" and operation in ("PutObject", "CopyObject"):  # one route: the copy has a copy-source header
        operation = "CopyObject" if headers.get("x-amz-copy-source") else "PutObject"
    return service, operation, "rest-xml" if service == "s3" else "rest-json"


def _rest_operation(service, method, path):
    routes = _REST_ROUTES.get(service)
    if routes is None:
        routes = _REST_ROUTES[service] = _routes(service)
    url = urllib.parse.urlsplit(path)
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    for verb, regex, required, name in routes:
        if verb == method and regex.match(urllib.parse.unquote(url.path)) and all(q in query for q in required):
            return name
    return "%s %s" % (method, url.path)


def _routes(service):
    """``(method, path regex, required query keys, operation)`` from botocore's model, most specific first."""
    try:
        import botocore.session
        model = botocore.session.get_session().get_service_model(service)
    except Exception:  # pylint: disable=broad-exception-caught  # an unknown service: name by method and path
        return []
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri, _sep, query = http.get("requestUri", "/").partition("?")
        greedy = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(uri))  # {Key+}: any rest of the path
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", greedy)
        required = [part.split("=")[0] for part in query.split("&") if part]
        routes.append((http.get("method", "POST"), re.compile("^%s/?$" % pattern), required, name))
    return sorted(routes, key=lambda r: (-len(r[2]), -len(r[1].pattern)))


# ---- fault answers --------------------------------------------------------------------------------------------
def error_response(fault, protocol):
    """``(status, headers, body)`` of a throttling / 503 error in the protocol's own shape, or a bare 500."""
    if fault == "500":
        return 500, [("Content-Type", "text/html")], (
            b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n"
            b"<p>The server encountered an internal error and was unable to complete your request.</p>\n")
    code, status = {"throttle": ("ThrottlingException", 400), "503": ("ServiceUnavailableException", 503)}[fault]
    message = "Rate exceeded" if fault == "throttle" else "Service unavailable"
    if protocol == "json":
        return status, [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-ErrorType", code)], \
            json.dumps({"__type": code, "message": message}).encode()
    if protocol == "cbor":
        return status, [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")], \
            _cbor_map({"__type": code, "message": message})
    if protocol == "query":
        query_code = "Throttling" if fault == "throttle" else "ServiceUnavailable"
        return status, [("Content-Type", "text/xml")], (
            "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
            "<RequestId>fault-proxy</RequestId></ErrorResponse>" % (query_code, message)).encode()
    if protocol == "rest-xml":  # S3
        s3_code = "SlowDown" if fault == "throttle" else "ServiceUnavailable"
        return 503, [("Content-Type", "application/xml")], (
            "<Error><Code>%s</Code><Message>%s</Message><RequestId>fault-proxy</RequestId></Error>"
            % (s3_code, message)).encode()
    rest_code, rest_status = ("TooManyRequestsException", 429) if fault == "throttle" else ("ServiceException", 503)
    return rest_status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", rest_code)], \
        json.dumps({"message": message, "Type": "Service"}).encode()


def _cbor_text(text):
    data = text.encode()
    if len(data) < 24:
        return bytes([0x60 + len(data)]) + data
    return bytes([0x78, len(data)]) + data


def _cbor_map(values):
    """CBOR of a small map of short strings (all that an error body needs)."""
    return bytes([0xA0 + len(values)]) + b"".join(_cbor_text(k) + _cbor_text(v) for k, v in values.items())


def parse_spec(spec):
    """``RATE[,kinds=throttle+drop_after,seed=N,ops=CreateBackup+UpdateAlias,budget=N]`` -> FaultProxy kwargs."""
    parts = [p.strip() for p in str(spec).split(",") if p.strip()]
    if not parts:
        raise ValueError("--faults: give a rate, e.g. 0.1 or 0.3,kinds=throttle+503,seed=7")
    options = {"rate": float(parts[0])}
    for part in parts[1:]:
        key, _sep, value = part.partition("=")
        if key == "kinds":
            options["kinds"] = tuple(value.split("+"))
        elif key == "ops":
            options["ops"] = value.split("+")
        elif key in ("seed", "budget"):
            options[key] = int(value)
        else:
            raise ValueError("--faults: unknown setting %r (kinds, seed, ops, budget)" % key)
    return options


def main(argv=None):
    """``python faults.py UPSTREAM_PORT SPEC``: print the proxy's URL, serve until killed or its lifetime ends."""
    import sys
    argv = sys.argv[1:] if argv is None else argv
    proxy = FaultProxy(int(argv[0]), **parse_spec(argv[1])).start()
    print(proxy.endpoint_url, flush=True)
    deadline = time.monotonic() + proxy.lifetime
    while time.monotonic() < deadline and proxy._server is not None:  # pylint: disable=protected-access
        time.sleep(1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
