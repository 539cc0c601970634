"""The Tomcat fixture itself: 2 local Tomcat 10.1 nodes, spoken to directly over AJP with the
tiny client of fake_ajp.py (no httpd involved)."""

import hashlib
import os
import re
import time

import conftest_tomcat
import fake_ajp
import tomcat

pytest_plugins = ["conftest_tomcat"]


def echo(node, secret=None, **kwargs):
    with node.ajp() as c:
        return c.request("GET", "/app/echo.jsp", secret=node.secret if secret is None else secret,
                         headers=[("Host", "tc.example:8080")], **kwargs)


def test_two_nodes_run_as_configured(tomcat_nodes):
    assert [n.route for n in tomcat_nodes] == ["node1", "node2"]
    ports = [p for n in tomcat_nodes for p in (n.ajp_port, n.http_port, n.shutdown_port)]
    assert len(set(ports)) == 6
    assert tomcat_nodes[0].secret != tomcat_nodes[1].secret
    for n in tomcat_nodes:
        assert n.cping()
        # The pid we hold is the JVM itself (catalina.sh execs java) ...
        assert open(f"/proc/{n.pid}/comm").read().strip() == "java"
        status = open(f"/proc/{n.pid}/status").read()
        if os.geteuid() == 0:
            # ... and, when the tests run as root, it runs as nobody.
            assert re.search(r"^Uid:\s+65534\s", status, re.M), status
        assert (n.base / "conf" / "server.xml").is_file()
        xml = (n.base / "conf" / "server.xml").read_text()
        assert f'jvmRoute="{n.route}"' in xml and f'secret="{n.secret}"' in xml


def test_echo_with_the_right_secret_is_served_by_that_node(tomcat_nodes):
    for n in tomcat_nodes:
        r = echo(n, query="a=1", remote_port=43210)
        assert (r.status, r.reason, r.reuse) == (200, "200", True), r.body[:500]
        e = tomcat.parse_echo(r.body.decode())
        assert e["node"] == n.route
        assert (e["requestURI"], e["queryString"], e["remotePort"]) == (
            "/app/echo.jsp", "a=1", "43210")
        assert (e["serverName"], e["serverPort"]) == ("tc.example", "8080")
        cookies = r.header_all("Set-Cookie")
        assert len(cookies) == 1
        assert re.fullmatch(rf"JSESSIONID=[0-9A-F]{{32}}\.{n.route}; Path=/app; HttpOnly",
                            cookies[0]), cookies
        assert tomcat.session_cookie_route(cookies) == n.route
        assert e["sessionId"] == cookies[0].split(";")[0].split("=", 1)[1]


def test_session_counter_and_url_session_id(tomcat_nodes):
    n = tomcat_nodes[0]
    first = tomcat.parse_echo(echo(n).body.decode())
    sid = first["sessionId"]
    with n.ajp() as c:
        r = c.request("GET", "/app/echo.jsp", secret=n.secret,
                      headers=[("Host", "h"), ("Cookie", f"JSESSIONID={sid}")])
        e = tomcat.parse_echo(r.body.decode())
        assert (e["sessionId"], e["counter"], e["sessionFromCookie"]) == (sid, "2", "true")
        r = c.request("GET", f"/app/echo.jsp;jsessionid={sid}", secret=n.secret,
                      headers=[("Host", "h")])
        e = tomcat.parse_echo(r.body.decode())
        assert (e["sessionId"], e["counter"], e["sessionFromURL"]) == (sid, "3", "true")
    assert first["encodedURL"] == f"/app/echo.jsp;jsessionid={sid}"


def test_wrong_or_missing_secret_gets_403_and_reuse_0(tomcat_nodes):
    fake = fake_ajp.FakeAjp(secret="the-right-one").start()
    try:
        with fake_ajp.AjpClient(port=fake.port) as c:
            faked = c.request("GET", "/app/echo.jsp", secret="wrong")
    finally:
        fake.stop()
    for n in tomcat_nodes:
        for secret in ("wrong", ""):
            r = echo(n, secret=secret)
            assert (r.status, r.reason, r.reuse) == (403, "403", False)
            assert b"HTTP Status 403" in r.body
            # The fake's "secret rejected" answer is byte for byte what Tomcat sends.
            assert (r.headers, r.body) == (faked.headers, faked.body)
            assert [m.type for m in r.messages] == [m.type for m in faked.messages]


def test_examples_and_app_pages(tomcat_nodes):
    n = tomcat_nodes[1]
    with n.ajp() as c:
        r = c.request("GET", "/examples/", secret=n.secret, headers=[("Host", "h")])
        assert r.status == 200 and b"Apache Tomcat Examples" in r.body

        data = os.urandom(50000)
        r = c.request("POST", "/app/upload.jsp", secret=n.secret, headers=[("Host", "h")],
                      body=data)
        e = tomcat.parse_echo(r.body.decode())
        assert (e["length"], e["sha256"], e["node"]) == (
            "50000", hashlib.sha256(data).hexdigest(), "node2")
        r = c.request("POST", "/app/upload.jsp", secret=n.secret, headers=[("Host", "h")],
                      body=data[:20000], chunked=True)
        e = tomcat.parse_echo(r.body.decode())
        assert (e["length"], e["contentLength"]) == ("20000", "-1")

        r = c.request("GET", "/app/download.jsp", query="size=100000", secret=n.secret,
                      headers=[("Host", "h")])
        assert r.header("Content-Length") == "100000"
        assert r.body == tomcat.pattern(100000)

        r = c.request("GET", "/app/cookies.jsp", secret=n.secret, headers=[("Host", "h")])
        assert len(r.header_all("Set-Cookie")) == 3

        r = c.request("GET", "/app/redirect.jsp", secret=n.secret, headers=[("Host", "h:81")])
        assert (r.status, r.header("Location")) == (302, "/app/echo.jsp?from=redirect")
        r = c.request("GET", "/app/redirect.jsp", query="absolute=1", secret=n.secret,
                      headers=[("Host", "h:81")])
        assert r.header("Location") == "http://h:81/app/echo.jsp?from=redirect"

        for code in (204, 304):
            r = c.request("GET", "/app/status.jsp", query=f"code={code}", secret=n.secret,
                          headers=[("Host", "h")])
            assert (r.status, r.body, r.reuse) == (code, b"", True)
        r = c.request("GET", "/app/status.jsp", query="code=418", secret=n.secret,
                      headers=[("Host", "h")])
        assert (r.status, r.body) == (418, b"status 418\n")


def test_stop_start_and_kill_one_node(tomcat_nodes):
    n1, n2 = tomcat_nodes
    ports = (n2.ajp_port, n2.http_port)
    t0 = time.monotonic()
    n2.stop()
    stopped = time.monotonic() - t0
    assert n2.pid is None and not n2.cping(timeout=1)
    assert tomcat.parse_echo(echo(n1).body.decode())["node"] == "node1"

    t0 = time.monotonic()
    n2.start()
    started = time.monotonic() - t0
    assert (n2.ajp_port, n2.http_port) == ports
    assert tomcat.parse_echo(echo(n2).body.decode())["node"] == "node2"

    n2.kill()
    assert not n2.cping(timeout=1)
    t0 = time.monotonic()
    n2.start()
    restarted = time.monotonic() - t0
    assert tomcat.parse_echo(echo(n2).body.decode())["node"] == "node2"
    conftest_tomcat._report.append(
        f"Tomcat node2: SIGTERM stop {stopped:.1f} s, start to CPONG {started:.1f} s, "
        f"start after SIGKILL {restarted:.1f} s")
