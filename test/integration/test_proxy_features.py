"""Features end to end, against the scripted fake AJP backend (fake_ajp.py): what Tomcat learns
about the client (TLS, authenticated user, addresses), streaming of responses (flushpackets and
explicit flushes), the per-child connection pool (CPing before reuse, stale connections,
disablereuse, max/acquire), clients that go away mid-response, the prefork MPM, and failover
between the members of a balancer."""

import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time

import pytest

import fake_ajp as fa
import httpd_util

pytest_plugins = ["fake_ajp"]

# Exactly one child process, so one per-child connection pool serves every request (event MPM).
ONE_CHILD = "ServerLimit 1\nMaxRequestWorkers 10\nMinSpareThreads 1\nMaxSpareThreads 20\n"
MODS = httpd_util.modules_dir()


# ---- helpers -------------------------------------------------------------------------------------

def started(httpd_factory, conf, **kwargs):
    h = httpd_factory(extra_conf=conf, **kwargs)
    h.start()
    return h


def request(h, method, path, headers=None, body=None, port=None, timeout=10):
    """(status, HTTPMessage, body) on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port or h.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.msg, r.read()
    finally:
        conn.close()


def wait_until(predicate, timeout=5.0, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def log_lines(h, text, timeout=3.0):
    """Error-log lines containing `text` (waits up to `timeout` for the first one)."""
    wait_until(lambda: text in h.error_log_text(), timeout)
    return [ln for ln in h.error_log_text().splitlines() if text in ln]


def packet_types(raw):
    """Types of the web server -> container packets in `raw` (FORWARD_REQUEST=2, CPING=10; a
    request-body packet has no type and is reported as "body")."""
    out = []
    i = 0
    while i + 4 <= len(raw):
        assert raw[i:i + 2] == fa.TO_CONTAINER_MAGIC, raw[i:i + 8].hex()
        n = int.from_bytes(raw[i + 2:i + 4], "big")
        payload = raw[i + 4:i + 4 + n]
        out.append(payload[0] if payload and payload[0] in (fa.FORWARD_REQUEST, fa.CPING)
                   else "body")
        i += 4 + n
    return out


def http_get_raw(port, path, extra_headers="", timeout=10):
    """A connected socket with `GET path` sent (Connection: close)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
              f"{extra_headers}\r\n".encode())
    return s


def read_until(sock, marker, timeout):
    """Reads until `marker` was received; returns (data, seconds it took) or (data, None)."""
    t0 = time.monotonic()
    data = b""
    sock.settimeout(0.05)
    while time.monotonic() - t0 < timeout:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        data += chunk
        if marker in data:
            return data, time.monotonic() - t0
    return data, None


def read_all(sock, timeout=10):
    sock.settimeout(timeout)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


# ---- what Tomcat learns about the client ---------------------------------------------------------

@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A self-signed server certificate and a client certificate (openssl req -x509)."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is not installed (apt-get install openssl)", pytrace=False)
    d = tmp_path_factory.mktemp("tls")
    files = {}
    for who, cn in (("server", "localhost"), ("client", "alice-client")):
        cert, key = d / f"{who}.pem", d / f"{who}.key"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-subj", f"/CN={cn}", "-days", "1", "-keyout", str(key),
                        "-out", str(cert)], check=True, capture_output=True)
        files[who] = (cert, key)
    return files


def tls_conf(h, fake, tls_files, tls_port, extra_vhost=""):
    cert, key = tls_files["server"]
    # httpd reads the key as root before the children switch user; copy into the ServerRoot
    # anyway so everything of this httpd lives in one directory.
    h.write_file("tls/server.pem", cert.read_bytes())
    h.write_file("tls/server.key", key.read_bytes(), mode=0o600)
    return (
        f"{ONE_CHILD}"
        f"LoadModule socache_shmcb_module {MODS}/mod_socache_shmcb.so\n"
        f"LoadModule ssl_module {MODS}/mod_ssl.so\n"
        f"Listen 127.0.0.1:{tls_port}\n"
        f"<VirtualHost 127.0.0.1:{tls_port}>\n"
        "    ServerName localhost\n"
        "    SSLEngine on\n"
        f"    SSLCertificateFile {h.root}/tls/server.pem\n"
        f"    SSLCertificateKeyFile {h.root}/tls/server.key\n"
        f"{extra_vhost}"
        "</VirtualHost>\n"
        f"ProxyPass /app ajp://127.0.0.1:{fake.port}/app\n")


