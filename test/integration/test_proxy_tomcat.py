"""End to end through httpd + mod_cluster_ajp against two real Tomcat 10.1 nodes (tomcat.py,
started once per session): the user guide's walk-through, stickiness, bodies, redirects and
cookie paths as a browser would see them."""

import hashlib
import http.client
import os
import re
import time
from collections import Counter
from urllib.parse import urljoin, urlsplit

import tomcat

pytest_plugins = ["conftest_tomcat"]

BALANCER = "tc"


def balancer_conf(nodes, mappings=(("/examples", "/examples"), ("/app", "/app")), secrets=None,
                  extra=""):
    """<Proxy balancer://tc stickysession=JSESSIONID> with one member per node (retry=0: a node
    that comes back is used at once), and ProxyPass PUBLIC balancer://tc/BACKEND lines."""
    secrets = secrets or {}
    members = "".join(
        f"    BalancerMember ajp://127.0.0.1:{n.ajp_port} route={n.route} "
        f"secret={secrets.get(n.route, n.secret)} loadfactor=1 retry=0\n" for n in nodes)
    passes = "".join(f"ProxyPass {pub} balancer://{BALANCER}{back}\n" for pub, back in mappings)
    return (f"ProxyTimeout 20\n<Proxy balancer://{BALANCER} stickysession=JSESSIONID>\n"
            f"{members}</Proxy>\n{passes}{extra}")


def started(httpd_factory, conf):
    h = httpd_factory(extra_conf=conf)
    h.start()
    return h


def request(h, method, path, headers=None, body=None, encode_chunked=False, timeout=30):
    """(status, HTTPMessage, body) on a new connection (no cookies unless given)."""
    conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {},
                     encode_chunked=encode_chunked)
        r = conn.getresponse()
        return r.status, r.msg, r.read()
    finally:
        conn.close()


def echo(h, path="/app/echo.jsp", cookie=None):
    status, msg, body = request(h, "GET", path, headers={"Cookie": cookie} if cookie else None)
    assert status == 200, (status, body[:300])
    return tomcat.parse_echo(body.decode()), msg


def session_cookie(msg):
    """(value, attributes) of the JSESSIONID Set-Cookie, or None."""
    for v in msg.get_all("Set-Cookie") or []:
        m = re.match(r"JSESSIONID=([^;]+)(.*)", v)
        if m:
            return m.group(1), m.group(2)
    return None


def sessions_on_both_nodes(h, path="/app/echo.jsp"):
    """Fresh sessions until there is one per node: {route: session id}."""
    found = {}
    for _ in range(20):
        e, msg = echo(h, path)
        sid = session_cookie(msg)[0]
        found.setdefault(sid.partition(".")[2], sid)
        if len(found) == 2:
            return found
    raise AssertionError(f"20 new sessions all on {list(found)}")


def serving(h, path, within=3.0):
    """The first answer other than 503 within `within` seconds (or the last 503)."""
    deadline = time.monotonic() + within
    while True:
        status, msg, body = request(h, "GET", path)
        if status != 503 or time.monotonic() >= deadline:
            return status, msg, body
        time.sleep(0.1)


def test_walk_through_nodes_down_and_up(tomcat_cluster, tomcat_nodes, httpd_factory):
    n1, n2 = tomcat_nodes
    h = started(httpd_factory, balancer_conf(tomcat_nodes))

    tomcat_cluster.stop()                                        # both nodes down
    status, _, _ = request(h, "GET", "/examples/")
    assert status == 503

    # A node that comes back takes requests once its health check (CPing every 2 s) sees it.
    n1.start()                                                   # node1 alone
    status, _, body = serving(h, "/examples/")
    assert status == 200 and b"Apache Tomcat Examples" in body
    assert echo(h)[0]["node"] == "node1"

    n1.stop()                                                    # node2 alone
    n2.start()
    status, _, body = serving(h, "/examples/")
    assert status == 200 and b"Apache Tomcat Examples" in body
    assert echo(h)[0]["node"] == "node2"

    n1.start()                                                   # both up: load is spread
    time.sleep(2.5)
    counts = Counter(echo(h)[0]["node"] for _ in range(20))
    assert set(counts) == {"node1", "node2"}, counts
    assert min(counts.values()) >= 5, counts


def test_a_session_stays_on_its_node(tomcat_nodes, httpd_factory):
    h = started(httpd_factory, balancer_conf(tomcat_nodes))
    for route, sid in sessions_on_both_nodes(h).items():
        for i in range(10):
            e, msg = echo(h, cookie=f"JSESSIONID={sid}")
            assert (e["node"], e["sessionId"]) == (route, sid)
            assert e["counter"] == str(i + 2)                    # the same session object
            assert session_cookie(msg) is None                   # no new session


