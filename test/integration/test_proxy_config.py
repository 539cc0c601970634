"""Configuration handling as a user sees it: what `apache2 -t` says about a configuration (wrong
ones stop with the file, the line, the directive and what is allowed; the configurations of the
clustering guides pass), that httpd's own mod_proxy cannot be loaded beside us, and how ProxyPass
mappings decide which requests reach the backend, and with which path (checked on what the fake
AJP backend received)."""

import http.client
import re
import socket

import pytest

import httpd_util

pytest_plugins = ["fake_ajp"]

# Exactly one child process, so one per-child connection pool serves every request.
ONE_CHILD = "ServerLimit 1\nMaxRequestWorkers 10\nMinSpareThreads 1\nMaxSpareThreads 20\n"


# ---- helpers -------------------------------------------------------------------------------------

def line_of(h, text):
    """1-based number of the first line of h's httpd.conf that contains `text`."""
    for n, line in enumerate(h.conf.read_text().splitlines(), 1):
        if text in line:
            return n
    raise AssertionError(f"{text!r} is not in {h.conf}")


def config_fails(httpd_factory, conf, **kwargs):
    """`apache2 -t` on a configuration that must be refused: (httpd, output)."""
    h = httpd_factory(extra_conf=conf, **kwargs)
    rc, out = h.config_test()
    assert rc != 0, f"apache2 -t accepted:\n{conf}\n{out}"
    assert "Syntax OK" not in out, out
    return h, out


def assert_names_the_line(h, out, text):
    """httpd's "Syntax error on line N of FILE:" names the line that holds `text`."""
    n = line_of(h, text)
    assert f"Syntax error on line {n} of {h.conf}:" in out, (n, out)


def config_passes(httpd_factory, conf, **kwargs):
    h = httpd_factory(extra_conf=conf, **kwargs)
    rc, out = h.config_test()
    assert rc == 0, f"apache2 -t refused:\n{conf}\n{out}"
    assert "Syntax OK" in out, out
    # Nothing our module had to warn about either (e.g. a mapping to an empty balancer).
    assert "MCA0" not in out, out
    return h