def tls_get(port, path, client_cert=None):
    """GET over TLS: (status, the client's view of the TLS session, client port)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if client_cert:
        ctx.load_cert_chain(*client_cert)
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    try:
        conn.connect()
        client_port = conn.sock.getsockname()[1]
        session = {"cipher": conn.sock.cipher(), "version": conn.sock.version()}
        conn.request("GET", path, headers={"Host": f"localhost:{port}"})
        r = conn.getresponse()
        r.read()
        return r.status, session, client_port
    finally:
        conn.close()


def test_tls_attributes_reach_the_backend_only_over_tls(httpd_factory, fake_ajp_factory,
                                                        tls_files):
    fake = fake_ajp_factory()
    tls_port = httpd_util.free_port()
    h = httpd_factory()
    h.extra_conf = tls_conf(h, fake, tls_files, tls_port)
    h.write_conf()
    h.start()

    status, session, client_port = tls_get(tls_port, "/app/secure?x=1")
    assert status == 200
    f = fake.requests[0].forward
    cipher_name, _, secret_bits = session["cipher"]
    assert f.is_ssl is True
    assert f.ssl_cipher == cipher_name
    assert isinstance(f.ssl_key_size, int) and f.ssl_key_size == secret_bits
    assert f.req_attribute("AJP_SSL_PROTOCOL") == session["version"]
    assert f.ssl_cert is None  # no client certificate was sent
    assert f.req_attribute("AJP_REMOTE_PORT") == str(client_port)
    assert (f.server_name, f.server_port) == ("localhost", tls_port)
    assert (f.req_uri, f.query_string) == ("/app/secure", "x=1")

    # The same mapping over plain HTTP: none of it.
    status, _, _ = request(h, "GET", "/app/plain")
    assert status == 200
    f = fake.requests[1].forward
    assert f.is_ssl is False
    assert (f.ssl_cipher, f.ssl_key_size, f.ssl_session, f.ssl_cert) == (None, None, None, None)
    assert f.req_attribute("AJP_SSL_PROTOCOL") is None
    assert fake.errors == []


def test_a_client_certificate_reaches_the_backend_as_pem(httpd_factory, fake_ajp_factory,
                                                         tls_files):
    fake = fake_ajp_factory()
    tls_port = httpd_util.free_port()
    h = httpd_factory()
    h.extra_conf = tls_conf(h, fake, tls_files, tls_port,
                            extra_vhost="    SSLVerifyClient optional_no_ca\n")
    h.write_conf()
    h.start()
    status, _, _ = tls_get(tls_port, "/app/cert", client_cert=tls_files["client"])
    assert status == 200
    f = fake.requests[0].forward
    assert f.is_ssl is True
    want = tls_files["client"][0].read_text().strip()
    assert f.ssl_cert is not None and f.ssl_cert.strip() == want


def test_the_user_httpd_authenticated_reaches_the_backend(httpd_factory, fake_ajp_factory):
    if shutil.which("htpasswd") is None:
        pytest.fail("htpasswd is not installed (apt-get install apache2-utils)", pytrace=False)
    fake = fake_ajp_factory()
    h = httpd_factory()
    pwfile = h.root / "htpasswd"
    subprocess.run(["htpasswd", "-cb", str(pwfile), "alice", "wonderland"], check=True,
                   capture_output=True)
    pwfile.chmod(0o644)
    h.extra_conf = (
        f"{ONE_CHILD}"
        f"LoadModule authn_core_module {MODS}/mod_authn_core.so\n"
        f"LoadModule authn_file_module {MODS}/mod_authn_file.so\n"
        f"LoadModule auth_basic_module {MODS}/mod_auth_basic.so\n"
        f"LoadModule authz_user_module {MODS}/mod_authz_user.so\n"
        f"ProxyPass /app ajp://127.0.0.1:{fake.port}/app\n"
        "<Location /app>\n"
        "    AuthType Basic\n"
        '    AuthName "cluster"\n'
        "    AuthBasicProvider file\n"
        f"    AuthUserFile {pwfile}\n"
        "    Require valid-user\n"
        "</Location>\n")
    h.write_conf()
    h.start()

    status, msg, _ = request(h, "GET", "/app/private")
    assert status == 401 and "Basic" in msg.get("WWW-Authenticate", "")
    status, _, _ = request(h, "GET", "/app/private",
                           headers={"Authorization": "Basic YWxpY2U6d3Jvbmc="})  # alice:wrong
    assert status == 401
    assert fake.requests == []  # httpd refused both; Tomcat saw nothing

    status, _, _ = request(h, "GET", "/app/private",
                           headers={"Authorization": "Basic YWxpY2U6d29uZGVybGFuZA=="})
    assert status == 200
    f = fake.requests[0].forward
    assert (f.remote_user, f.auth_type) == ("alice", "Basic")


def test_client_address_port_and_server_name(httpd_factory, fake_ajp_factory):
    fake = fake_ajp_factory()
    h = started(httpd_factory, f"{ONE_CHILD}ProxyPass /app ajp://127.0.0.1:{fake.port}/app\n")
    got = []
    for host in ("www.example.test", "www.example.test:8123", None):
        conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=10)
        conn.connect()
        client_port = conn.sock.getsockname()[1]
        if host is None:
            conn.request("GET", "/app/who")  # http.client sends Host: 127.0.0.1:PORT
        else:
            conn.putrequest("GET", "/app/who", skip_host=True)
            conn.putheader("Host", host)
            conn.endheaders()
        r = conn.getresponse()
        r.read()
        conn.close()
        assert r.status == 200
        got.append(client_port)
    for rec, client_port in zip(fake.requests, got):
        f = rec.forward
        assert f.remote_addr == "127.0.0.1"
        assert f.req_attribute("AJP_REMOTE_PORT") == str(client_port)
        assert f.req_attribute("AJP_LOCAL_ADDR") == "127.0.0.1"
    names = [(r.forward.server_name, r.forward.server_port, r.forward.header("Host"))
             for r in fake.requests]
    assert names == [("www.example.test", h.port, "www.example.test"),
                     ("www.example.test", 8123, "www.example.test:8123"),
                     ("127.0.0.1", h.port, f"127.0.0.1:{h.port}")]


# ---- streaming -----------------------------------------------------------------------------------

FIRST = b"FIRST-CHUNK-" * 4
REST = b"the-rest-" * 10


def first_then_rest(pause=1.5, flush=False):
    """Headers (no Content-Length) and a small first chunk, [an AJP flush], a pause, the rest."""
    def action(ex):
        ex.send_headers(200, None, [("Content-Type", "text/plain")])
        ex.send_body(FIRST)
        if flush:
            ex.flush()
        if ex.stall(pause):
            ex.send_body(REST)
            ex.end()
    return action


@pytest.mark.parametrize("mode", ["flushpackets_on", "explicit_flush", "control_no_flush"])
def test_a_flushed_chunk_reaches_the_client_before_the_rest(httpd_factory, fake_ajp_factory,
                                                            mode):
    fake = fake_ajp_factory(actions=[first_then_rest(flush=mode == "explicit_flush")])
    params = "flushpackets=on" if mode == "flushpackets_on" else "flushpackets=off"
    h = started(httpd_factory,
                f"{ONE_CHILD}ProxyPass /app ajp://127.0.0.1:{fake.port}/app {params}\n")
    s = http_get_raw(h.port, "/app/stream")
    try:
        data, took = read_until(s, FIRST, timeout=1.0)
        if mode == "control_no_flush":
            # Without a flush httpd keeps a small chunk until more comes: the two tests above
            # measure the module's flushing, not httpd's buffering.
            assert took is None, f"first chunk arrived after {took:.2f}s without any flush"
        else:
            assert took is not None, f"first chunk not received within 1 s: {data[:300]!r}"
        data += read_all(s)
    finally:
        s.close()
    assert data.startswith(b"HTTP/1.1 200 ")
    head, body = data.split(b"\r\n\r\n", 1)
    # The whole body arrives in order: streamed (chunked) once something was flushed; without a
    # flush the short answer is held until it ends and goes out with a Content-Length.
    assert FIRST in body and REST in body and body.index(FIRST) < body.index(REST)
    if mode == "control_no_flush":
        assert b"\r\nContent-Length: " in head, head
    else:
        assert body.endswith(b"0\r\n\r\n")


# ---- the connection pool -------------------------------------------------------------------------

def test_ping_sends_a_cping_before_reusing_a_connection(httpd_factory, fake_ajp_factory):
    fake = fake_ajp_factory()
    h = started(httpd_factory,
                f"{ONE_CHILD}ProxyPass /app ajp://127.0.0.1:{fake.port}/app ping=1\n")
    for _ in range(2):
        assert request(h, "GET", "/app/p")[0] == 200
    first, second = fake.requests
    assert first.conn is second.conn, "the second request did not reuse the pooled connection"
    types = packet_types(bytes(first.conn.raw_in))
    fwd = [i for i, t in enumerate(types) if t == fa.FORWARD_REQUEST]
    assert len(fwd) == 2, types
    assert types[fwd[1] - 1] == fa.CPING, f"no CPING right before the reused request: {types}"
    assert fake.errors == []


def test_the_member_connection_is_back_in_the_pool_before_the_client_has_the_answer(
        httpd_factory, fake_ajp_factory):
    # Requests one after another, each on a new client connection (so possibly another worker):
    # every one finds the member connection the previous one used, idle in the pool.
    fake = fake_ajp_factory()
    h = started(httpd_factory, f"{ONE_CHILD}ProxyPass /app ajp://127.0.0.1:{fake.port}/app\n")
    for i in range(20):
        assert request(h, "GET", f"/app/{i}")[0] == 200
    assert len(fake.request_connections) == 1, len(fake.request_connections)
    assert fake.errors == []


def test_ping_waits_no_longer_than_ping_for_the_cpong(httpd_factory, fake_ajp_factory):
    # The member's sockets block with the kernel's time-outs; a CPong that never comes must end
    # the wait after ping=, not after the (much longer) I/O timeout.
    fake = fake_ajp_factory(cping="stall")
    h = started(httpd_factory, f"{ONE_CHILD}ProxyTimeout 30\n"
                               f"ProxyPass /app ajp://127.0.0.1:{fake.port}/app ping=300ms\n")
    t0 = time.monotonic()
    status = request(h, "GET", "/app/p", timeout=20)[0]
    elapsed = time.monotonic() - t0
    assert status == 503
    assert 0.25 <= elapsed < 3, elapsed
    assert wait_until(lambda: "no CPong from ajp://127.0.0.1:" in h.error_log_text())
    assert "within 300 ms" in h.error_log_text()
    assert fake.requests == []


def test_a_small_answer_is_written_before_the_handler_returns(httpd_factory, fake_ajp_factory):
    # Written while the worker still holds the connection (so httpd can find the client's next
    # request on the same thread), not left for the MPM's write completion: the core's write of
    # the whole answer is logged before the module's end-of-answer line. A bigger answer is left
    # to httpd, and every answer arrives whole either way.
    small, big = b"s" * 1000, bytes(range(256)) * 400  # 1000 B and 100 KiB
    fake = fake_ajp_factory(actions=[fa.text_reply(small), fa.text_reply(big)])
    h = started(httpd_factory, f"{ONE_CHILD}ProxyPass /app ajp://127.0.0.1:{fake.port}/app\n",
                log_level="warn core:trace6 cluster_ajp:trace1")
    conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=10)
    try:
        for path, body in (("/app/small", small), ("/app/big", big)):
            conn.request("GET", path)
            r = conn.getresponse()
            assert (r.status, r.read()) == (200, body)
    finally:
        conn.close()
    # The line comes after the write, so the client may have the answer before it is logged.
    assert wait_until(lambda: h.error_log_text().count("MCA0208") >= 2)
    ends = log_lines(h, "MCA0208")
    assert len(ends) == 2, ends
    assert "answered 200 with 1000 body bytes" in ends[0]
    assert "answered 200 with 102400 body bytes" in ends[1]
    client = re.search(r"\[client [^]]+\]", ends[0]).group(0)
    lines = h.error_log_text().splitlines()
    end_small = lines.index(ends[0])
    writes = [ln for ln in lines[:end_small] if "writev_nonblocking:" in ln and client in ln]
    assert writes, lines[:end_small]
    written, wanted = writes[-1].rsplit("writev_nonblocking: ", 1)[1].split()[0].split("/")
    assert written == wanted and int(written) > len(small), writes[-1]


def test_after_writing_a_small_answer_the_worker_yields_the_cpu(httpd_factory, fake_ajp_factory):
    # Each answer written at once is followed, in the same thread, by a sched_yield (the rest
    # of the request can wait for threads ready to run); a bigger answer is left to httpd.
    small, big = b"y" * 17, bytes(range(256)) * 400
    fake = fake_ajp_factory(actions=[fa.text_reply(small)] * 3 + [fa.text_reply(big)])
    h = started(httpd_factory, f"{ONE_CHILD}ProxyPass /app ajp://127.0.0.1:{fake.port}/app\n")
    (child,) = httpd_util.child_pids(h)
    trace = os.path.join(h.root, "strace.out")
    st = subprocess.Popen(["strace", "-f", "-p", str(child), "-e", "trace=writev,sched_yield",
                           "-s", "16", "-o", trace], stderr=subprocess.PIPE, text=True)
    try:
        attached = st.stderr.readline()  # "strace: Process N attached"
        assert "attached" in attached, attached
        time.sleep(0.3)  # every thread attached
        conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=10)
        try:
            for i, body in enumerate([small] * 3 + [big]):
                conn.request("GET", f"/app/{i}")
                r = conn.getresponse()
                assert (r.status, r.read()) == (200, body)
        finally:
            conn.close()
        time.sleep(0.3)
    finally:
        st.send_signal(signal.SIGINT)
        st.wait(timeout=10)
    calls = []  # (thread, what)
    for line in open(trace):
        m = re.match(r"(\d+) +(writev|sched_yield)\((.*)", line)
        if m:
            what = m.group(2)
            if what == "writev" and "HTTP/1.1 200" in m.group(3):
                what = "answer"
            calls.append((m.group(1), what))
    answers = [i for i, c in enumerate(calls) if c[1] == "answer"]
    assert len(answers) == 4, calls
    for i in answers[:3]:
        following = [c for c in calls[i + 1:] if c[0] == calls[i][0]]
        assert following and following[0][1] == "sched_yield", (i, calls)
    assert not any(c[1] == "sched_yield" for c in calls[answers[3]:]), calls


def malloc_backtraces(h, child, work, stop_at, stop):
    """Attaches gdb to `child` and logs a backtrace for every malloc and operator new while
    work() runs; stop() then makes the child reach `stop_at`, where gdb detaches (so nothing
    depends on timing). Returns gdb's output."""
    commands = os.path.join(h.root, "gdb.cmd")
    with open(commands, "w") as f:
        for where in ("malloc", "operator new(unsigned long)"):
            f.write(f"break {where}\ncommands\nsilent\nbt 16\ncontinue\nend\n")
        f.write(f"break {stop_at}\ncommands\ndetach\nquit\nend\ncontinue\n")
    gdb = subprocess.Popen(["gdb", "-p", str(child), "-batch", "-nx", "-x", commands],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = ""
    while "Breakpoint 3 at" not in seen:  # attached, the breakpoints set
        line = gdb.stdout.readline()
        assert line, seen[-3000:]
        seen += line
    # Drained all along: a full pipe would stop gdb, and with it the child.
    rest = []
    reader = threading.Thread(target=lambda: rest.append(gdb.stdout.read()), daemon=True)
    reader.start()
    try:
        work()
        stop()
        gdb.wait(timeout=60)
    except BaseException:
        gdb.kill()
        raise
    reader.join(10)
    return seen + "".join(rest)


def traces_through(out, function):
    return [t for t in out.split("\n#0 ") if f"{function} " in t or f"{function} (" in t]


def test_a_proxied_request_takes_no_memory_from_malloc(httpd_factory, fake_ajp_factory):
    # Everything a request needs beyond httpd's own structures comes from the request pool: the
    # backend path, the lists of headers and attributes, the Cookie headers of a sticky session,
    # the request body's packets. A thread's first malloc gives it a cache and a share of an
    # arena for the life of the child, so a child grew as more of its threads served requests.
    def action(ex):
        ex.read_body()
        fa.text_reply("hello\n", extra_headers=[("X-Served-By", "fake"),
                                                ("Cache-Control", "no-store")])(ex)

    fake = fake_ajp_factory(handler=action)
    h = started(httpd_factory, ONE_CHILD + balancer_conf("mem", [
        f"ajp://127.0.0.1:{fake.port} route=node1"], "stickysession=JSESSIONID") +
        "<Location /balancer-manager>\n  SetHandler balancer-manager\n</Location>\n")
    (child,) = httpd_util.child_pids(h)
    conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=30)
    headers = {"Accept": "text/plain", "User-Agent": "test", "X-Forwarded-For": "10.0.0.1",
               "Accept-Language": "en"}

    def call(method, path, extra=None, body=None):
        conn.request(method, path, headers={**headers, **(extra or {})}, body=body)
        r = conn.getresponse()
        return r.status, r.read()

    long_path = "/app/servlets/servlet/" + "HelloWorldExample/" * 8 + "x.jsp"
    sticky = {"Cookie": "a=1; JSESSIONID=0123456789ABCDEF0123456789ABCDEF.node1"}

    def work():
        for i in range(1, 4):
            assert call("GET", f"/app/{i}?q={i}") == (200, b"hello\n")
        assert call("GET", long_path + "?name=value&other=1") == (200, b"hello\n")
        assert call("GET", "/app/a%20b;jsessionid=0123456789ABCDEF.node1") == (200, b"hello\n")
        assert call("GET", "/app/sticky", sticky) == (200, b"hello\n")
        assert call("POST", "/app/form", {"Content-Type": "text/plain"},
                    b"x" * 4096) == (200, b"hello\n")
        # More than one packet: the rest is asked for with GET_BODY_CHUNK.
        assert call("POST", "/app/upload", {"Content-Type": "text/plain"},
                    b"y" * 40000) == (200, b"hello\n")

    try:
        assert call("GET", "/app/0") == (200, b"hello\n")  # sets up the member's pool
        out = malloc_backtraces(h, child, work, "mca::glue::HandleManager",
                                lambda: call("GET", "/balancer-manager?format=json"))
    finally:
        conn.close()
    assert len(fake.requests) == 9
    assert [len(r.body) for r in fake.requests[-2:]] == [4096, 40000]
    # A backtrace through the module's handler is a malloc on the request path.
    ours = traces_through(out, "mca::glue::Handle")
    assert not ours, ours[:3]