def test_url_jsessionid_keeps_stickiness(tomcat_nodes, httpd_factory):
    h = started(httpd_factory, balancer_conf(tomcat_nodes))
    for route, sid in sessions_on_both_nodes(h).items():
        for i in range(5):
            e, _ = echo(h, f"/app/echo.jsp;jsessionid={sid}?i={i}")
            assert (e["node"], e["sessionId"], e["sessionFromURL"]) == (route, sid, "true")
            assert e["counter"] == str(i + 2)


def test_post_bodies_arrive_intact(tomcat_nodes, httpd_factory):
    h = started(httpd_factory, balancer_conf(tomcat_nodes))
    data = os.urandom(5 * 1024 * 1024 + 11)
    status, _, body = request(h, "POST", "/app/upload.jsp", body=data,
                              headers={"Content-Type": "application/octet-stream"})
    assert status == 200
    e = tomcat.parse_echo(body.decode())
    assert (e["length"], e["sha256"], e["contentLength"]) == (
        str(len(data)), hashlib.sha256(data).hexdigest(), str(len(data)))

    chunks = (data[i:i + 65536] for i in range(0, 3 * 1024 * 1024, 65536))
    status, _, body = request(h, "POST", "/app/upload.jsp", body=chunks, encode_chunked=True,
                              headers={"Content-Type": "application/octet-stream",
                                       "Transfer-Encoding": "chunked"})
    assert status == 200
    e = tomcat.parse_echo(body.decode())
    part = data[:3 * 1024 * 1024]
    assert (e["length"], e["sha256"]) == (str(len(part)), hashlib.sha256(part).hexdigest())


def test_one_mib_download_arrives_intact(tomcat_nodes, httpd_factory):
    h = started(httpd_factory, balancer_conf(tomcat_nodes))
    size = 1024 * 1024
    status, msg, body = request(h, "GET", f"/app/download.jsp?size={size}")
    assert status == 200
    assert len(body) == size and body == tomcat.pattern(size)


def test_redirect_is_rewritten_to_the_public_prefix(tomcat_nodes, httpd_factory):
    h = started(httpd_factory, balancer_conf(
        tomcat_nodes, mappings=(("/public", "/app"),),
        extra=f"ProxyPassReverse /public balancer://{BALANCER}/app\n"))
    base = f"http://127.0.0.1:{h.port}/public/redirect.jsp"
    status, msg, _ = request(h, "GET", "/public/redirect.jsp")
    assert status == 302
    loc = urlsplit(urljoin(base, msg["Location"]))          # Tomcat sent /app/echo.jsp?...
    assert (loc.netloc, loc.path, loc.query) == (f"127.0.0.1:{h.port}", "/public/echo.jsp",
                                                 "from=redirect"), msg["Location"]
    e, _ = echo(h, f"{loc.path}?{loc.query}")                # following it works
    assert (e["requestURI"], e["queryString"]) == ("/app/echo.jsp", "from=redirect")


def test_absolute_redirect_to_the_public_host_is_rewritten(tomcat_nodes, httpd_factory):
    # Over AJP Tomcat builds absolute URLs from the forwarded Host: http://127.0.0.1:PORT/app/...
    h = started(httpd_factory, balancer_conf(
        tomcat_nodes, mappings=(("/public", "/app"),),
        extra=f"ProxyPassReverse /public balancer://{BALANCER}/app\n"))
    status, msg, _ = request(h, "GET", "/public/redirect.jsp?absolute=1")
    assert status == 302
    loc = urlsplit(urljoin(f"http://127.0.0.1:{h.port}/", msg["Location"]))
    assert (loc.netloc, loc.path) == (f"127.0.0.1:{h.port}", "/public/echo.jsp"), \
        msg["Location"]


def test_cookie_path_is_remapped_and_the_session_sticks(tomcat_nodes, httpd_factory):
    h = started(httpd_factory, balancer_conf(
        tomcat_nodes, mappings=(("/public", "/app"),),
        extra="ProxyPassReverseCookiePath /app /public\n"))
    e, msg = echo(h, "/public/echo.jsp")
    sid, attrs = session_cookie(msg)
    assert re.search(r";\s*Path=/public(;|$)", attrs, re.I), attrs
    route = sid.partition(".")[2]
    assert route == e["node"]
    # A browser sends the cookie back for /public/...: the session and its node are kept.
    for i in range(5):
        e, msg = echo(h, "/public/echo.jsp", cookie=f"JSESSIONID={sid}")
        assert (e["node"], e["sessionId"], e["counter"]) == (route, sid, str(i + 2))


def test_secret_mismatch_is_logged(tomcat_nodes, httpd_factory):
    n1 = tomcat_nodes[0]
    h = started(httpd_factory, balancer_conf([n1], secrets={"node1": "not-the-secret"}))
    request(h, "GET", "/app/echo.jsp")
    deadline = time.monotonic() + 3
    while "AJP secret rejected by" not in h.error_log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "AJP secret rejected by" in h.error_log_text(), h.error_log_text()[-3000:]
