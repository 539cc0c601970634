"""End to end through httpd + mod_cluster_ajp against the scripted fake AJP backend (fake_ajp.py):
what a client sees, and what reaches the backend, for normal traffic and for backend faults."""

import hashlib
import http.client
import os
import socket
import time

import pytest

import fake_ajp as fa
import httpd_util

pytest_plugins = ["fake_ajp"]

SECRET = "s3cret-fake"

# Exactly one child process (so a child that dies is seen, and one per-child connection pool
# serves every request), with httpd's default event MPM.
ONE_CHILD = "ServerLimit 1\nMaxRequestWorkers 10\nMinSpareThreads 1\nMaxSpareThreads 20\n"


def single_backend_conf(fake, prefix="/app", path="/app", params=f"secret={SECRET}", extra=""):
    """`ProxyPass PREFIX ajp://127.0.0.1:PORT/PATH` with worker parameters after the URL."""
    return (f"{ONE_CHILD}ProxyPass {prefix} ajp://127.0.0.1:{fake.port}{path} {params}\n"
            f"{extra}")


def started(httpd_factory, conf):
    h = httpd_factory(extra_conf=conf)
    h.start()
    return h


def request(h, method, path, headers=None, body=None, encode_chunked=False, timeout=10):
    """(status, reason, HTTPMessage, body) on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {},
                     encode_chunked=encode_chunked)
        r = conn.getresponse()
        return r.status, r.reason, r.msg, r.read()
    finally:
        conn.close()


def raw_exchange(port, data, timeout=10):
    """Sends raw bytes, returns everything the server sends until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
        return out


def log_has(h, text, timeout=3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in h.error_log_text():
            return True
        time.sleep(0.05)
    return False


# ---- what reaches the backend --------------------------------------------------------------------

def test_get_reaches_the_backend_with_the_request_data(fake_ajp_factory, httpd_factory):
    fake = fake_ajp_factory(secret=SECRET)
    h = started(httpd_factory, single_backend_conf(fake) + (
        f"ProxyPass /pub ajp://127.0.0.1:{fake.port}/inner secret={SECRET}\n"))

    conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=10)
    conn.connect()
    client_port = conn.sock.getsockname()[1]
    conn.request("GET", "/app/some/path%20x?a=1&b=%20c", headers={"X-Custom": "v1"})
    r = conn.getresponse()
    assert (r.status, r.read()) == (200, b"fake-ajp ok\n")
    conn.close()

    assert fake.errors == []
    f = fake.requests[0].forward
    assert (f.method_code, f.method, f.protocol) == (2, "GET", "HTTP/1.1")
    assert f.req_uri == "/app/some/path%20x"          # still %-encoded, no query
    assert f.query_string == "a=1&b=%20c"
    assert f.remote_addr == "127.0.0.1"
    assert f.req_attribute("AJP_REMOTE_PORT") == str(client_port)
    assert f.header("Host") == f"127.0.0.1:{h.port}"
    assert f.server_port == h.port
    assert f.secret == SECRET
    assert f.is_ssl is False
    assert f.header("X-Custom") == "v1"

    status, _, _, _ = request(h, "GET", "/pub/p")
    assert status == 200
    f = fake.requests[1].forward
    assert (f.req_uri, f.query_string) == ("/inner/p", None)


