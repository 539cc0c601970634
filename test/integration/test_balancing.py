"""Balancing across several child processes, against the scripted fake AJP backend: the shared
member table (one smooth weighted round robin for all children, counters, manager edits seen by
every child), sticky sessions, lbmethods, lbsets and status flags, failover (with request
bodies), failonstatus, hardmax, and a graceful restart keeping the counters."""

import concurrent.futures
import http.client
import json
import threading
import time
import urllib.parse

import pytest

import fake_ajp as fa
import httpd_util

pytest_plugins = ["fake_ajp"]

# Several children in both MPMs: prefork with 4 to 8 single-threaded children; event with 4
# children of 4 threads.
MANY_CHILDREN = {
    "prefork": "StartServers 4\nMinSpareServers 4\nMaxSpareServers 8\nServerLimit 16\n"
               "MaxRequestWorkers 16\n",
    "event": "ServerLimit 4\nStartServers 4\nThreadsPerChild 4\nMinSpareThreads 4\n"
             "MaxSpareThreads 16\nMaxRequestWorkers 16\n",
}
ACCESS_LOG = ('LogFormat "%P %>s %{BALANCER_WORKER_ROUTE}e %{BALANCER_SESSION_ROUTE}e '
              '%{BALANCER_ROUTE_CHANGED}e %{BALANCER_NAME}e %{BALANCER_WORKER_NAME}e '
              '%{BALANCER_SESSION_STICKY}e %U" balancing\n'
              'CustomLog "logs/access.log" balancing\n')
MANAGER = "<Location /balancer-manager>\n  SetHandler balancer-manager\n</Location>\n"


# ---- helpers -------------------------------------------------------------------------------------

def balancer_conf(name, members, params="", path="/app"):
    lines = [f"<Proxy balancer://{name}{(' ' + params) if params else ''}>"]
    lines += [f"  BalancerMember {m}" for m in members]
    lines += ["</Proxy>", f"ProxyPass {path} balancer://{name}{path}"]
    return "\n".join(lines) + "\n"


def start(httpd_factory, mpm, conf):
    h = httpd_factory(extra_conf=MANY_CHILDREN[mpm] + ACCESS_LOG + MANAGER + conf, mpm=mpm)
    h.start()
    # Every child is up before the load starts, so the load spreads over them.
    deadline = time.monotonic() + 10
    want = 4
    while len(httpd_util.child_pids(h)) < want and time.monotonic() < deadline:
        time.sleep(0.05)
    return h


def request(h, method, path, headers=None, body=None, timeout=15):
    conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.msg, r.read()
    finally:
        conn.close()


def load(h, paths, workers=8, method="GET", headers=None, body=None):
    """Sends every path in `paths` (a new connection each, so the children share them) from
    `workers` threads; returns the statuses in order."""
    def one(p):
        try:
            return request(h, method, p, headers=headers, body=body)[0]
        except (OSError, http.client.HTTPException) as e:
            return f"{type(e).__name__}: {e}"
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        return list(ex.map(one, paths))


def state(h):
    status, _, body = request(h, "GET", "/balancer-manager?format=json")
    assert status == 200, body
    return json.loads(body)


def balancer(h, name):
    for b in state(h)["balancers"]:
        if b["name"] == name:
            return b
    raise AssertionError(f"no balancer {name}")


def member(h, name, url):
    for m in balancer(h, name)["members"]:
        if m["url"] == url:
            return m
    raise AssertionError(f"no member {url}")