def test_the_manager_page_takes_no_memory_from_malloc(httpd_factory, fake_ajp_factory):
    # Monitoring asks for the page every few seconds, on whatever thread is free: the snapshot,
    # the text and every piece of it are built in the request pool, in all four formats.
    fake = fake_ajp_factory()
    h = started(httpd_factory, ONE_CHILD + balancer_conf("memorycluster", [
        f"ajp://127.0.0.1:{fake.port} route=node1-with-a-long-route",
        f"ajp://127.0.0.1:{httpd_util.free_port()} route=node2"], "stickysession=JSESSIONID") +
        "<Location /balancer-manager>\n  SetHandler balancer-manager\n</Location>\n")
    (child,) = httpd_util.child_pids(h)
    conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=30)

    def get(path):
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()

    pages = ["/balancer-manager", "/balancer-manager?format=json", "/balancer-manager?xml=1",
             "/balancer-manager?format=prometheus", "/balancer-manager?refresh=5"]

    def work():
        for page in pages:
            status, body = get(page)
            assert status == 200 and b"memorycluster" in body, (page, body[:300])

    try:
        for page in pages:  # the page as it will be looked at
            assert get(page)[0] == 200
        # Every handler hook sees every request: stop where only a proxied request goes.
        out = malloc_backtraces(h, child, work, "mca::glue::PrepareClientRequest",
                                lambda: get("/app/stop"))
    finally:
        conn.close()
    ours = traces_through(out, "mca::glue::HandleManager")
    assert not ours, ours[:3]