def test_every_method_reaches_the_backend(fake_ajp_factory, httpd_factory):
    fake = fake_ajp_factory(secret=SECRET)
    h = started(httpd_factory, single_backend_conf(fake))
    methods = ["OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "PROPFIND", "PROPPATCH",
               "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT", "SEARCH", "PATCH"]
    statuses = {}
    for m in methods:
        body = b"<x/>" if m in ("POST", "PUT", "PATCH", "PROPFIND", "PROPPATCH") else None
        statuses[m] = request(h, m, "/app/res", body=body)[0]
    assert statuses == {m: 200 for m in methods}
    assert [r.forward.method for r in fake.requests] == methods
    # A method travels as its AJP code or, equally valid for Tomcat, as 0xFF + stored_method;
    # PATCH has no code, so it must be the latter.
    for m, r in zip(methods, fake.requests):
        assert r.forward.method_code in (fa.METHOD_CODES.get(m, 0xFF), 0xFF), m
    assert fake.requests[methods.index("GET")].forward.method_code == 2
    assert fake.requests[methods.index("PROPFIND")].forward.method_code == 8
    patch = fake.requests[methods.index("PATCH")]
    assert (patch.forward.method_code, patch.forward.stored_method) == (0xFF, "PATCH")
    assert patch.body == b"<x/>"
    assert fake.requests[methods.index("PROPFIND")].body == b"<x/>"
    assert fake.errors == []


# ---- request bodies ------------------------------------------------------------------------------

def test_post_with_content_length_arrives_intact(fake_ajp_factory, httpd_factory):
    fake = fake_ajp_factory(secret=SECRET, actions=[fa.echo_sha256()])
    h = started(httpd_factory, single_backend_conf(fake))
    data = os.urandom(3 * 1024 * 1024 + 123)
    status, _, _, body = request(h, "POST", "/app/upload", body=data,
                                 headers={"Content-Type": "application/octet-stream"})
    assert status == 200
    assert body.decode() == fa.body_digest_text(data)
    rec = fake.requests[0]
    assert rec.forward.header("Content-Length") == str(len(data))
    assert rec.body_packets[0].requested is None          # the unsolicited first packet
    assert all(len(p.data) <= 8186 for p in rec.body_packets)
    assert rec.body_complete and rec.unrequested_packets == 0
    assert fake.errors == []


def test_chunked_post_arrives_intact(fake_ajp_factory, httpd_factory):
    fake = fake_ajp_factory(secret=SECRET, actions=[fa.echo_sha256()])
    h = started(httpd_factory, single_backend_conf(fake))
    data = os.urandom(2 * 1024 * 1024 + 77)
    pieces = (data[i:i + 50000] for i in range(0, len(data), 50000))
    status, _, _, body = request(h, "POST", "/app/upload", body=pieces, encode_chunked=True,
                                 headers={"Transfer-Encoding": "chunked"})
    assert status == 200
    assert body.decode() == fa.body_digest_text(data)
    rec = fake.requests[0]
    assert rec.forward.header("Content-Length") is None
    assert rec.body_packets[0].requested is not None      # nothing sent before being asked
    assert rec.body == data and rec.unrequested_packets == 0
    assert fake.errors == []


# ---- responses -----------------------------------------------------------------------------------

def test_one_mib_response_arrives_intact(fake_ajp_factory, httpd_factory):
    data = fa.pattern(1024 * 1024)
    fake = fake_ajp_factory(secret=SECRET, actions=[
        fa.reply(200, headers=[("Content-Type", "application/octet-stream"),
                               ("Content-Length", str(len(data)))], body=data),
        fa.reply(200, headers=[("Content-Type", "application/octet-stream")], body=data,
                 chunk_size=1000),                         # no Content-Length, small chunks
    ])
    h = started(httpd_factory, single_backend_conf(fake))
    for _ in range(2):
        status, _, _, body = request(h, "GET", "/app/big")
        assert status == 200
        assert len(body) == len(data) and hashlib.sha256(body).digest() == \
            hashlib.sha256(data).digest()


def test_head_204_304_have_no_body(fake_ajp_factory, httpd_factory):
    fake = fake_ajp_factory(secret=SECRET)
    # Body chunks a backend sends anyway must not reach the client (reference 5.2).
    fake.script(
        fa.reply(200, headers=[("Content-Type", "text/plain"), ("Content-Length", "4")],
                 body=b"junk"),                                                   # HEAD
        fa.reply(204, body=b"junk"),
        fa.reply(304, headers=[("Content-Length", "0")], body=b"junk"),
        fa.text_reply("after\n"))
    h = started(httpd_factory, single_backend_conf(fake))
    # One keep-alive connection: stray body bytes would corrupt the next response.
    conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=10)
    try:
        got = []
        for method, path in (("HEAD", "/app/h"), ("GET", "/app/204"), ("GET", "/app/304"),
                             ("GET", "/app/after")):
            conn.request(method, path)
            r = conn.getresponse()
            got.append((r.status, r.read()))
        assert got == [(200, b""), (204, b""), (304, b""), (200, b"after\n")]
    finally:
        conn.close()
    assert fake.requests[0].forward.method == "HEAD"


