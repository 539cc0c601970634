"""The fake AJP backend itself, checked with a raw-socket client of this file's own (hand-made
bytes and struct, none of fake_ajp's encoders) against the byte layouts of the reference
(/work/shared/reference/ajp13.md, sections 1.3-1.11)."""

import hashlib
import socket
import struct
import time

import pytest

import fake_ajp as fa
from fake_ajp import FakeAjp

pytest_plugins = ["fake_ajp"]

# Reference 1.4: GET /app/x?a=1 over TLS, Host h, X-A: b, secret s, AJP_REMOTE_PORT 5000.
GOLDEN_FORWARD = bytes.fromhex(
    "12 34 00 63 02 02 00 08 48 54 54 50 2f 31 2e 31"
    "00 00 06 2f 61 70 70 2f 78 00 00 08 31 30 2e 30"
    "2e 30 2e 37 00 ff ff 00 01 68 00 01 bb 01 00 02"
    "a0 0b 00 01 68 00 00 03 58 2d 41 00 00 01 62 00"
    "0c 00 01 73 00 05 00 03 61 3d 31 00 0a 00 0f 41"
    "4a 50 5f 52 45 4d 4f 54 45 5f 50 4f 52 54 00 00"
    "04 35 30 30 30 00 ff")
CPING = bytes.fromhex("12 34 00 01 0a")
CPONG = bytes.fromhex("41 42 00 01 09")
END_REUSE = bytes.fromhex("41 42 00 02 05 01")
END_CLOSE = bytes.fromhex("41 42 00 02 05 00")
GET_BODY_CHUNK_8186 = bytes.fromhex("41 42 00 03 06 1f fa")


# ---- this file's own tiny AJP client ------------------------------------------------------------

def s(text):
    b = text.encode("latin-1")
    return struct.pack(">H", len(b)) + b + b"\0"


def forward(method_code=2, uri="/x", headers=(), attrs=b"", stored=None):
    """A FORWARD_REQUEST built by hand. headers: (int code or str name, value)."""
    p = bytes([2, method_code]) + s("HTTP/1.1") + s(uri) + s("127.0.0.1") + b"\xff\xff"
    p += s("localhost") + struct.pack(">H", 80) + b"\0" + struct.pack(">H", len(headers))
    for name, value in headers:
        p += struct.pack(">H", name) if isinstance(name, int) else s(name)
        p += s(value)
    p += attrs
    if stored:
        p += b"\x0d" + s(stored)
    p += b"\xff"
    return b"\x12\x34" + struct.pack(">H", len(p)) + p


def body(data):
    if not data:
        return b"\x12\x34\x00\x00"
    return b"\x12\x34" + struct.pack(">H", len(data) + 2) + struct.pack(">H", len(data)) + data