def test_a_pooled_connection_closed_while_idle_is_retried_transparently(httpd_factory,
                                                                        fake_ajp_factory):
    def reply_then_close(ex):
        # reuse=1, then the backend drops the idle connection (Tomcat's keepAliveTimeout).
        fa.text_reply("first\n")(ex)
        ex.close()

    fake = fake_ajp_factory(actions=[reply_then_close])
    h = started(httpd_factory,
                f"{ONE_CHILD}ProxyPass /app ajp://127.0.0.1:{fake.port}/app retry=60\n")
    assert request(h, "GET", "/app/a")[2] == b"first\n"
    assert fake.wait_for(lambda: not fake.requests[0].conn.open, 3)

    status, _, body = request(h, "GET", "/app/b")
    assert (status, body) == (200, b"fake-ajp ok\n")
    assert len(fake.request_connections) == 2
    assert [r.forward.req_uri for r in fake.requests] == ["/app/a", "/app/b"]
    # Not counted against the member: it is still in rotation (retry=60 would give 503).
    assert request(h, "GET", "/app/c")[0] == 200
    assert "MCA0302" not in h.error_log_text()
    assert fake.errors == []


def test_disablereuse_opens_a_connection_per_request(httpd_factory, fake_ajp_factory):
    fake = fake_ajp_factory()
    h = started(httpd_factory, f"{ONE_CHILD}ProxyPass /app ajp://127.0.0.1:{fake.port}/app "
                               "disablereuse=On\n")
    for _ in range(3):
        assert request(h, "GET", "/app/x")[0] == 200
    conns = [r.conn for r in fake.requests]
    assert len(set(c.id for c in conns)) == 3
    # Each is closed by httpd after its response (END_RESPONSE said reuse=1).
    assert fake.wait_for(lambda: all(not c.open for c in conns), 3)
    assert all(c.closed_by == "peer" for c in conns), [c.closed_by for c in conns]