def request(h, path, headers=None, method="GET", body=None, port=None, timeout=10):
    """(status, headers dict with lower-case names, body) on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port or h.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def raw_request(port, request_line, host="127.0.0.1", timeout=10):
    """Sends exactly `request_line` (no client-side normalisation of the path); returns the
    status code and the whole response."""
    data = f"{request_line}\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    m = re.match(rb"HTTP/1\.\d (\d{3})", out)
    assert m, out[:200]
    return int(m.group(1)), out


def uris(fake):
    return [r.forward.req_uri for r in fake.requests]


# ---- apache2 -t refuses what cannot work ---------------------------------------------------------

@pytest.mark.parametrize("conf,bad_line,directive,expected", [
    pytest.param("<Proxy balancer://c>\n    BalancerMember http://127.0.0.1:8080\n</Proxy>\n",
                 "BalancerMember http://", "BalancerMember",
                 ["http://127.0.0.1:8080", "only ajp:// members are supported"],
                 id="http-member-in-proxy"),
    pytest.param("BalancerMember balancer://c http://127.0.0.1:8080 route=node1\n",
                 "BalancerMember balancer://c http://", "BalancerMember",
                 ["http://127.0.0.1:8080", "only ajp:// members are supported"],
                 id="http-member-outside-proxy"),
    pytest.param("<Proxy balancer://c>\n    BalancerMember ajp://127.0.0.1:8009 rout=node1\n"
                 "</Proxy>\n",
                 "rout=node1", "BalancerMember",
                 ["unknown parameter 'rout'", "allowed:", "route", "loadfactor"],
                 id="unknown-parameter"),
    pytest.param("<Proxy balancer://c>\n    BalancerMember ajp://127.0.0.1:8009 loadfactor=abc\n"
                 "</Proxy>\n",
                 "loadfactor=abc", "BalancerMember",
                 ["loadfactor=abc", "must be a number from 1 to 100"],
                 id="loadfactor-abc"),
    pytest.param("<Proxy balancer://c>\n    BalancerMember ajp://127.0.0.1:8009 lbset=100\n"
                 "</Proxy>\n",
                 "lbset=100", "BalancerMember",
                 ["lbset=100", "from 0 to 99"],
                 id="lbset-100"),
    pytest.param("<Proxy balancer://c>\n    BalancerMember ajp://127.0.0.1:8009 status=+X\n"
                 "</Proxy>\n",
                 "status=+X", "BalancerMember",
                 ["status=+X", "D, S, I, H, R, N, E or C"],
                 id="status-plus-X"),
    pytest.param("<Proxy balancer://c stickysessionsep=ab>\n"
                 "    BalancerMember ajp://127.0.0.1:8009\n</Proxy>\n",
                 "stickysessionsep=ab", "<Proxy",
                 ["stickysessionsep=ab", "must be a single printable character"],
                 id="stickysessionsep-ab"),
    pytest.param("<Proxy balancer://c lbmethod=foo>\n    BalancerMember ajp://127.0.0.1:8009\n"
                 "</Proxy>\n",
                 "lbmethod=foo", "<Proxy",
                 ["lbmethod=foo", "byrequests", "bybusyness", "bytraffic"],
                 id="lbmethod-foo-in-proxy"),
    pytest.param("BalancerMember balancer://c ajp://127.0.0.1:8009\n"
                 "ProxySet balancer://c lbmethod=foo\n",
                 "lbmethod=foo", "ProxySet",
                 ["lbmethod=foo", "byrequests", "bybusyness", "bytraffic"],
                 id="lbmethod-foo-in-proxyset"),
    pytest.param("ProxyPass /x http://127.0.0.1:8080/x\n",
                 "ProxyPass /x", "ProxyPass",
                 ["http://127.0.0.1:8080/x", "only ajp:// members are supported"],
                 id="proxypass-http"),
    pytest.param("<Proxy *>\n    Require all granted\n</Proxy>\n",
                 "<Proxy *>", "<Proxy *>",
                 ["only <Proxy balancer://NAME> sections are supported", "<Location>"],
                 id="proxy-star"),
    pytest.param("<Proxy http://127.0.0.1:8080>\n    Require all granted\n</Proxy>\n",
                 "<Proxy http://", "<Proxy http://127.0.0.1:8080>",
                 ["only <Proxy balancer://NAME> sections are supported", "<Location>"],
                 id="proxy-http-url"),
    pytest.param("ProxyIOBufferSize 100\n",
                 "ProxyIOBufferSize 100", "ProxyIOBufferSize",
                 ["'100'", "from 8192 to 65536"],
                 id="iobuffersize-100"),
    pytest.param("ProxyTimeout abc\n",
                 "ProxyTimeout abc", "ProxyTimeout",
                 ["'abc'", "at least 1 second"],
                 id="proxytimeout-abc"),
    pytest.param("ProxyRequests On\n",
                 "ProxyRequests On", "ProxyRequests",
                 ["reverse proxy only", "ProxyRequests Off"],
                 id="proxyrequests-on"),
])
def test_config_test_names_file_line_directive_and_what_is_allowed(httpd_factory, conf, bad_line,
                                                                   directive, expected):
    h, out = config_fails(httpd_factory, conf)
    assert_names_the_line(h, out, bad_line)
    # The message: "DIRECTIVE: what was wrong, and what is allowed".
    assert f"{directive}" in out, out
    for text in expected:
        assert text in out, (text, out)
    # httpd prints the module's message right after its own "Syntax error" line: one message,
    # no second, unrelated complaint.
    assert out.count("Syntax error") == 1, out


def test_a_foreign_directive_inside_a_balancer_section_is_refused(httpd_factory):
    # mod_proxy would apply `Require` inside <Proxy>; we have no such per-proxy access control,
    # so it must not be silently ignored.
    h, out = config_fails(httpd_factory, (
        "<Proxy balancer://c>\n"
        "    BalancerMember ajp://127.0.0.1:8009 route=node1\n"
        "    Require all denied\n"
        "</Proxy>\n"))
    require_line = line_of(h, "Require all denied")
    assert str(h.conf) in out, out
    # The line of the foreign directive is named (httpd itself names the <Proxy> line).
    assert (f"{h.conf}:{require_line}" in out
            or f"Syntax error on line {require_line} of {h.conf}" in out), out
    assert "Require" in out and "<Proxy balancer://c>" in out, out
    assert "only BalancerMember and ProxySet may appear there" in out, out
    assert "<Location>" in out, out


# ---- apache2 -t accepts the configurations of the guides -----------------------------------------

def test_the_guides_configuration_passes_and_serves(httpd_factory, fake_ajp_factory):
    node1 = fake_ajp_factory(secret="S")
    node2 = fake_ajp_factory(secret="S")
    h = config_passes(httpd_factory, (
        f"{ONE_CHILD}"
        "<Proxy balancer://testcluster stickysession=JSESSIONID>\n"
        f"    BalancerMember ajp://127.0.0.1:{node1.port} min=10 max=100 route=node1 "
        "loadfactor=1 secret=S\n"
        f"    BalancerMember ajp://127.0.0.1:{node2.port} min=10 max=100 route=node2 "
        "loadfactor=1 secret=S\n"
        "</Proxy>\n"
        "ProxyPass /examples balancer://testcluster/examples\n"
        "ProxyRequests Off\n"
        "ProxyPreserveHost On\n"))
    h.start()
    # Round robin over both nodes, each with the secret; a session cookie sticks to its node.
    for _ in range(4):
        assert request(h, "/examples/servlets/")[0] == 200
    assert len(node1.requests) == 2 and len(node2.requests) == 2
    for _ in range(3):
        assert request(h, "/examples/s", headers={"Cookie": "JSESSIONID=ABC123.node2"})[0] == 200
    assert len(node2.requests) == 5 and len(node1.requests) == 2
    got = [r.forward for r in node1.requests + node2.requests]
    assert {f.secret for f in got} == {"S"}
    assert node2.requests[0].forward.req_uri == "/examples/servlets/"
    assert node1.errors == [] and node2.errors == []


@pytest.mark.parametrize("conf", [
    pytest.param("BalancerMember balancer://c ajp://127.0.0.1:8009 route=node1\n"
                 "BalancerMember balancer://c ajp://127.0.0.1:8019 route=node2\n"
                 "ProxyPass /app balancer://c/app\n",
                 id="balancermember-outside-proxy"),
    pytest.param("BalancerMember balancer://c ajp://127.0.0.1:8009 route=node1\n"
                 "ProxySet balancer://c lbmethod=bybusyness stickysession=JSESSIONID|jsessionid\n"
                 "ProxyPass /app balancer://c/app\n",
                 id="proxyset-outside-proxy"),
    pytest.param("<Proxy balancer://c>\n"
                 "    BalancerMember ajp://127.0.0.1:8009 route=node1\n"
                 "    ProxySet lbmethod=bybusyness stickysession=JSESSIONID|jsessionid\n"
                 "</Proxy>\n"
                 "ProxyPass /app balancer://c/app\n",
                 id="proxyset-inside-proxy"),
    pytest.param("<Proxy balancer://c>\n"
                 "    BalancerMember ajp://[::1]:8009 route=node1\n"
                 "    BalancerMember ajp://[::1]:8019 route=node2\n"
                 "</Proxy>\n"
                 "ProxyPass /app balancer://c/app\n"
                 "ProxyPass /one ajp://[::1]:8009/one\n",
                 id="ipv6-members"),
])
def test_config_test_passes(httpd_factory, conf):
    config_passes(httpd_factory, conf)


def test_balancermember_outside_proxy_and_proxyset_take_effect(httpd_factory, fake_ajp_factory):
    # Not just accepted: the members defined outside <Proxy> serve, and the sticky-session name
    # given by ProxySet (COOKIE|urlparam) is the one that routes.
    node1 = fake_ajp_factory()
    node2 = fake_ajp_factory()
    h = config_passes(httpd_factory, (
        f"{ONE_CHILD}"
        f"BalancerMember balancer://c ajp://127.0.0.1:{node1.port} route=node1\n"
        f"BalancerMember balancer://c ajp://127.0.0.1:{node2.port} route=node2\n"
        "ProxySet balancer://c lbmethod=bybusyness stickysession=JSESSIONID|jsessionid\n"
        "ProxyPass /app balancer://c/app\n"))
    h.start()
    for _ in range(3):
        assert request(h, "/app/x;jsessionid=ABC.node2")[0] == 200
    for _ in range(2):
        assert request(h, "/app/y", headers={"Cookie": "JSESSIONID=ABC.node1"})[0] == 200
    assert uris(node2) == ["/app/x;jsessionid=ABC.node2"] * 3
    assert uris(node1) == ["/app/y"] * 2


# ---- httpd's mod_proxy beside ours ---------------------------------------------------------------

@pytest.mark.parametrize("order", ["mod_proxy_first", "mod_proxy_after"])
def test_mod_proxy_beside_us_is_refused_with_advice(httpd_factory, module, order):
    mods = httpd_util.modules_dir()
    ours = f'LoadModule cluster_ajp_module "{module}"'
    theirs = f"LoadModule proxy_module {mods}/mod_proxy.so"
    loads = [theirs, ours] if order == "mod_proxy_first" else [ours, theirs]
    h = httpd_factory(load_module=False, extra_conf="\n".join(loads) + (
        "\n<Proxy balancer://c>\n    BalancerMember ajp://127.0.0.1:8009\n</Proxy>\n"
        "ProxyPass /app balancer://c/app\n"))
    rc, out = h.config_test()
    assert rc != 0, out
    assert "Syntax OK" not in out, out
    assert "mod_proxy" in out, out
    # It tells what to do: disable proxy, proxy_ajp and proxy_balancer.
    advice = [ln for ln in out.splitlines() if "Disable" in ln or "disable" in ln]
    assert advice, out
    assert re.search(r"\bproxy\b(?!_)", advice[0]), out
    assert "proxy_ajp" in advice[0] and "proxy_balancer" in advice[0], out


def test_without_mod_proxy_the_same_configuration_passes(httpd_factory, module):
    # The check above is about mod_proxy, not about loading our module by hand.
    h = httpd_factory(load_module=False, extra_conf=(
        f'LoadModule cluster_ajp_module "{module}"\n'
        "<Proxy balancer://c>\n    BalancerMember ajp://127.0.0.1:8009\n</Proxy>\n"
        "ProxyPass /app balancer://c/app\n"))
    rc, out = h.config_test()
    assert rc == 0 and "Syntax OK" in out, out


# ---- which requests are mapped, and to which backend path ----------------------------------------

@pytest.mark.parametrize("order", ["short_first", "long_first"])
def test_the_longest_matching_prefix_wins(httpd_factory, fake_ajp_factory, order):
    fake = fake_ajp_factory()
    short = f"ProxyPass /a ajp://127.0.0.1:{fake.port}/one\n"
    long_ = f"ProxyPass /a/b ajp://127.0.0.1:{fake.port}/two\n"
    conf = ONE_CHILD + (short + long_ if order == "short_first" else long_ + short)
    h = httpd_factory(extra_conf=conf)
    h.start()
    for path in ("/a/b/c", "/a/x", "/a/bc", "/a/b", "/a"):
        assert request(h, path)[0] == 200, path
    assert uris(fake) == ["/two/c", "/one/x", "/one/bc", "/two", "/one"]


def test_an_excluded_prefix_is_served_by_httpd(httpd_factory, fake_ajp_factory):
    fake = fake_ajp_factory()
    h = httpd_factory(extra_conf=(
        f"{ONE_CHILD}"
        f"ProxyPass /a ajp://127.0.0.1:{fake.port}/a\n"
        "ProxyPass /a/static !\n"))
    h.write_file("htdocs/a/static/hello.txt", "static file from httpd\n")
    h.start()
    status, _, body = request(h, "/a/static/hello.txt")
    assert (status, body) == (200, b"static file from httpd\n")
    assert request(h, "/a/static/missing.txt")[0] == 404
    assert uris(fake) == []  # the backend saw nothing of /a/static
    # Next to it, /a is still proxied (and /a/staticX is not under /a/static).
    assert request(h, "/a/other")[2] == b"fake-ajp ok\n"
    assert request(h, "/a/staticX")[0] == 200
    assert uris(fake) == ["/a/other", "/a/staticX"]


def test_proxypass_inside_location(httpd_factory, fake_ajp_factory):
    fake = fake_ajp_factory()
    h = httpd_factory(extra_conf=(
        f"{ONE_CHILD}"
        "<Location /loc>\n"
        f"    ProxyPass ajp://127.0.0.1:{fake.port}/x\n"
        "</Location>\n"))
    h.start()
    assert request(h, "/loc/y/z?k=v")[0] == 200
    assert request(h, "/loc")[0] == 200
    assert request(h, "/locx")[0] == 404  # not under /loc: httpd's own 404
    assert uris(fake) == ["/x/y/z", "/x"]
    assert fake.requests[0].forward.query_string == "k=v"


def test_a_prefix_matches_whole_segments_only(httpd_factory, fake_ajp_factory):
    fake = fake_ajp_factory()
    h = httpd_factory(extra_conf=(
        f"{ONE_CHILD}ProxyPass /examples ajp://127.0.0.1:{fake.port}/examples\n"))
    h.start()
    assert request(h, "/examplesX")[0] == 404
    assert request(h, "/examplesX/y")[0] == 404
    assert uris(fake) == []
    assert request(h, "/examples")[0] == 200
    assert request(h, "/examples/")[0] == 200
    assert request(h, "/examples/y")[0] == 200
    assert uris(fake) == ["/examples", "/examples/", "/examples/y"]


def test_virtual_hosts_inherit_main_mappings_and_keep_their_own(httpd_factory, fake_ajp_factory):
    main_fake = fake_ajp_factory()
    vh_fake = fake_ajp_factory()
    h = httpd_factory(extra_conf="")
    main_port = httpd_util.free_port()
    # The vhosts are name-based on the harness's port; a second Listen without a vhost is
    # served by the main server itself.
    h.extra_conf = (
        f"{ONE_CHILD}"
        f"Listen 127.0.0.1:{main_port}\n"
        f"ProxyPass /main ajp://127.0.0.1:{main_fake.port}/main\n"
        f"<VirtualHost 127.0.0.1:{h.port}>\n"
        "    ServerName default.test\n"
        "</VirtualHost>\n"
        f"<VirtualHost 127.0.0.1:{h.port}>\n"
        "    ServerName vh.test\n"
        f"    ProxyPass /vh ajp://127.0.0.1:{vh_fake.port}/vhost\n"
        "</VirtualHost>\n")
    h.write_conf()
    h.start()

    # The vhost has its own mapping and inherits the main server's.
    assert request(h, "/vh/p", headers={"Host": "vh.test"})[0] == 200
    assert request(h, "/main/p", headers={"Host": "vh.test"})[0] == 200
    assert uris(vh_fake) == ["/vhost/p"]
    assert uris(main_fake) == ["/main/p"]
    assert vh_fake.requests[0].forward.header("Host") == "vh.test"

    # Its mapping does not leak: not to the other vhost, not to the main server.
    assert request(h, "/vh/p", headers={"Host": "default.test"})[0] == 404
    assert request(h, "/vh/p", port=main_port)[0] == 404
    assert uris(vh_fake) == ["/vhost/p"]
    # The main server and the default vhost still map /main.
    assert request(h, "/main/q", headers={"Host": "default.test"})[0] == 200
    assert request(h, "/main/r", port=main_port)[0] == 200
    assert uris(main_fake) == ["/main/p", "/main/q", "/main/r"]


def test_query_string_and_encoded_path_reach_the_backend_as_sent(httpd_factory, fake_ajp_factory):
    fake = fake_ajp_factory()
    h = httpd_factory(extra_conf=f"{ONE_CHILD}ProxyPass /app ajp://127.0.0.1:{fake.port}/app\n")
    h.start()
    status, _ = raw_request(h.port, "GET /app/a%20b?q=1%202&x=%2F HTTP/1.1")
    assert status == 200
    f = fake.requests[0].forward
    assert f.req_uri == "/app/a%20b"
    assert f.query_string == "q=1%202&x=%2F"
    # Encoded UTF-8 and encoded '?', '#' keep their spelling too. (An encoded unreserved
    # character such as %41 is decoded by httpd itself, ap_normalize_path: same meaning.)
    status, _ = raw_request(h.port, "GET /app/%C3%A9%3F%23/x?a=%C3%A9&b=%26 HTTP/1.1")
    assert status == 200
    f = fake.requests[1].forward
    assert (f.req_uri, f.query_string) == ("/app/%C3%A9%3F%23/x", "a=%C3%A9&b=%26")


def test_an_encoded_semicolon_is_not_turned_into_a_path_parameter(httpd_factory,
                                                                  fake_ajp_factory):
    # For Tomcat `;` starts a path parameter (stripped before mapping), `%3B` is a character of
    # the segment: /app/a%3Bb/c is the resource "a;b", /app/a;b/c is "a" with parameter "b".
    # Sending %3B decoded changes which resource Tomcat serves.
    fake = fake_ajp_factory()
    h = httpd_factory(extra_conf=f"{ONE_CHILD}ProxyPass /app ajp://127.0.0.1:{fake.port}/app\n")
    h.start()
    for path in ("/app/a%3Bb/c", "/app/report%3Bv=2.pdf"):
        status, _ = raw_request(h.port, f"GET {path} HTTP/1.1")
        assert status == 200, path
    assert uris(fake) == ["/app/a%3Bb/c", "/app/report%3Bv=2.pdf"]


def test_encoded_slash_stays_encoded_with_allowencodedslashes_nodecode(httpd_factory,
                                                                      fake_ajp_factory):
    fake = fake_ajp_factory()
    h = httpd_factory(extra_conf=(
        f"{ONE_CHILD}AllowEncodedSlashes NoDecode\n"
        f"ProxyPass /app ajp://127.0.0.1:{fake.port}/app\n"))
    h.start()
    status, _ = raw_request(h.port, "GET /app/a%2Fb/c?d=%2F HTTP/1.1")
    assert status == 200
    f = fake.requests[0].forward
    assert f.req_uri == "/app/a%2Fb/c"
    assert f.query_string == "d=%2F"


def test_encoded_slash_without_allowencodedslashes_never_reaches_the_backend(httpd_factory,
                                                                             fake_ajp_factory):
    # httpd's default (AllowEncodedSlashes Off) answers 404 itself: the control for the test
    # above, which only means something if %2F is not simply passed whatever the setting.
    fake = fake_ajp_factory()
    h = httpd_factory(extra_conf=f"{ONE_CHILD}ProxyPass /app ajp://127.0.0.1:{fake.port}/app\n")
    h.start()
    status, _ = raw_request(h.port, "GET /app/a%2Fb/c HTTP/1.1")
    assert status == 404
    assert uris(fake) == []