def recv_n(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            break
        out += chunk
    return out


def read_packet(sock):
    """(raw packet bytes, payload) from the container; (b"", None) at EOF."""
    head = recv_n(sock, 4)
    if len(head) < 4:
        return head, None
    assert head[:2] == b"AB", head.hex()
    n = struct.unpack(">H", head[2:])[0]
    payload = recv_n(sock, n)
    assert len(payload) == n
    return head + payload, payload


def read_response(sock):
    """Reads up to END_RESPONSE; returns (status, reason, headers, body, reuse, raw)."""
    status = reason = reuse = None
    headers, data, raw = [], b"", b""
    while True:
        pkt, p = read_packet(sock)
        raw += pkt
        if p is None:
            break
        if p[0] == 4:
            status = struct.unpack(">H", p[1:3])[0]
            n = struct.unpack(">H", p[3:5])[0]
            reason = p[5:5 + n].decode()
            pos = 5 + n + 1
            count = struct.unpack(">H", p[pos:pos + 2])[0]
            pos += 2
            for _ in range(count):
                v = struct.unpack(">H", p[pos:pos + 2])[0]
                if v & 0xFF00 == 0xA000:
                    name, pos = v, pos + 2
                else:
                    name, pos = p[pos + 2:pos + 2 + v].decode(), pos + 2 + v + 1
                n = struct.unpack(">H", p[pos:pos + 2])[0]
                headers.append((name, p[pos + 2:pos + 2 + n].decode()))
                pos += 2 + n + 1
        elif p[0] == 3:
            n = struct.unpack(">H", p[1:3])[0]
            assert len(p) == 3 + n + 1 and p[-1] == 0, "SEND_BODY_CHUNK without its NUL"
            data += p[3:3 + n]
        elif p[0] == 5:
            assert len(p) == 2
            reuse = p[1] == 1
            break
        else:
            raise AssertionError(f"unexpected packet {pkt.hex()}")
    return status, reason, headers, data, reuse, raw


def connect(fake):
    sock = socket.create_connection(("127.0.0.1", fake.port), timeout=5)
    return sock


def is_closed(sock, timeout=2.0):
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


# ---- CPING ---------------------------------------------------------------------------------------

def test_cping_gets_cpong_and_connection_stays(fake_ajp):
    with connect(fake_ajp) as sock:
        for _ in range(3):
            sock.sendall(CPING)
            assert recv_n(sock, 5) == CPONG
        assert fake_ajp.wait_for(lambda: fake_ajp.cpings == 3)
        assert fake_ajp.accepted == 1 and fake_ajp.open_connections == 1
    assert fake_ajp.wait_for(lambda: fake_ajp.open_connections == 0)
    assert fake_ajp.connections[0].closed_by == "peer"
    assert fake_ajp.errors == []


@pytest.mark.parametrize("mode", ["stall", "garbage", "close"])
def test_cping_misbehaviours(fake_ajp, mode):
    fake_ajp.cping = mode
    with connect(fake_ajp) as sock:
        sock.sendall(CPING)
        sock.settimeout(0.5)
        if mode == "stall":
            with pytest.raises(socket.timeout):
                sock.recv(5)
        elif mode == "garbage":
            got = sock.recv(100)
            assert got and got[:2] != b"AB"
        else:
            assert is_closed(sock)
    assert fake_ajp.cpings == 1


# ---- FORWARD_REQUEST parsing ------------------------------------------------------------------

def test_golden_forward_request_parses_to_the_right_fields(fake_ajp):
    with connect(fake_ajp) as sock:
        sock.sendall(GOLDEN_FORWARD)
        status, _, _, data, reuse, _ = read_response(sock)
    assert (status, data, reuse) == (200, b"fake-ajp ok\n", True)
    rec = fake_ajp.requests[0]
    f = rec.forward
    assert rec.raw == GOLDEN_FORWARD
    assert (f.method_code, f.method, f.protocol) == (2, "GET", "HTTP/1.1")
    assert (f.req_uri, f.remote_addr, f.remote_host) == ("/app/x", "10.0.0.7", None)
    assert (f.server_name, f.server_port, f.is_ssl) == ("h", 443, True)
    assert f.headers == [("host", "h"), ("X-A", "b")]
    assert f.header_codes == [0xA00B, None]
    assert f.header("HOST") == "h" and f.header("x-a") == "b"
    assert (f.secret, f.query_string) == ("s", "a=1")
    assert f.req_attributes == [("AJP_REMOTE_PORT", "5000")]
    assert f.req_attribute("AJP_REMOTE_PORT") == "5000"
    assert [c for c, _, _ in f.attributes] == [0x0C, 0x05, 0x0A]
    assert fake_ajp.errors == []


def test_fake_encoder_reproduces_the_golden_bytes():
    # The encoder the tiny AjpClient uses (for Tomcat probes) agrees with the reference too.
    assert fa.encode_forward_request(
        method="GET", req_uri="/app/x", remote_addr="10.0.0.7", remote_host=None,
        server_name="h", server_port=443, is_ssl=True, headers=[("host", "h"), ("X-A", "b")],
        secret="s", query_string="a=1", remote_port=5000) == GOLDEN_FORWARD


def test_stored_method_and_all_attributes_parse(fake_ajp):
    attrs = (b"\x01" + s("ctx") + b"\x02" + s("/sp") + b"\x03" + s("alice") + b"\x04"
             + s("Basic") + b"\x06" + s("node1") + b"\x07" + s("PEM") + b"\x08"
             + s("TLS_AES") + b"\x09" + s("sess") + b"\x0b" + struct.pack(">H", 256)
             + b"\x0a" + s("AJP_SSL_PROTOCOL") + s("TLSv1.3"))
    headers = [(0xA009, "JSESSIONID=abc.node1"), (0xA007, "text/plain"), ("X-Custom", "v")]
    with connect(fake_ajp) as sock:
        sock.sendall(forward(0xFF, "/p", headers, attrs, stored="PATCH"))
        assert read_response(sock)[0] == 200
    f = fake_ajp.requests[0].forward
    assert (f.method_code, f.method, f.stored_method) == (0xFF, "PATCH", "PATCH")
    assert (f.context, f.servlet_path, f.remote_user, f.auth_type) == (
        "ctx", "/sp", "alice", "Basic")
    assert (f.route, f.ssl_cert, f.ssl_cipher, f.ssl_session, f.ssl_key_size) == (
        "node1", "PEM", "TLS_AES", "sess", 256)
    assert f.req_attribute("AJP_SSL_PROTOCOL") == "TLSv1.3"
    assert f.headers == [("cookie", "JSESSIONID=abc.node1"), ("content-type", "text/plain"),
                         ("X-Custom", "v")]
    assert f.secret is None and f.query_string is None


@pytest.mark.parametrize("code,name", [(1, "OPTIONS"), (3, "HEAD"), (8, "PROPFIND"),
                                       (13, "LOCK"), (27, "MKACTIVITY")])
def test_method_codes(fake_ajp, code, name):
    with connect(fake_ajp) as sock:
        sock.sendall(forward(code))
        read_response(sock)
    assert fake_ajp.requests[0].forward.method == name


@pytest.mark.parametrize("bad", [
    b"GET / HTTP/1.1\r\n\r\n",                             # not AJP: bad magic
    forward()[:-1] + b"\x42\xff",                           # unknown attribute code 0x42
    b"\x12\x34\x00\x03\x02\x63\x00",                        # method code 99, truncated
    b"\x12\x34\x00\x00",                                    # empty first packet
    b"\x12\x34\x00\x01\x08",                                # PING: never valid
], ids=["http", "unknown-attribute", "bad-method", "empty-packet", "ping"])
def test_bad_bytes_are_recorded_and_the_connection_closed(fake_ajp, bad):
    with connect(fake_ajp) as sock:
        sock.sendall(bad)
        assert is_closed(sock)
    assert fake_ajp.wait_for(lambda: fake_ajp.errors)
    assert fake_ajp.requests == []


def test_oversized_packet_is_refused(fake_ajp_factory):
    fake = fake_ajp_factory(packet_size=8192)
    big = forward(headers=[("X-Big", "y" * 8200)])
    assert len(big) > 8192
    with connect(fake) as sock:
        sock.sendall(big)
        assert is_closed(sock)
    assert any("exceeds the packet size" in e for e in fake.errors)


# ---- responses, byte by byte --------------------------------------------------------------------

def test_get_gets_the_scripted_response_bytes_exactly(fake_ajp):
    fake_ajp.script(fake_ajp_reply_hello(), fake_ajp_reply_hello())
    expected = (
        # SEND_HEADERS: type 4, status 200, reason "200", 1 header: 0xA001 Content-Type
        bytes.fromhex("41 42 00 1a 04 00 c8 00 03 32 30 30 00 00 01 a0 01 00 0a")
        + b"text/plain\0"
        # SEND_BODY_CHUNK: type 3, length 5, "hello", trailing NUL
        + bytes.fromhex("41 42 00 09 03 00 05") + b"hello\0"
        + END_REUSE)
    with connect(fake_ajp) as sock:
        for _ in range(2):  # reuse: the same connection serves a second request
            sock.sendall(forward(2, "/app/x"))
            assert recv_n(sock, len(expected)) == expected
        sock.settimeout(0.2)
        with pytest.raises(socket.timeout):
            sock.recv(1)  # nothing more than that
    assert fake_ajp.accepted == 1
    assert [r.index for r in fake_ajp.requests] == [0, 1]
    assert fake_ajp.connections[0].raw_out == expected * 2


def fake_ajp_reply_hello():
    return fa.reply(200, headers=[("Content-Type", "text/plain")], body=b"hello")


def test_response_header_names_codes_and_strings(fake_ajp):
    fake_ajp.script(fa.reply(302, "Found", headers=[
        ("Location", "/x"), ("Set-Cookie", "a=1"), ("set-cookie", "b=2"), (0xA007, "c=3"),
        ("X-Other", "o")]))
    with connect(fake_ajp) as sock:
        sock.sendall(forward())
        status, reason, headers, data, reuse, _ = read_response(sock)
    assert (status, reason, data, reuse) == (302, "Found", b"", True)
    # Exact-case names go as codes (Tomcat's rule), other spellings as strings.
    assert headers == [(0xA006, "/x"), (0xA007, "a=1"), ("set-cookie", "b=2"), (0xA007, "c=3"),
                       ("X-Other", "o")]


def test_reuse_false_sends_end_0_and_closes(fake_ajp):
    fake_ajp.script(fa.reply(200, reuse=False))
    with connect(fake_ajp) as sock:
        sock.sendall(forward())
        status, _, _, _, reuse, raw = read_response(sock)
        assert raw.endswith(END_CLOSE) and reuse is False
        assert is_closed(sock)
    assert fake_ajp.wait_for(lambda: fake_ajp.open_connections == 0)
    assert fake_ajp.connections[0].closed_by == "fake"


def test_large_response_in_tomcat_sized_chunks(fake_ajp):
    data = fa.pattern(50000)
    fake_ajp.script(fa.reply(200, body=data))
    with connect(fake_ajp) as sock:
        sock.sendall(forward())
        _, _, _, got, _, raw = read_response(sock)
    assert got == data
    # 8184 = packet size - 8 per SEND_BODY_CHUNK, as Tomcat.
    assert raw.count(b"AB\x1f\xfc\x03\x1f\xf8") == 50000 // 8184


# ---- request bodies ----------------------------------------------------------------------------

def test_body_is_read_through_get_body_chunk(fake_ajp):
    data = bytes(range(256)) * 79  # 20224 bytes
    fake_ajp.script(fa.echo_sha256())
    with connect(fake_ajp) as sock:
        sock.sendall(forward(4, "/upload", [(0xA008, str(len(data)))]))
        sock.sendall(body(data[:8186]))                  # unsolicited first packet
        sent = 8186
        while True:
            pkt = recv_n(sock, 7)
            if pkt != GET_BODY_CHUNK_8186:
                break
            piece = data[sent:sent + 8186]
            sock.sendall(body(piece))
            sent += len(piece)
        rest = pkt + b""
        sock.settimeout(5)
        status, _, _, text, reuse, _ = read_response_from(sock, rest)
    assert status == 200 and reuse
    assert text.decode() == f"length: {len(data)}\nsha256: {hashlib.sha256(data).hexdigest()}\n"
    rec = fake_ajp.requests[0]
    assert rec.body == data and rec.body_complete
    assert [len(p.data) for p in rec.body_packets] == [8186, 8186, 3852, 0]
    assert [p.requested for p in rec.body_packets] == [None, 8186, 8186, 8186]
    assert rec.unrequested_packets == 0 and fake_ajp.errors == []


def read_response_from(sock, already):
    """read_response() when the first bytes were already read."""
    class Prefixed:
        def __init__(self):
            self.buf = already

        def recv(self, n):
            if self.buf:
                out, self.buf = self.buf[:n], self.buf[n:]
                return out
            return sock.recv(n)
    return read_response(Prefixed())


def test_chunked_body_has_no_unsolicited_packet(fake_ajp):
    fake_ajp.script(fa.echo_sha256())
    with connect(fake_ajp) as sock:
        sock.sendall(forward(4, "/upload", [("Transfer-Encoding", "chunked")]))
        assert recv_n(sock, 7) == GET_BODY_CHUNK_8186   # asks first
        sock.sendall(body(b"hello "))
        assert recv_n(sock, 7) == GET_BODY_CHUNK_8186
        sock.sendall(body(b"world"))
        assert recv_n(sock, 7) == GET_BODY_CHUNK_8186
        sock.sendall(body(b""))
        status, _, _, text, _, _ = read_response(sock)
    assert b"length: 11\n" in text
    assert fake_ajp.requests[0].body == b"hello world"


def test_unread_body_first_packet_is_swallowed_and_connection_reused(fake_ajp):
    # The action never reads the body: like Tomcat the fake took the one unsolicited packet.
    with connect(fake_ajp) as sock:
        for _ in range(2):
            sock.sendall(forward(4, "/p", [(0xA008, "5")]) + body(b"abcde"))
            assert read_response(sock)[4] is True
    assert [r.body for r in fake_ajp.requests] == [b"abcde", b"abcde"]
    assert fake_ajp.errors == [] and fake_ajp.accepted == 1


def test_body_sent_without_being_asked_is_an_error(fake_ajp):
    fake_ajp.script(fa.echo_sha256())
    with connect(fake_ajp) as sock:
        # Chunked: no packet may come before GET_BODY_CHUNK.
        sock.sendall(forward(4, "/p", [("Transfer-Encoding", "chunked")]) + body(b"early"))
        time.sleep(0.2)
        sock.settimeout(2)
        recv_n(sock, 7)
    assert fake_ajp.wait_for(lambda: fake_ajp.errors)
    assert "before it was asked for" in fake_ajp.errors[0]


# ---- secret -------------------------------------------------------------------------------------

def test_wrong_secret_gets_tomcats_403_and_close(fake_ajp_factory):
    fake = fake_ajp_factory(secret="right")
    with connect(fake) as sock:
        sock.sendall(forward(attrs=b"\x0c" + s("wrong")))
        status, reason, headers, data, reuse, _ = read_response(sock)
        assert (status, reason, reuse) == (403, "403", False)
        assert b"HTTP Status 403" in data
        assert (0xA003, str(len(data))) in headers
        assert is_closed(sock)
    with connect(fake) as sock:
        sock.sendall(forward())                      # no secret at all
        assert read_response(sock)[0] == 403
    with connect(fake) as sock:
        sock.sendall(forward(attrs=b"\x0c" + s("right")))
        assert read_response(sock)[:2] == (200, "200")
    assert [r.secret_rejected for r in fake.requests] == [True, True, False]


# ---- faults -------------------------------------------------------------------------------------

def test_close_before_headers(fake_ajp):
    fake_ajp.script(fa.close_before_headers())
    with connect(fake_ajp) as sock:
        sock.sendall(forward())
        assert is_closed(sock)


def test_close_after_headers_and_mid_body(fake_ajp):
    fake_ajp.script(fa.close_after_headers(), fa.close_mid_body(100000, 20000))
    with connect(fake_ajp) as sock:
        sock.sendall(forward())
        status, _, _, data, reuse, _ = read_response(sock)
        assert (status, data, reuse) == (200, b"", None)
    with connect(fake_ajp) as sock:
        sock.sendall(forward())
        status, _, headers, data, reuse, _ = read_response(sock)
        assert (status, len(data), reuse) == (200, 20000, None)
        assert (0xA003, "100000") in headers


def test_garbage_keeps_the_connection_until_the_peer_closes(fake_ajp):
    fake_ajp.script(fa.garbage(b"HTTP/1.1 200 OK\r\n\r\n"))
    with connect(fake_ajp) as sock:
        sock.sendall(forward())
        assert recv_n(sock, 19) == b"HTTP/1.1 200 OK\r\n\r\n"
        assert not is_closed(sock, 0.3)
    assert fake_ajp.wait_for(lambda: fake_ajp.open_connections == 0)


def test_stall_then_reply(fake_ajp):
    fake_ajp.script(fa.stall(0.6, then=fa.reply(200)))
    with connect(fake_ajp) as sock:
        t0 = time.monotonic()
        sock.sendall(forward())
        assert read_response(sock)[0] == 200
        assert time.monotonic() - t0 >= 0.55


def test_stall_is_cut_short_by_stop():
    fake = FakeAjp(actions=[fa.stall(30)]).start()
    sock = connect(fake)
    sock.sendall(forward())
    assert fake.wait_requests(1)
    t0 = time.monotonic()
    fake.stop()
    assert time.monotonic() - t0 < 3
    assert is_closed(sock)
    sock.close()


def test_headers_larger_than_a_packet(fake_ajp):
    fake_ajp.script(fa.headers_too_large(9000))
    with connect(fake_ajp) as sock:
        sock.sendall(forward())
        head = recv_n(sock, 5)
        assert head[:2] == b"AB" and head[4] == 4
        assert struct.unpack(">H", head[2:4])[0] > 8192 - 4


def test_handler_function_and_script_order(fake_ajp):
    seen = []

    def handler(ex):
        seen.append(ex.req.req_uri)
        ex.reply(201, body=ex.req.req_uri.encode())

    fake_ajp.handler = handler
    fake_ajp.script(fa.reply(202))
    with connect(fake_ajp) as sock:
        codes = []
        for uri in ("/a", "/b", "/c"):
            sock.sendall(forward(uri=uri))
            codes.append(read_response(sock)[0])
    assert codes == [202, 201, 201]
    assert seen == ["/b", "/c"]


# ---- connection accounting, lifecycle -----------------------------------------------------------

def test_counts_connections_and_stop_closes_everything():
    with FakeAjp() as fake:
        socks = [connect(fake) for _ in range(3)]
        assert fake.wait_for(lambda: fake.accepted == 3 and fake.open_connections == 3)
        socks[0].close()
        assert fake.wait_for(lambda: fake.open_connections == 2)
        port = fake.port
    assert fake.open_connections == 0
    for sock in socks[1:]:
        assert is_closed(sock)
        sock.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_tiny_client_against_the_fake(fake_ajp):
    # fake_ajp.AjpClient is what the Tomcat fixture uses; it must follow the body rules.
    fake_ajp.script(fa.echo_sha256(), fa.echo_sha256())
    data = fa.pattern(30000)
    with fa.AjpClient(port=fake_ajp.port) as c:
        assert c.cping()
        r = c.request("PUT", "/u", body=data, secret="x", remote_port=1234)
        assert (r.status, r.reuse) == (200, True)
        assert r.body.decode() == fa.body_digest_text(data)
        assert r.get_body_chunks == [8186, 8186, 8186, 8186]
        r = c.request("POST", "/u", body=b"abc", chunked=True)
        assert r.body.decode() == fa.body_digest_text(b"abc")
    f = fake_ajp.requests[0].forward
    assert (f.method, f.secret, f.req_attribute("AJP_REMOTE_PORT")) == ("PUT", "x", "1234")
    assert f.header("content-length") == "30000"
    assert fake_ajp.requests[1].forward.header("content-length") is None
    assert fake_ajp.errors == []


def test_more_body_than_content_length_is_an_error(fake_ajp):
    fake_ajp.script(fa.echo_sha256())
    with connect(fake_ajp) as sock:
        sock.sendall(forward(4, "/p", [(0xA008, "5")]) + body(b"0123456789"))
        recv_n(sock, 7)
        sock.sendall(body(b""))
        read_response(sock)
    assert any("more than Content-Length 5" in e for e in fake_ajp.errors), fake_ajp.errors