def test_several_set_cookie_headers_are_kept(fake_ajp_factory, httpd_factory):
    fake = fake_ajp_factory(secret=SECRET, actions=[fa.reply(200, headers=[
        ("Set-Cookie", "a=1; Path=/app"), ("set-cookie", "b=2"), (0xA007, "c=3; HttpOnly"),
        ("Content-Length", "0")])])
    h = started(httpd_factory, single_backend_conf(fake))
    status, _, msg, _ = request(h, "GET", "/app/c")
    assert status == 200
    assert msg.get_all("Set-Cookie") == ["a=1; Path=/app", "b=2", "c=3; HttpOnly"]


def test_numeric_reason_never_reaches_the_client(fake_ajp_factory, httpd_factory):
    # Tomcat sends the digits as reason ("200"); the client must see "200 OK", not "200 200".
    fake = fake_ajp_factory(secret=SECRET, actions=[
        fa.reply(200, "200", headers=[("Content-Length", "2")], body=b"ok"),
        fa.reply(404, "404", headers=[("Content-Length", "2")], body=b"no"),
        fa.reply(200, "", headers=[("Content-Length", "2")], body=b"ok")])
    h = started(httpd_factory, single_backend_conf(fake))
    lines = []
    for path in ("/app/a", "/app/b", "/app/c"):
        raw = raw_exchange(h.port, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                   "\r\n".encode())
        lines.append(raw.split(b"\r\n", 1)[0])
    assert lines == [b"HTTP/1.1 200 OK", b"HTTP/1.1 404 Not Found", b"HTTP/1.1 200 OK"]


# ---- backend failures ----------------------------------------------------------------------------

def test_503_when_no_member_is_reachable(httpd_factory):
    dead1, dead2 = httpd_util.free_port(), httpd_util.free_port()
    h = started(httpd_factory, (
        f"{ONE_CHILD}ProxyPass /single ajp://127.0.0.1:{dead1}/single\n"
        f"<Proxy balancer://dead>\n"
        f"    BalancerMember ajp://127.0.0.1:{dead1} route=node1\n"
        f"    BalancerMember ajp://127.0.0.1:{dead2} route=node2\n"
        f"</Proxy>\n"
        f"ProxyPass /bal balancer://dead/bal\n"))
    assert request(h, "GET", "/single/x")[0] == 503
    assert request(h, "GET", "/bal/x")[0] == 503
    assert request(h, "GET", "/bal/x", headers={"Cookie": "JSESSIONID=ABC.node2"})[0] == 503


