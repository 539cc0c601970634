"""Balancing over several httpd child processes against two real Tomcat 10.1 nodes: the 3:1 split
and counters, sticky sessions from Tomcat's own JSESSIONID (cookie and ;jsessionid=), and a node
killed with SIGKILL under a bounded parallel load without a single failed request."""

import concurrent.futures
import http.client
import json
import re
import threading
import time

import pytest

import httpd_util
import tomcat

pytest_plugins = ["conftest_tomcat"]

MANY_CHILDREN = {
    "prefork": "StartServers 4\nMinSpareServers 4\nMaxSpareServers 8\nServerLimit 16\n"
               "MaxRequestWorkers 16\n",
    "event": "ServerLimit 4\nStartServers 4\nThreadsPerChild 4\nMinSpareThreads 4\n"
             "MaxSpareThreads 16\nMaxRequestWorkers 16\n",
}
MANAGER = "<Location /balancer-manager>\n  SetHandler balancer-manager\n</Location>\n"


def conf(nodes, loadfactors=None, params="stickysession=JSESSIONID|jsessionid"):
    loadfactors = loadfactors or {}
    members = "".join(
        f"  BalancerMember ajp://127.0.0.1:{n.ajp_port} route={n.route} secret={n.secret} "
        f"loadfactor={loadfactors.get(n.route, 1)}\n" for n in nodes)
    return (f"ProxyTimeout 20\n<Proxy balancer://tc {params}>\n{members}</Proxy>\n"
            f"ProxyPass /app balancer://tc/app\n{MANAGER}")


def start(httpd_factory, mpm, extra):
    h = httpd_factory(extra_conf=MANY_CHILDREN[mpm] + extra, mpm=mpm)
    h.start()
    deadline = time.monotonic() + 10
    while len(httpd_util.child_pids(h)) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    return h


def request(h, path, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.msg, r.read()
    finally:
        conn.close()


def node_of(body):
    return tomcat.parse_echo(body.decode()).get("node")


def load(h, paths, workers=8, headers=None):
    """[(status, node or error text)] for every path, from `workers` threads."""
    def one(p):
        try:
            status, _, body = request(h, p, headers=headers)
            return status, node_of(body) if status == 200 else body[:200]
        except (OSError, http.client.HTTPException) as e:
            return 0, f"{type(e).__name__}: {e}"
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        return list(ex.map(one, paths))


def members(h):
    status, _, body = request(h, "/balancer-manager?format=json")
    assert status == 200
    return {m["route"]: m for m in json.loads(body)["balancers"][0]["members"]}


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_three_to_one_split_to_tomcat_over_all_children(httpd_factory, tomcat_nodes, mpm):
    h = start(httpd_factory, mpm, conf(tomcat_nodes, {"node1": 3, "node2": 1}))
    results = load(h, [f"/app/echo.jsp?nosession=1&i={i}" for i in range(1000)], workers=12)
    assert all(s == 200 for s, _ in results), [r for r in results if r[0] != 200][:5]
    counts = {n: sum(1 for _, node in results if node == n) for n in ("node1", "node2")}
    assert abs(counts["node1"] - 750) <= 15 and abs(counts["node2"] - 250) <= 5, counts
    m = members(h)
    assert m["node1"]["elected"] == counts["node1"] and m["node2"]["elected"] == counts["node2"]
    assert m["node1"]["errors"] == m["node2"]["errors"] == 0


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_tomcat_sessions_stick_by_cookie_and_by_url(httpd_factory, tomcat_nodes, mpm):
    h = start(httpd_factory, mpm, conf(tomcat_nodes))
    # Tomcat makes the session; its id ends in the node's jvmRoute.
    status, msg, body = request(h, "/app/echo.jsp")
    assert status == 200
    cookie = [v for v in msg.get_all("Set-Cookie") if v.startswith("JSESSIONID=")][0]
    session = re.match(r"JSESSIONID=([^;]+)", cookie).group(1)
    home = node_of(body)
    assert session.endswith("." + home)
    by_cookie = load(h, [f"/app/echo.jsp?i={i}" for i in range(60)],
                     headers={"Cookie": f"JSESSIONID={session}"})
    assert by_cookie == [(200, home)] * 60
    by_url = load(h, [f"/app/echo.jsp;jsessionid={session}?i={i}" for i in range(60)])
    assert by_url == [(200, home)] * 60
    # Tomcat saw the same session every time (it was not recreated elsewhere).
    status, _, body = request(h, f"/app/echo.jsp;jsessionid={session}")
    e = tomcat.parse_echo(body.decode())
    assert (e["sessionId"], e["sessionNew"], e["sessionFromURL"]) == (session, "false", "true")


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_a_tomcat_killed_under_load_loses_no_request(httpd_factory, tomcat_cluster, tomcat_nodes,
                                                     mpm):
    h = start(httpd_factory, mpm, conf(tomcat_nodes))
    victim = tomcat_cluster.node("node1")
    assert load(h, [f"/app/echo.jsp?nosession=1&w={i}" for i in range(40)]).count(
        (200, "node1")) == 20
    def kill_in_the_middle():
        # Once the load is well under way (node1 took 300 of it), SIGKILL node1.
        deadline = time.monotonic() + 30
        while members(h)["node1"]["elected"] < 320 and time.monotonic() < deadline:
            time.sleep(0.01)
        victim.kill()
    killer = threading.Thread(target=kill_in_the_middle)
    killer.start()
    try:
        results = load(h, [f"/app/echo.jsp?nosession=1&i={i}" for i in range(3000)], workers=8)
    finally:
        killer.join()
    failed = [r for r in results if r[0] != 200]
    assert not failed, (len(failed), failed[:3], [ln for ln in h.error_log_text().splitlines()
                                                  if "MCA0" in ln][-14:])
    served = {n: sum(1 for _, node in results if node == n) for n in ("node1", "node2")}
    assert 200 <= served["node1"] < 1400 and served["node2"] > served["node1"], served
    m = members(h)
    assert m["node1"]["in_error"] and m["node1"]["errors"] >= 1, m["node1"]
    assert not h.crash_reports()
    victim.start()


def test_tomcat_stopped_and_started_with_no_traffic_shows_within_3s(httpd_factory, tomcat_cluster,
                                                                    tomcat_nodes):
    h = start(httpd_factory, "prefork", conf(tomcat_nodes))
    node = tomcat_cluster.node("node2")

    def wait(pred, timeout=6.0):
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if pred(members(h)["node2"]):
                return time.monotonic() - t0
            time.sleep(0.05)
        return None

    assert wait(lambda m: m["healthy"] is True) is not None
    node.stop()                       # no request is sent meanwhile
    took = wait(lambda m: m["healthy"] is False)
    assert took is not None and took < 3, took
    # "connection refused" once it is gone; while it shuts down it may still accept, then reset.
    assert members(h)["node2"]["check_reason"].startswith("connection "), members(h)["node2"]
    node.start()                      # returns once the node answers a CPing
    took = wait(lambda m: m["healthy"] is True)
    assert took is not None and took < 3, took
    results = load(h, [f"/app/echo.jsp?nosession=1&i={i}" for i in range(20)])
    assert results.count((200, "node2")) == 10, results