def edit(h, fields, method="POST", nonce=True):
    """Sends a manager edit with mod_proxy_balancer's form fields; returns (status, body)."""
    fields = dict(fields)
    if nonce:
        fields["nonce"] = balancer(h, fields["b"])["nonce"]
    data = urllib.parse.urlencode(fields)
    if method == "POST":
        status, _, body = request(h, "POST", "/balancer-manager?format=json", body=data,
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    else:
        status, _, body = request(h, "GET", "/balancer-manager?format=json&" + data)
    return status, body


def access_lines(h):
    path = h.root / "logs" / "access.log"
    return [ln.split(" ") for ln in path.read_text().splitlines()] if path.exists() else []


def wait_access_lines(h, n, timeout=5):
    deadline = time.monotonic() + timeout
    while len(access_lines(h)) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    return access_lines(h)


def served_by(fakes):
    return [len(f.requests) for f in fakes]


def max_concurrent(fake, lag=0.02):
    """Most connections the fake had open at once. A close counts from `lag` seconds before the
    fake's thread noticed it (it notices a few milliseconds after httpd closed, as Tomcat would,
    and a waiting child connects at once)."""
    events = []
    now = time.monotonic()
    for c in fake.connections:
        events.append((c.accepted_at, 1))
        closed = c.closed_at - lag if c.closed_at is not None else now
        events.append((max(closed, c.accepted_at), -1))
    top = cur = 0
    for _, d in sorted(events, key=lambda e: (e[0], e[1])):
        cur += d
        top = max(top, cur)
    return top


def named(route):
    """A handler that answers with the route's name, so the client sees who served it."""
    return fa.text_reply(f"served-by={route}")


# ---- the 3:1 split, counters ------------------------------------------------------------------------

@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_three_to_one_split_over_all_children_and_exact_counters(httpd_factory,
                                                                 fake_ajp_factory, mpm):
    a, b = fake_ajp_factory(handler=named("a")), fake_ajp_factory(handler=named("b"))
    h = start(httpd_factory, mpm, balancer_conf("split", [
        f"{a.url()} route=a loadfactor=3", f"{b.url()} route=b loadfactor=1"]))
    statuses = load(h, [f"/app/r{i}" for i in range(1000)], workers=12)
    assert statuses.count(200) == 1000, [s for s in statuses if s != 200][:5]
    counts = served_by([a, b])
    # Smooth weighted round robin over one shared table: 750/250 (the issue allows ±2%).
    assert abs(counts[0] - 750) <= 15 and abs(counts[1] - 250) <= 5, counts
    lines = wait_access_lines(h, 1000)
    pids = {ln[0] for ln in lines}
    assert len(pids) >= 2, f"only {pids} served: the test did not spread over children"
    # Counters sum exactly to what was sent, across children.
    st = balancer(h, "split")
    by_url = {m["url"]: m for m in st["members"]}
    assert by_url[a.url()]["elected"] == counts[0]
    assert by_url[b.url()]["elected"] == counts[1]
    assert sum(m["elected"] for m in st["members"]) == 1000
    assert all(m["errors"] == 0 and m["busy"] == 0 for m in st["members"]), st
    for f in (a, b):
        m = by_url[f.url()]
        # Connections that carried requests (the health checks' CPing connections are not
        # counted as traffic).
        proxied = [c for c in f.connections if c.requests]
        raw_in = sum(len(c.raw_in) for c in proxied)
        raw_out = sum(len(c.raw_out) for c in proxied)
        assert m["bytes_sent"] == raw_in, (m, raw_in)
        assert m["bytes_received"] == raw_out, (m, raw_out)
        assert m["connections"] == sum(1 for c in proxied if c.open), m
    assert not h.crash_reports()


# ---- one child's change steers every child ------------------------------------------------------

@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_disabling_a_member_in_one_request_steers_every_child(httpd_factory, fake_ajp_factory,
                                                             mpm):
    a, b = fake_ajp_factory(handler=named("a")), fake_ajp_factory(handler=named("b"))
    h = start(httpd_factory, mpm, balancer_conf("dis", [f"{a.url()} route=a",
                                                        f"{b.url()} route=b"]))
    assert load(h, [f"/app/w{i}" for i in range(40)]).count(200) == 40
    assert served_by([a, b]) == [20, 20]

    status, body = edit(h, {"b": "dis", "w": b.url(), "w_status_D": "1"})
    assert status == 200, body
    assert member(h, "dis", b.url())["state"] == "disabled"
    before = served_by([a, b])
    assert load(h, [f"/app/x{i}" for i in range(200)], workers=12).count(200) == 200
    after = served_by([a, b])
    assert after[1] == before[1], "a disabled member got new work"
    assert after[0] == before[0] + 200
    assert len({ln[0] for ln in wait_access_lines(h, 241) if ln[-1].startswith("/app/x")}) >= 2

    # A GET that tries to change something, or a POST without the nonce, changes nothing.
    status, _ = edit(h, {"b": "dis", "w": b.url(), "w_status_D": "0"}, method="GET")
    assert status == 403
    status, _ = edit(h, {"b": "dis", "w": b.url(), "w_status_D": "0"}, nonce=False)
    assert status == 403
    status, _ = edit(h, {"b": "dis", "w": b.url(), "w_status_D": "0", "nonce": "wrong"},
                     nonce=False)
    assert status == 403
    assert member(h, "dis", b.url())["state"] == "disabled"

    assert edit(h, {"b": "dis", "w": b.url(), "w_status_D": "0"})[0] == 200
    assert load(h, [f"/app/y{i}" for i in range(40)]).count(200) == 40
    assert served_by([a, b])[1] > after[1]


def test_manager_edits_load_factor_route_and_lbmethod(httpd_factory, fake_ajp_factory):
    a, b = fake_ajp_factory(handler=named("a")), fake_ajp_factory(handler=named("b"))
    h = start(httpd_factory, "prefork", balancer_conf("ed", [f"{a.url()} route=a",
                                                             f"{b.url()} route=b"],
                                                      params="stickysession=JSESSIONID"))
    assert edit(h, {"b": "ed", "w": a.url(), "w_lf": "3", "w_wr": "node7", "w_ls": "0"})[0] == 200
    m = member(h, "ed", a.url())
    assert (m["loadfactor"], m["route"]) == (3, "node7")
    assert load(h, [f"/app/{i}" for i in range(400)]).count(200) == 400
    assert served_by([a, b]) == [300, 100]
    # The new route takes sessions.
    status, _, body = request(h, "GET", "/app/s", headers={"Cookie": "JSESSIONID=x.node7"})
    assert (status, body) == (200, b"served-by=a")
    assert edit(h, {"b": "ed", "b_lbm": "bybusyness", "b_max": "0"})[0] == 200
    st = balancer(h, "ed")
    assert (st["lbmethod"], st["maxattempts"]) == ("bybusyness", 0)
    # Bad values are refused with the field named, and change nothing.
    status, body = edit(h, {"b": "ed", "w": a.url(), "w_lf": "abc"})
    assert status == 400 and b"w_lf" in body
    assert member(h, "ed", a.url())["loadfactor"] == 3


# ---- sticky sessions ------------------------------------------------------------------------------

@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_sticky_by_cookie_and_by_url_parameter_across_children(httpd_factory, fake_ajp_factory,
                                                              mpm):
    a, b = fake_ajp_factory(handler=named("a")), fake_ajp_factory(handler=named("b"))
    dead = httpd_util.free_port()
    h = start(httpd_factory, mpm, balancer_conf("st", [
        f"{a.url()} route=node1", f"{b.url()} route=node2",
        f"ajp://127.0.0.1:{dead} route=node3"], params="stickysession=JSESSIONID|jsessionid"))
    n = 60
    by_cookie = load(h, [f"/app/c{i}" for i in range(n)],
                     headers={"Cookie": "JSESSIONID=abc123.node2"})
    assert by_cookie.count(200) == n
    assert served_by([a, b]) == [0, n]
    assert load(h, [f"/app/u{i};jsessionid=abc.node1" for i in range(n)]).count(200) == n
    assert load(h, [f"/app/q{i}?jsessionid=abc.node1" for i in range(n)]).count(200) == n
    assert served_by([a, b]) == [2 * n, n]
    lines = wait_access_lines(h, 3 * n)
    assert len({ln[0] for ln in lines}) >= 2
    # mod_proxy's environment variables, for logs and headers.
    cookie_line = [ln for ln in lines if ln[-1].startswith("/app/c")][0]
    assert cookie_line[2:8] == ["node2", "node2", "-", "balancer://st", b.url(), "JSESSIONID"], \
        " ".join(cookie_line)

    # A route naming a dead member moves to a live one, and says so.
    statuses = load(h, [f"/app/d{i}" for i in range(20)],
                    headers={"Cookie": "JSESSIONID=zzz.node3"})
    assert statuses.count(200) == 20
    moved = [ln for ln in wait_access_lines(h, 3 * n + 21) if ln[-1].startswith("/app/d")]
    assert len(moved) == 20
    assert all(ln[3] == "node3" and ln[4] == "1" and ln[2] in ("node1", "node2")
               for ln in moved), moved


def test_a_dead_sticky_member_with_nofailover_is_503(httpd_factory, fake_ajp_factory):
    a = fake_ajp_factory(handler=named("a"))
    dead = httpd_util.free_port()
    h = start(httpd_factory, "prefork", balancer_conf("nf", [
        f"{a.url()} route=node1", f"ajp://127.0.0.1:{dead} route=node2"],
        params="stickysession=JSESSIONID nofailover=On"))
    assert request(h, "GET", "/app/x", headers={"Cookie": "JSESSIONID=s.node2"})[0] == 503
    assert request(h, "GET", "/app/x", headers={"Cookie": "JSESSIONID=s.node1"})[0] == 200
    assert request(h, "GET", "/app/x")[0] == 200  # no session: balanced to the live member


def test_redirect_is_followed_and_draining_keeps_sessions(httpd_factory, fake_ajp_factory):
    a, b = fake_ajp_factory(handler=named("a")), fake_ajp_factory(handler=named("b"))
    h = start(httpd_factory, "prefork", balancer_conf("rd", [
        f"{a.url()} route=node1 redirect=node2 status=+D", f"{b.url()} route=node2",
        ], params="stickysession=JSESSIONID"))
    # node1 is disabled and redirects its sessions to node2.
    status, _, body = request(h, "GET", "/app/x", headers={"Cookie": "JSESSIONID=s.node1"})
    assert (status, body) == (200, b"served-by=b")
    # Draining: no new work, but its sessions stay.
    assert edit(h, {"b": "rd", "w": a.url(), "w_status_D": "0", "w_status_N": "1"})[0] == 200
    assert load(h, [f"/app/n{i}" for i in range(20)]).count(200) == 20
    assert served_by([a, b])[0] == 0
    status, _, body = request(h, "GET", "/app/x", headers={"Cookie": "JSESSIONID=s.node1"})
    assert (status, body) == (200, b"served-by=a")


# ---- lbmethods, tiers, flags ----------------------------------------------------------------------

def test_bybusyness_counts_requests_in_flight_across_children(httpd_factory, fake_ajp_factory):
    slow = fake_ajp_factory(handler=fa.stall(1.5, then=fa.text_reply("slow")))
    fast = fake_ajp_factory(handler=named("fast"))
    h = start(httpd_factory, "prefork", balancer_conf("busy", [
        f"{slow.url()} route=slow", f"{fast.url()} route=fast"], params="lbmethod=bybusyness"))
    # Two requests held by the slow member show as busy=2 in the shared table.
    results = []
    threads = [threading.Thread(target=lambda: results.append(request(h, "GET", "/app/h")[0]))
               for _ in range(2)]
    for t in threads:
        t.start()
        time.sleep(0.3)  # the first goes to one member, the second to the idle one: one each
    st = {m["route"]: m["busy"] for m in balancer(h, "busy")["members"]}
    assert st["slow"] == 1, st
    # While the slow member is busy, everything else goes to the fast one.
    statuses = load(h, [f"/app/f{i}" for i in range(30)], workers=4)
    assert statuses.count(200) == 30, ([s for s in statuses if s != 200],
                                       h.error_log_text()[-3000:])
    for t in threads:
        t.join()
    assert results == [200, 200]
    assert len(slow.requests) <= 2, served_by([slow, fast])
    wait = time.monotonic() + 3
    while time.monotonic() < wait and any(m["busy"] for m in balancer(h, "busy")["members"]):
        time.sleep(0.05)
    assert all(m["busy"] == 0 for m in balancer(h, "busy")["members"])


def test_bytraffic_prefers_the_member_with_fewer_bytes_per_weight(httpd_factory,
                                                                  fake_ajp_factory):
    big = fake_ajp_factory(handler=fa.reply(200, body=b"x" * 60000))
    small = fake_ajp_factory(handler=fa.reply(200, body=b"y"))
    h = start(httpd_factory, "prefork", balancer_conf("traffic", [
        f"{big.url()} route=big", f"{small.url()} route=small"], params="lbmethod=bytraffic"))
    for i in range(40):
        assert request(h, "GET", f"/app/{i}")[0] == 200
    # After its first 60 KB answer, the big member has more traffic than the small one will
    # reach in 39 requests of a few hundred bytes each.
    assert len(big.requests) == 1, served_by([big, small])


def test_lbsets_standby_and_spares(httpd_factory, fake_ajp_factory):
    a, b, c, d = (fake_ajp_factory(handler=named(n)) for n in "abcd")
    h = start(httpd_factory, "prefork", balancer_conf("tiers", [
        f"{a.url()} route=a", f"{b.url()} route=b lbset=1", f"{c.url()} route=c status=+R",
        f"{d.url()} route=d status=+H"]))
    assert load(h, [f"/app/{i}" for i in range(10)]).count(200) == 10
    assert served_by([a, b, c, d]) == [10, 0, 0, 0]
    edit(h, {"b": "tiers", "w": a.url(), "w_status_S": "1"})
    assert load(h, [f"/app/{i}" for i in range(10)]).count(200) == 10
    assert served_by([a, b, c, d]) == [10, 10, 0, 0]  # lbset 1 once lbset 0 cannot serve
    edit(h, {"b": "tiers", "w": b.url(), "w_status_D": "1"})
    assert load(h, [f"/app/{i}" for i in range(10)]).count(200) == 10
    assert served_by([a, b, c, d]) == [10, 10, 10, 0]  # then the hot spare
    edit(h, {"b": "tiers", "w": c.url(), "w_status_D": "1"})
    assert load(h, [f"/app/{i}" for i in range(10)]).count(200) == 10
    assert served_by([a, b, c, d]) == [10, 10, 10, 10]  # the hot standby last
    edit(h, {"b": "tiers", "w": d.url(), "w_status_D": "1"})
    assert request(h, "GET", "/app/none")[0] == 503


def test_ignore_errors_member_stays_in_rotation(httpd_factory, fake_ajp_factory):
    a = fake_ajp_factory(handler=named("a"))
    dead = httpd_util.free_port()
    h = start(httpd_factory, "prefork", balancer_conf("ign", [
        f"{a.url()} route=a", f"ajp://127.0.0.1:{dead} route=dead status=+I"]))
    assert load(h, [f"/app/{i}" for i in range(10)]).count(200) == 10
    m = member(h, "ign", f"ajp://127.0.0.1:{dead}")
    assert m["errors"] >= 1 and m["in_error"] is False, m


# ---- failover -------------------------------------------------------------------------------------

@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_a_member_stopped_under_load_loses_no_request(httpd_factory, fake_ajp_factory, mpm):
    a = fake_ajp_factory(handler=fa.stall(0.01, then=fa.text_reply("a")))
    b = fake_ajp_factory(handler=fa.stall(0.01, then=fa.text_reply("b")))
    h = start(httpd_factory, mpm, balancer_conf("fo", [f"{a.url()} route=a",
                                                       f"{b.url()} route=b"]))
    timer = threading.Timer(0.5, a.stop)  # closes its listener and every connection
    timer.start()
    statuses = load(h, [f"/app/{i}" for i in range(600)], workers=8)
    timer.join()
    assert statuses.count(200) == 600, [s for s in statuses if s != 200][:5]
    assert len(a.requests) > 0 and len(b.requests) > 0
    m = member(h, "fo", a.url())
    assert m["in_error"] and m["errors"] >= 1, m


def test_a_small_post_fails_over_with_its_whole_body(httpd_factory, fake_ajp_factory):
    # The first member reads the whole body, then closes without answering.
    def read_then_close(ex):
        ex.read_body()
        ex.close()
    a = fake_ajp_factory(handler=read_then_close)
    b = fake_ajp_factory(handler=fa.echo_sha256())
    h = start(httpd_factory, "prefork", balancer_conf("post", [
        f"{a.url()} route=a", f"{b.url()} route=b"], params="maxattempts=1"))
    body = fa.pattern(40000)  # several AJP packets, within the 64 KiB replay buffer
    got = []
    for _ in range(2):  # at least one of the two is balanced to `a` first
        status, _, text = request(h, "POST", "/app/post", body=body)
        got.append((status, text))
    assert all(s == 200 for s, _ in got), got
    assert all(t == fa.body_digest_text(body).encode() for _, t in got), got
    assert 1 <= len(a.requests) <= 2 and all(r.body == body for r in a.requests)
    assert [r.body for r in b.requests] == [body, body]
    # Closing before answering does not put the member in error (the next connect decides).
    assert member(h, "post", a.url())["in_error"] is False


def test_a_post_larger_than_replaybuffer_does_not_fail_over(httpd_factory, fake_ajp_factory):
    def read_then_close(ex):
        ex.read_body()
        ex.close()
    a = fake_ajp_factory(handler=read_then_close)
    b = fake_ajp_factory(handler=fa.echo_sha256())
    h = start(httpd_factory, "prefork", balancer_conf("big", [
        f"{a.url()} route=a", f"{b.url()} route=b lbset=1"], params="replaybuffer=10000"))
    status, _, _ = request(h, "POST", "/app/post", body=fa.pattern(30000))
    assert status == 502
    assert len(b.requests) == 0
    text = h.error_log_text()
    assert "replaybuffer" in text, text[-2000:]


def test_an_answer_cut_before_reaching_the_client_is_retried_only_when_idempotent(
        httpd_factory, fake_ajp_factory):
    # `a` starts answering (headers and part of the body), then its connection dies.
    a = fake_ajp_factory(handler=fa.close_mid_body(total=5000, sent=1000))
    b = fake_ajp_factory(handler=named("b"))
    h = start(httpd_factory, "prefork", balancer_conf("cut", [
        f"{a.url()} route=a", f"{b.url()} route=b lbset=1"]))
    status, msg, body = request(h, "GET", "/app/x")
    assert (status, body) == (200, b"served-by=b")
    assert len(a.requests) == 1 and len(b.requests) == 1
    assert member(h, "cut", a.url())["in_error"] is False
    # A POST was seen by `a`, which began to answer: never sent a second time.
    status, _, _ = request(h, "POST", "/app/x", body=b"form=1",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 502
    assert len(b.requests) == 1


def test_failonstatus_marks_the_member_and_the_request_goes_elsewhere(httpd_factory,
                                                                    fake_ajp_factory):
    a = fake_ajp_factory(handler=fa.reply(503, body=b"unavailable"))
    b = fake_ajp_factory(handler=named("b"))
    h = start(httpd_factory, "prefork", balancer_conf("fos", [
        f"{a.url()} route=a", f"{b.url()} route=b"], params="failonstatus=503"))
    for i in range(6):
        status, _, body = request(h, "GET", f"/app/{i}")
        assert (status, body) == (200, b"served-by=b")
    assert len(a.requests) == 1  # then in error for `retry` seconds
    m = member(h, "fos", a.url())
    assert m["in_error"] and m["errors"] == 1, m
    # With nowhere else to go, the member's own answer is passed on (as mod_proxy does).
    a2 = fake_ajp_factory(handler=fa.reply(503, body=b"unavailable"))
    h2 = start(httpd_factory, "prefork", balancer_conf("fos1", [f"{a2.url()} route=a"],
                                                       params="failonstatus=503"))
    status, _, body = request(h2, "GET", "/app/x")
    assert (status, body) == (503, b"unavailable")


def test_a_stale_pooled_connection_is_retried_without_marking(httpd_factory, fake_ajp_factory):
    # The backend closes every connection shortly after answering on it, as Tomcat does with
    # idle connections (connectionTimeout): the next request through that child finds it stale.
    def answer_then_close_later(ex):
        ex.reply(200, body=b"ok")
        threading.Timer(0.05, ex.close).start()
    a = fake_ajp_factory(handler=answer_then_close_later)
    h = start(httpd_factory, "prefork", balancer_conf("stale", [f"{a.url()} route=a"]))
    for _ in range(3):
        assert load(h, [f"/app/{i}" for i in range(8)], workers=4).count(200) == 8
        time.sleep(0.2)
    m = member(h, "stale", a.url())
    assert m["errors"] == 0 and not m["in_error"], m
    assert "MCA0302" not in h.error_log_text()


def test_timeout_is_504_without_failover_or_marking(httpd_factory, fake_ajp_factory):
    a = fake_ajp_factory(handler=fa.stall(3, then=fa.text_reply("late")))
    b = fake_ajp_factory(handler=fa.stall(3, then=fa.text_reply("late")))
    h = start(httpd_factory, "prefork", balancer_conf("tmo", [
        f"{a.url()} route=a timeout=1", f"{b.url()} route=b timeout=1"]))
    status, _, _ = request(h, "GET", "/app/x")
    assert status == 504
    assert len(a.requests) + len(b.requests) == 1
    assert all(not m["in_error"] for m in balancer(h, "tmo")["members"])


# ---- hardmax --------------------------------------------------------------------------------------

@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_hardmax_caps_connections_over_all_children(httpd_factory, fake_ajp_factory, mpm):
    a = fake_ajp_factory(handler=fa.stall(0.2, then=fa.text_reply("a")))
    h = start(httpd_factory, mpm, balancer_conf("hm", [f"{a.url()} route=a hardmax=2 acquire=10000"]))
    statuses = load(h, [f"/app/{i}" for i in range(24)], workers=8)
    assert statuses.count(200) == 24, statuses
    assert max_concurrent(a) <= 2, max_concurrent(a)
    assert len({ln[0] for ln in wait_access_lines(h, 24)}) >= 2
    assert member(h, "hm", a.url())["connections"] <= 2


def test_hardmax_answers_503_when_no_connection_frees_up(httpd_factory, fake_ajp_factory):
    a = fake_ajp_factory(handler=fa.stall(2, then=fa.text_reply("a")))
    h = start(httpd_factory, "prefork", balancer_conf("hm1", [
        f"{a.url()} route=a hardmax=1 acquire=300ms"]))
    statuses = load(h, ["/app/1", "/app/2", "/app/3"], workers=3)
    assert sorted(statuses, key=str) == [200, 503, 503], statuses
    assert max_concurrent(a) == 1
    assert "hardmax=1" in h.error_log_text()


# ---- restarts -------------------------------------------------------------------------------------

def test_graceful_restart_keeps_counters_and_runtime_state(httpd_factory, fake_ajp_factory):
    a, b = fake_ajp_factory(handler=named("a")), fake_ajp_factory(handler=named("b"))
    h = start(httpd_factory, "prefork", balancer_conf("gr", [f"{a.url()} route=a",
                                                             f"{b.url()} route=b"]))
    assert load(h, [f"/app/{i}" for i in range(50)]).count(200) == 50
    assert edit(h, {"b": "gr", "w": b.url(), "w_lf": "2"})[0] == 200
    h.graceful()
    st = balancer(h, "gr")
    assert sum(m["elected"] for m in st["members"]) == 50
    assert member(h, "gr", b.url())["loadfactor"] == 2  # edited at runtime: kept
    assert load(h, [f"/app/{i}" for i in range(30)]).count(200) == 30
    assert sum(m["elected"] for m in balancer(h, "gr")["members"]) == 80


def test_a_restart_that_outgrows_the_table_keeps_what_it_had(httpd_factory, fake_ajp_factory):
    a, b = fake_ajp_factory(handler=named("a")), fake_ajp_factory(handler=named("b"))
    base = MANY_CHILDREN["prefork"] + ACCESS_LOG + MANAGER
    h = httpd_factory(extra_conf=base + balancer_conf("grow", [f"{a.url()} route=a",
                                                               f"{b.url()} route=b"]),
                      mpm="prefork")
    h.start()
    assert load(h, [f"/app/{i}" for i in range(20)]).count(200) == 20
    # 40 more members (dead ports, lower priority): more than the first block has room for.
    extra = [f"ajp://127.0.0.1:{20000 + i} route=x{i} lbset=1" for i in range(40)]
    h.extra_conf = base + balancer_conf("grow", [f"{a.url()} route=a", f"{b.url()} route=b"]
                                        + extra)
    h.write_conf()
    h.graceful()
    st = balancer(h, "grow")
    assert len(st["members"]) == 42
    by_url = {m["url"]: m for m in st["members"]}
    assert by_url[a.url()]["elected"] + by_url[b.url()]["elected"] == 20
    assert load(h, [f"/app/{i}" for i in range(20)]).count(200) == 20
    st = balancer(h, "grow")
    assert sum(m["elected"] for m in st["members"]) == 40
    # And back down: the removed members' slots are released, the rest keep counting.
    h.extra_conf = base + balancer_conf("grow", [f"{b.url()} route=b"])
    h.write_conf()
    h.graceful()
    st = balancer(h, "grow")
    assert [m["url"] for m in st["members"]] == [b.url()]
    assert st["members"][0]["elected"] == 20


def test_manager_edits_survive_a_stop_and_start(httpd_factory, fake_ajp_factory):
    a, b = fake_ajp_factory(handler=named("a")), fake_ajp_factory(handler=named("b"))
    base = MANY_CHILDREN["prefork"] + ACCESS_LOG + MANAGER
    members = [f"{a.url()} route=a", f"{b.url()} route=b lbset=0"]
    h = httpd_factory(extra_conf=base + balancer_conf("keep", members), mpm="prefork")
    h.start()
    assert edit(h, {"b": "keep", "w": a.url(), "w_lf": "4", "w_status_D": "1"})[0] == 200
    assert edit(h, {"b": "keep", "b_lbm": "bytraffic"})[0] == 200
    h.stop()
    state_file = h.run_dir / "mod_cluster_ajp.state"
    assert state_file.exists() and "loadfactor=400" in state_file.read_text()
    # httpd.conf changes a field nobody edited (b's lbset): that follows the file; the edited
    # fields keep their edited values.
    h.extra_conf = base + balancer_conf("keep", [f"{a.url()} route=a loadfactor=2",
                                                 f"{b.url()} route=b lbset=1"])
    h.write_conf()
    h.start()
    ma, mb = member(h, "keep", a.url()), member(h, "keep", b.url())
    assert (ma["loadfactor"], ma["state"]) == (4, "disabled"), ma
    assert mb["lbset"] == 1, mb
    assert balancer(h, "keep")["lbmethod"] == "bytraffic"
    assert load(h, [f"/app/{i}" for i in range(6)]).count(200) == 6
    assert len(a.requests) == 0
    # A damaged state file is reported and ignored; nothing else is lost.
    h.stop()
    state_file.write_text("garbage\n")
    h.start()
    assert member(h, "keep", a.url())["state"] == "active"
    assert "MCA0024" in h.error_log_text()


def test_proxyset_sets_member_parameters_and_xml_prometheus_agree(httpd_factory,
                                                                  fake_ajp_factory):
    a, b = fake_ajp_factory(handler=named("a")), fake_ajp_factory(handler=named("b"))
    h = start(httpd_factory, "prefork", balancer_conf("px", [
        f"{a.url()} route=a", f"{b.url()} route=b"]) + f"ProxySet {b.url()} loadfactor=3\n")
    assert load(h, [f"/app/{i}" for i in range(40)]).count(200) == 40
    assert served_by([a, b]) == [10, 30]
    status, msg, body = request(h, "GET", "/balancer-manager?xml=1")
    assert status == 200 and msg["Content-Type"].startswith("text/xml")
    xml = body.decode()
    assert "<httpd:name>balancer://px</httpd:name>" in xml
    assert xml.count("<httpd:worker>") == 2 and "<httpd:elected>30</httpd:elected>" in xml
    status, msg, body = request(h, "GET", "/balancer-manager?format=prometheus")
    assert status == 200 and msg["Content-Type"].startswith("text/plain; version=0.0.4")
    text = body.decode()
    line = (f'mod_cluster_ajp_member_elected_total{{balancer="px",member="{b.url()}",'
            f'route="b"}} 30')
    assert line in text.splitlines(), text[:2000]
    # A ProxySet naming no member defined above is a configuration error.
    bad = httpd_factory(extra_conf=balancer_conf("px2", [f"{a.url()} route=a"])
                        + "ProxySet ajp://127.0.0.1:1 loadfactor=2\n")
    rc, out = bad.config_test()
    assert rc != 0 and "no BalancerMember with this URL" in out, out


def test_only_fields_an_edit_changes_stop_following_httpd_conf(httpd_factory, fake_ajp_factory):
    a, b = fake_ajp_factory(handler=named("a")), fake_ajp_factory(handler=named("b"))
    base = MANY_CHILDREN["prefork"] + ACCESS_LOG + MANAGER
    h = httpd_factory(extra_conf=base + balancer_conf("only", [f"{a.url()} route=a loadfactor=2",
                                                               f"{b.url()} route=b"]),
                      mpm="prefork")
    h.start()
    # What the HTML form sends: every field, here unchanged but for Disabled.
    fields = {"b": "only", "w": a.url(), "w_lf": "2", "w_ls": "0", "w_wr": "a", "w_rr": "",
              "w_status_D": "1", "w_status_N": "0", "w_status_S": "0", "w_status_H": "0",
              "w_status_R": "0", "w_status_I": "0", "w_hm": "CPING", "w_hi": "2000",
              "w_hp": "1", "w_hf": "1", "w_hu": ""}
    assert edit(h, fields)[0] == 200
    h.stop()
    saved = (h.run_dir / "mod_cluster_ajp.state").read_text()
    assert f"member only|{a.url()} edited=16 " in saved, saved
    # The load factor was not edited, so a new value in httpd.conf takes effect.
    h.extra_conf = base + balancer_conf("only", [f"{a.url()} route=a loadfactor=5",
                                                 f"{b.url()} route=b"])
    h.write_conf()
    h.start()
    m = member(h, "only", a.url())
    assert (m["loadfactor"], m["state"]) == (5, "disabled"), m