@pytest.mark.parametrize("fault", ["garbage", "close_before_headers", "headers_too_large"])
def test_502_on_a_broken_backend_and_the_child_survives(fake_ajp_factory, httpd_factory, fault):
    action = {
        # Not AJP at all; the fake keeps the connection open, so only the bytes tell.
        "garbage": fa.garbage(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        "close_before_headers": fa.close_before_headers(),
        # SEND_HEADERS with a 9000-byte header: a packet larger than ProxyIOBufferSize 8192.
        "headers_too_large": fa.headers_too_large(9000),
    }[fault]
    fake = fake_ajp_factory(secret=SECRET, actions=[action])
    h = started(httpd_factory, single_backend_conf(fake, params=f"secret={SECRET} retry=0",
                                                   extra="ProxyIOBufferSize 8192\n"))
    before = httpd_util.child_pids(h)
    assert before

    t0 = time.monotonic()
    try:
        status, _, _, body = request(h, "GET", "/app/x")
    except (http.client.HTTPException, ConnectionError) as e:
        status, body = f"aborted ({e!r})", b""
    assert status == 502, (status, body[:200])
    assert time.monotonic() - t0 < 5

    # The broken backend connection is closed, never pooled.
    assert fake.wait_for(lambda: not fake.requests[0].conn.open, 3)
    # Still served by the same child, and the next request works.
    assert request(h, "GET", "/app/y")[:2] == (200, "OK")
    assert httpd_util.child_pids(h) == before


@pytest.mark.parametrize("declared", [True, False])
def test_a_held_answer_in_many_pieces_and_reads_arrives_intact(fake_ajp_factory, httpd_factory,
                                                               declared):
    # A short answer is held until it ends; its pieces stay in the connection's buffer until a
    # read needs the room. Here: 40 tiny chunks in one write (more pieces than are kept in
    # place), then chunks of every size in separate writes (pieces kept across reads), then
    # the rest: the client must get every byte in order, with or without a Content-Length.
    body = bytes((i * 7 + i // 251) % 256 for i in range(60000))

    def pieces(ex):
        ex.send_headers(200, None, [("Content-Type", "application/octet-stream")] +
                        ([("Content-Length", str(len(body)))] if declared else []))
        ex.send_raw(b"".join(fa.body_chunk_packet(body[i:i + 10]) for i in range(0, 400, 10)))
        pos = 400
        for size in (1, 100, 3000, 8184, 5, 8000, 12000):
            time.sleep(0.02)
            ex.send_body(body[pos:pos + size])
            pos += size
        time.sleep(0.02)
        ex.send_body(body[pos:])
        ex.end(True)

    fake = fake_ajp_factory(secret=SECRET, handler=pieces)
    h = started(httpd_factory, single_backend_conf(fake))
    for _ in range(2):  # the second on the pooled connection
        status, _, msg, got = request(h, "GET", "/app/x")
        assert status == 200 and got == body, (status, len(got))
        assert msg.get("Content-Length") == str(len(body)), dict(msg)  # held to the end
    assert fake.errors == []


@pytest.mark.parametrize("flush", ["off", "on"])
def test_more_body_than_content_length_is_cut_short_and_logged(fake_ajp_factory, httpd_factory,
                                                                flush):
    # Content-Length: 10, then 4 + 16 bytes: the client must never get a response that looks
    # complete with other bytes than the backend declared. Held (flushpackets=off), nothing has
    # reached the client: a 502. Streamed (on), the status line is out: the answer is cut short.
    # Either way the log names the member and says why.
    raw = fa.send_headers_packet(200, None, [("Content-Length", "10")]) + \
        fa.body_chunk_packet(b"abcd") + fa.body_chunk_packet(b"0123456789abcdef") + \
        fa.end_response_packet(True)
    fake = fake_ajp_factory(secret=SECRET, actions=[fa.raw_bytes(raw, close=False)])
    h = started(httpd_factory, single_backend_conf(
        fake, params=f"secret={SECRET} retry=0 flushpackets={flush}"))
    try:
        status, _, msg, body = request(h, "GET", "/app/x")
        if flush == "off":
            assert status == 502, (status, dict(msg), body)
        else:
            assert status == 200 and len(body) < 10, (status, dict(msg), body)
    except (http.client.IncompleteRead, http.client.RemoteDisconnected, ConnectionError):
        assert flush == "on"
    assert log_has(h, "more body than its Content-Length"), h.error_log_text()[-3000:]
    line = next(ln for ln in h.error_log_text().splitlines()
                if "more body than its Content-Length" in ln)
    assert "MCA0201" in line and str(fake.port) in line, line
    assert request(h, "GET", "/app/y")[0] == 200


@pytest.mark.parametrize("fault", ["close_after_headers", "close_mid_body",
                                   "bad_body_chunk_length", "second_send_headers"])
def test_backend_failing_mid_response_is_never_a_complete_response(fake_ajp_factory,
                                                                   httpd_factory, fault):
    # Once the status line may have gone out, a 502 is no longer possible: the client must
    # then see a response cut short (a Content-Length not reached, or a chunked body without
    # its last chunk), never one that looks complete.
    bad_chunk = fa.send_headers_packet(200, None, [("Content-Length", "10")]) + \
        fa.container_packet(bytes([fa.SEND_BODY_CHUNK]) + fa.enc_int(5000) + b"short\0")
    twice = fa.send_headers_packet(200, None, []) * 2 + fa.end_response_packet(True)
    action = {
        "close_after_headers": fa.close_after_headers(),
        "close_mid_body": fa.close_mid_body(total=100000, sent=20000),
        "bad_body_chunk_length": fa.raw_bytes(bad_chunk, close=False),
        "second_send_headers": fa.raw_bytes(twice, close=False),
    }[fault]
    fake = fake_ajp_factory(secret=SECRET, actions=[action])
    h = started(httpd_factory, single_backend_conf(fake, params=f"secret={SECRET} retry=0"))
    before = httpd_util.child_pids(h)
    try:
        status, _, msg, body = request(h, "GET", "/app/x")
        if status != 502:
            length = msg.get("Content-Length")
            assert length is not None and len(body) < int(length), \
                f"looks complete: {status} {dict(msg)} {len(body)} bytes"
    except (http.client.IncompleteRead, http.client.RemoteDisconnected, ConnectionError):
        pass
    assert fake.wait_for(lambda: not fake.requests[0].conn.open, 3)
    assert request(h, "GET", "/app/y")[0] == 200
    assert httpd_util.child_pids(h) == before


def test_504_when_the_backend_stalls_past_proxy_timeout(fake_ajp_factory, httpd_factory):
    fake = fake_ajp_factory(secret=SECRET, actions=[fa.stall(10)])
    h = started(httpd_factory, single_backend_conf(fake, extra="ProxyTimeout 1\n"))
    t0 = time.monotonic()
    status = request(h, "GET", "/app/slow", timeout=15)[0]
    elapsed = time.monotonic() - t0
    assert status == 504
    assert 0.8 <= elapsed < 3, elapsed


# ---- connection reuse ----------------------------------------------------------------------------

def test_connection_is_reused_after_reuse_1_and_replaced_after_reuse_0(fake_ajp_factory,
                                                                       httpd_factory):
    ok = fa.text_reply("ok\n")
    fake = fake_ajp_factory(secret=SECRET, actions=[ok, ok, fa.text_reply("last\n", reuse=False),
                                                    ok, ok])
    h = started(httpd_factory, single_backend_conf(fake))
    # (Connections that only carry health-check CPINGs, if any, are left out of the counts.)
    for _ in range(2):
        assert request(h, "GET", "/app/r")[0] == 200
    assert len(fake.request_connections) == 1

    assert request(h, "GET", "/app/r")[3] == b"last\n"      # END_RESPONSE reuse=0
    first = fake.requests[0].conn
    assert fake.wait_for(lambda: not first.open, 3)
    for _ in range(2):
        assert request(h, "GET", "/app/r")[0] == 200
    conns = [r.conn for r in fake.requests]
    assert conns[:3] == [first] * 3
    assert conns[3] is conns[4] and conns[3] is not first
    assert len(fake.request_connections) == 2
    # No connection leaks: only the pooled one is still open.
    assert [c.open for c in fake.request_connections] == [False, True]
    assert fake.errors == []


# ---- secret ------------------------------------------------------------------------------------

def test_secret_mismatch_is_logged_with_the_member(fake_ajp_factory, httpd_factory):
    fake = fake_ajp_factory(secret="the-right-secret")
    h = started(httpd_factory, single_backend_conf(fake, params="secret=a-wrong-secret"))
    request(h, "GET", "/app/x")
    assert fake.requests[0].secret_rejected
    assert log_has(h, "AJP secret rejected by"), h.error_log_text()[-3000:]
    line = next(ln for ln in h.error_log_text().splitlines() if "AJP secret rejected by" in ln)
    assert str(fake.port) in line, line


# ---- requests that must never reach the backend -----------------------------------------------

@pytest.mark.parametrize("path", ["/app/..;/manager/html", "/app/%2e%2e;/manager/html",
                                  "/app/..;jsessionid=X/manager/html", "/app/x/..;/..;/etc"])
def test_dotdot_semicolon_traversal_never_reaches_the_backend(fake_ajp_factory, httpd_factory,
                                                              path):
    fake = fake_ajp_factory(secret=SECRET)
    h = started(httpd_factory, single_backend_conf(fake))
    status = request(h, "GET", path)[0]
    assert status in (400, 403, 404), status
    assert [r.forward.req_uri for r in fake.requests] == []


@pytest.mark.parametrize("protocol_options", ["", "HttpProtocolOptions Unsafe\n"],
                         ids=["strict", "unsafe"])
@pytest.mark.parametrize("value", [b"a\x01b", b"a\x7fb", b"a\x00b"], ids=["x01", "x7f", "x00"])
def test_control_characters_in_a_header_never_reach_the_backend(fake_ajp_factory,
                                                                httpd_factory, value,
                                                                protocol_options):
    # With the default (Strict) httpd refuses such a request itself; with "Unsafe" it lets the
    # value into the request, and the module must not pass it on.
    fake = fake_ajp_factory(secret=SECRET)
    h = started(httpd_factory, single_backend_conf(fake, extra=protocol_options))
    raw = raw_exchange(h.port, b"GET /app/x HTTP/1.1\r\nHost: x\r\nX-Evil: " + value
                       + b"\r\nConnection: close\r\n\r\n")
    status = int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/") else None
    forwarded = [v for r in fake.requests for n, v in r.forward.headers
                 if any(ord(ch) < 32 and ch != "\t" or ord(ch) == 127 for ch in n + v)]
    assert forwarded == []
    assert status == 400 or (status == 200 and all(
        r.forward.header("X-Evil") is None for r in fake.requests)), raw[:300]


def test_member_packet_size_smaller_than_proxyiobuffersize_keeps_bodies_intact(
        fake_ajp_factory, httpd_factory):
    """ProxyIOBufferSize 16384 for the server, but this member speaks 8 KiB packets: every body
    packet, the first (unsolicited, replayable) one included, must fit the member's size."""
    fake = fake_ajp_factory(secret=SECRET, actions=[fa.echo_sha256()], packet_size=8192)
    h = started(httpd_factory, "ProxyIOBufferSize 16384\n" + single_backend_conf(
        fake, params=f"secret={SECRET} iobuffersize=8192"))
    data = os.urandom(40000)
    status, _, _, body = request(h, "POST", "/app/upload", body=data)
    assert status == 200
    assert body.decode() == fa.body_digest_text(data)
    rec = fake.requests[0]
    assert all(len(p.data) <= 8186 for p in rec.body_packets)
    assert rec.body_complete and fake.errors == []


def test_the_same_backend_named_twice_keeps_the_parameters_of_both_lines(
        fake_ajp_factory, httpd_factory):
    """Two ProxyPass lines to one ajp:// URL share one member: the secret given on the second
    line must be sent for requests of both prefixes."""
    fake = fake_ajp_factory(secret=SECRET)
    conf = (f"{ONE_CHILD}ProxyPass /one ajp://127.0.0.1:{fake.port}/app\n"
            f"ProxyPass /two ajp://127.0.0.1:{fake.port}/app secret={SECRET}\n")
    h = started(httpd_factory, conf)
    assert request(h, "GET", "/one/x")[0] == 200
    assert request(h, "GET", "/two/x")[0] == 200
    assert [r.forward.attribute("secret") for r in fake.requests] == [SECRET, SECRET]