def test_max_1_makes_a_second_request_wait_for_the_connection(httpd_factory, fake_ajp_factory):
    def slow(ex):
        ex.stall(0.5)
        fa.text_reply("slow\n")(ex)

    fake = fake_ajp_factory(handler=slow)
    h = started(httpd_factory, f"{ONE_CHILD}ProxyPass /app ajp://127.0.0.1:{fake.port}/app "
                               "max=1\n")
    results = []

    def get():
        results.append(request(h, "GET", "/app/slow")[:3:2])

    t0 = time.monotonic()
    threads = [threading.Thread(target=get) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    elapsed = time.monotonic() - t0
    assert results == [(200, b"slow\n")] * 2
    # One connection, used one request after the other.
    assert len(fake.request_connections) == 1
    assert fake.requests[0].conn is fake.requests[1].conn
    assert elapsed >= 0.95, elapsed


def test_max_1_with_acquire_gives_503_quickly_while_the_connection_is_busy(httpd_factory,
                                                                          fake_ajp_factory):
    release = threading.Event()

    def held(ex):
        release.wait(10)
        fa.text_reply("held\n")(ex)

    fake = fake_ajp_factory(actions=[held])
    h = started(httpd_factory, f"{ONE_CHILD}ProxyPass /app ajp://127.0.0.1:{fake.port}/app "
                               "max=1 acquire=100\n")
    first = []
    t = threading.Thread(target=lambda: first.append(request(h, "GET", "/app/first")[:3:2]))
    t.start()
    try:
        assert fake.wait_requests(1, 5)
        t0 = time.monotonic()
        status = request(h, "GET", "/app/second")[0]
        elapsed = time.monotonic() - t0
        assert status == 503
        assert elapsed < 1.0, elapsed
    finally:
        release.set()
        t.join(15)
    assert first == [(200, b"held\n")]
    assert [r.forward.req_uri for r in fake.requests] == ["/app/first"]
    # The busy connection did not take the member out of rotation.
    assert request(h, "GET", "/app/third")[0] == 200


@pytest.mark.parametrize("params", ["", "connectiontimeout=1"])
def test_connection_refused_gives_503_fast(httpd_factory, params):
    dead = httpd_util.free_port()
    h = started(httpd_factory, f"{ONE_CHILD}ProxyPass /down ajp://127.0.0.1:{dead}/down "
                               f"{params}\n")
    t0 = time.monotonic()
    status = request(h, "GET", "/down/x")[0]
    assert status == 503
    assert time.monotonic() - t0 < 1.0
    lines = log_lines(h, f"127.0.0.1:{dead}")
    assert lines, h.error_log_text()[-2000:]


# ---- a client that goes away mid-response ------------------------------------------------------

def test_a_client_that_goes_away_mid_response(httpd_factory, fake_ajp_factory):
    total = 5 * 1024 * 1024
    chunk = 8000
    aborted = []

    def slow_stream(ex):
        ex.send_headers(200, None, [("Content-Type", "application/octet-stream"),
                                    ("Content-Length", str(total))])
        sent = 0
        try:
            while sent < total:
                ex.send_raw(fa.body_chunk_packet(fa.pattern(chunk, sent)))
                sent += chunk
                if not ex.stall(0.005):
                    return
        except fa.PeerClosed:
            aborted.append(ex.record)
            raise
        ex.end()

    fake = fake_ajp_factory(handler=slow_stream)
    h = started(httpd_factory, f"{ONE_CHILD}ProxyPass /app ajp://127.0.0.1:{fake.port}/app\n")
    children = httpd_util.child_pids(h)
    assert len(children) == 1
    child = next(iter(children))

    def one_abort():
        s = http_get_raw(h.port, "/app/big")
        got = b""
        while len(got) < 1024:
            piece = s.recv(1024 - len(got))
            assert piece
            got += piece
        s.close()
        return got

    def fds():
        return len(os.listdir(f"/proc/{child}/fd"))

    # Warm up (first connection, lazily resolved address, ...), then measure.
    for _ in range(2):
        assert one_abort().startswith(b"HTTP/1.1 200 ")
    assert fake.wait_for(lambda: len(aborted) == 2, 5), "the backend connection stayed open"
    baseline = fds()
    for _ in range(20):
        one_abort()
    # Every backend connection of an aborted response is closed by httpd (the fake's send
    # fails), none goes back to the pool with the rest of the response unread.
    assert fake.wait_for(lambda: len(aborted) == 22, 10), (len(aborted), len(fake.requests))
    assert fake.wait_for(lambda: all(not r.conn.open for r in fake.requests), 5)
    assert len(fake.request_connections) == 22
    assert all(r.index == 0 for r in fake.requests)
    # No descriptor leak in the child (client sockets, backend sockets).
    assert wait_until(lambda: fds() <= baseline + 1, 5), (baseline, fds())
    # The child is alive and serves.
    assert httpd_util.child_pids(h) == children
    fake.handler = None
    assert request(h, "GET", "/app/after")[2] == b"fake-ajp ok\n"


# ---- prefork -------------------------------------------------------------------------------------

def test_prefork_serves_get_post_502_and_503(httpd_factory, fake_ajp_factory):
    fake = fake_ajp_factory()
    dead = httpd_util.free_port()
    h = started(httpd_factory, (
        "StartServers 4\nMinSpareServers 4\nMaxSpareServers 8\n"
        f"ProxyPass /app ajp://127.0.0.1:{fake.port}/app retry=0\n"
        f"ProxyPass /down ajp://127.0.0.1:{dead}/down\n"), mpm="prefork")
    assert wait_until(lambda: len(httpd_util.child_pids(h)) >= 4, 10), httpd_util.child_pids(h)
    before = httpd_util.child_pids(h)

    for i in range(6):
        status, _, body = request(h, "GET", f"/app/get{i}")
        assert (status, body) == (200, b"fake-ajp ok\n")

    data = os.urandom(300 * 1024 + 7)
    fake.script(fa.echo_sha256())
    status, _, body = request(h, "POST", "/app/post", body=data,
                              headers={"Content-Type": "application/octet-stream"})
    assert status == 200 and body.decode() == fa.body_digest_text(data)
    assert fake.requests[-1].body == data

    fake.script(fa.garbage(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
    assert request(h, "GET", "/app/fault")[0] == 502
    assert fake.wait_for(lambda: not fake.requests[-1].conn.open, 3)

    assert request(h, "GET", "/down/x")[0] == 503

    # Several children served; none died.
    for i in range(4):
        assert request(h, "GET", f"/app/again{i}")[0] == 200
    assert before <= httpd_util.child_pids(h)
    assert fake.errors == []
    # Children end cleanly at shutdown (one that held pooled backend connections included).
    h.stop()
    assert h.crash_reports() == [], h.error_log_text()[-3000:]


# ---- failover between members --------------------------------------------------------------------

def balancer_conf(name, members, balancer_params="", mapping="/app"):
    lines = [f"<Proxy balancer://{name} {balancer_params}>"]
    lines += [f"    BalancerMember {m}" for m in members]
    lines += ["</Proxy>", f"ProxyPass {mapping} balancer://{name}{mapping}"]
    return "\n".join(lines) + "\n"


HEADERS_CONF = (f"LoadModule headers_module {MODS}/mod_headers.so\n"
                'Header always set X-Route-Changed "%{BALANCER_ROUTE_CHANGED}e"\n'
                'Header always set X-Worker-Route "%{BALANCER_WORKER_ROUTE}e"\n')


def test_a_refusing_member_fails_over_to_the_next(httpd_factory, fake_ajp_factory):
    fake = fake_ajp_factory()
    dead = httpd_util.free_port()
    h = started(httpd_factory, ONE_CHILD + balancer_conf("failcluster", [
        f"ajp://127.0.0.1:{dead} route=node1",
        f"ajp://127.0.0.1:{fake.port} route=node2"]))
    # Round robin tries the dead member within the first two requests; both are served.
    for i in range(4):
        status, _, body = request(h, "GET", f"/app/r{i}")
        assert (status, body) == (200, b"fake-ajp ok\n")
    assert len(fake.requests) == 4
    lines = log_lines(h, f"ajp://127.0.0.1:{dead}")
    assert lines, h.error_log_text()[-3000:]
    assert any("failcluster" in ln and "[cluster_ajp:error]" in ln for ln in lines), lines
    # Tried once, then out of rotation: not tried again for every request.
    assert len([ln for ln in lines if "MCA0302" in ln]) == 1, lines


def test_all_members_down_gives_503_naming_the_balancer(httpd_factory):
    dead1, dead2 = httpd_util.free_port(), httpd_util.free_port()
    h = started(httpd_factory, ONE_CHILD + balancer_conf("deadcluster", [
        f"ajp://127.0.0.1:{dead1} route=node1", f"ajp://127.0.0.1:{dead2} route=node2"]))
    t0 = time.monotonic()
    assert request(h, "GET", "/app/x")[0] == 503
    assert time.monotonic() - t0 < 2
    text = h.error_log_text()
    assert any(f"ajp://127.0.0.1:{dead1}" in ln for ln in text.splitlines()), text[-3000:]
    assert any(f"ajp://127.0.0.1:{dead2}" in ln for ln in text.splitlines()), text[-3000:]
    # An error line names the balancer.
    assert [ln for ln in text.splitlines()
            if "deadcluster" in ln and "[cluster_ajp:error]" in ln], text[-3000:]
    # Later requests: 503 at once (both members out of rotation), with a line naming the
    # balancer and saying why no member was tried.
    t0 = time.monotonic()
    assert request(h, "GET", "/app/y")[0] == 503
    assert time.monotonic() - t0 < 1
    later = [ln for ln in h.error_log_text().splitlines()[len(text.splitlines()):]
             if "deadcluster" in ln and "[cluster_ajp:error]" in ln]
    assert later and "down" in later[-1], h.error_log_text()[-3000:]


def test_a_session_on_a_dead_member_moves_to_another(httpd_factory, fake_ajp_factory):
    fake = fake_ajp_factory()
    dead = httpd_util.free_port()
    h = started(httpd_factory, ONE_CHILD + HEADERS_CONF + balancer_conf("sticky", [
        f"ajp://127.0.0.1:{dead} route=node1",
        f"ajp://127.0.0.1:{fake.port} route=node2"], "stickysession=JSESSIONID"))
    # A session of the live member: served there, route unchanged.
    status, msg, _ = request(h, "GET", "/app/s", headers={"Cookie": "JSESSIONID=AAA.node2"})
    assert status == 200
    assert msg.get("X-Worker-Route") == "node2"
    assert msg.get("X-Route-Changed") != "1"
    # A session of the dead member: served by the other one, and the route change is flagged.
    for _ in range(2):
        status, msg, body = request(h, "GET", "/app/s", headers={"Cookie": "JSESSIONID=BBB.node1"})
        assert (status, body) == (200, b"fake-ajp ok\n")
        assert msg.get("X-Worker-Route") == "node2"
        assert msg.get("X-Route-Changed") == "1"
    assert len(fake.requests) == 3
    assert log_lines(h, f"ajp://127.0.0.1:{dead}")


def test_nofailover_keeps_a_session_off_other_members(httpd_factory, fake_ajp_factory):
    fake = fake_ajp_factory()
    dead = httpd_util.free_port()
    h = started(httpd_factory, ONE_CHILD + balancer_conf("nofo", [
        f"ajp://127.0.0.1:{dead} route=node1",
        f"ajp://127.0.0.1:{fake.port} route=node2"],
        "stickysession=JSESSIONID nofailover=On"))
    for _ in range(2):
        assert request(h, "GET", "/app/s", headers={"Cookie": "JSESSIONID=BBB.node1"})[0] == 503
    assert fake.requests == []
    lines = [ln for ln in h.error_log_text().splitlines() if "nofo" in ln and "MCA0302" not in ln]
    assert lines and "nofailover" in lines[-1], h.error_log_text()[-3000:]
    # Requests without a session, or with a session of the live member, are served.
    assert request(h, "GET", "/app/n")[0] == 200
    assert request(h, "GET", "/app/m", headers={"Cookie": "JSESSIONID=CCC.node2"})[0] == 200
    assert len(fake.requests) == 2
