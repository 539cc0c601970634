"""Health checks (one watchdog thread for the whole server), with no traffic: a member that stops
answering is shown unhealthy within 3 s with the reason, and comes back within 3 s of answering
again; requests never go to a member known unhealthy; one log line per change of state."""

import time

import fake_ajp as fa
import httpd_util
from test_balancing import (ACCESS_LOG, MANAGER, MANY_CHILDREN, balancer, balancer_conf, load,
                            member, named, request)

pytest_plugins = ["fake_ajp"]


def start(httpd_factory, conf, mpm="prefork"):
    h = httpd_factory(extra_conf=MANY_CHILDREN[mpm] + ACCESS_LOG + MANAGER + conf, mpm=mpm)
    h.start()
    return h


def wait_for(h, bname, url, predicate, timeout=5.0):
    """Seconds until the member's JSON satisfies `predicate`, or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if predicate(member(h, bname, url)):
            return time.monotonic() - t0
        time.sleep(0.05)
    return None


def test_a_dead_member_is_unhealthy_within_3s_with_the_reason(httpd_factory, fake_ajp_factory):
    a = fake_ajp_factory(handler=named("a"))
    dead = f"ajp://127.0.0.1:{httpd_util.free_port()}"
    h = start(httpd_factory, balancer_conf("hc", [f"{a.url()} route=a", f"{dead} route=d"]))
    took = wait_for(h, "hc", dead, lambda m: m["healthy"] is False)
    assert took is not None and took < 3, took
    m = member(h, "hc", dead)
    assert m["check_reason"] == "connection refused", m
    assert m["last_check"] and m["last_check"].endswith("Z")
    assert "C" in m["flags"]
    assert member(h, "hc", a.url())["healthy"] is True
    # No request is ever sent to it, and none fails.
    assert load(h, [f"/app/{i}" for i in range(20)]).count(200) == 20
    assert member(h, "hc", dead)["elected"] == 0
    # One log line for the change of state, however many checks failed since.
    time.sleep(2.5)
    lines = [ln for ln in h.error_log_text().splitlines() if "MCA0501" in ln]
    assert len(lines) == 1 and "connection refused" in lines[0], lines


def test_no_cpong_and_recovery(httpd_factory, fake_ajp_factory):
    a = fake_ajp_factory(handler=named("a"))
    b = fake_ajp_factory(handler=named("b"))
    h = start(httpd_factory, balancer_conf("cp", [
        f"{a.url()} route=a", f"{b.url()} route=b hcinterval=500ms hctimeout=300ms"]))
    b.cping = "stall"
    took = wait_for(h, "cp", b.url(), lambda m: m["healthy"] is False)
    assert took is not None and took < 3, took
    assert member(h, "cp", b.url())["check_reason"] == "no CPong in 300 ms"
    assert load(h, [f"/app/{i}" for i in range(10)]).count(200) == 10
    assert len(b.requests) == 0
    b.cping = "pong"
    took = wait_for(h, "cp", b.url(), lambda m: m["healthy"] is True)
    assert took is not None and took < 3, took
    assert member(h, "cp", b.url())["check_reason"] == ""
    assert load(h, [f"/app/{i}" for i in range(10)]).count(200) == 10
    assert len(b.requests) == 5
    text = h.error_log_text()
    assert text.count("MCA0501") == 1 and text.count("MCA0502") == 1, text[-2000:]


def test_http_check_over_ajp(httpd_factory, fake_ajp_factory):
    state = {"status": 500}

    def health(ex):
        if ex.req.req_uri == "/health":
            ex.reply(state["status"], body=b"health")
        else:
            ex.reply(200, body=b"app")
    a = fake_ajp_factory(handler=health)
    h = start(httpd_factory, balancer_conf("get", [
        f"{a.url()} route=a hcmethod=GET hcuri=/health hcinterval=300ms"]))
    assert wait_for(h, "get", a.url(), lambda m: m["healthy"] is False) is not None
    assert member(h, "get", a.url())["check_reason"] == "GET /health \u2192 500"
    assert request(h, "GET", "/app/x")[0] == 503
    state["status"] = 204
    took = wait_for(h, "get", a.url(), lambda m: m["healthy"] is True)
    assert took is not None and took < 3
    assert request(h, "GET", "/app/x")[0] == 200
    checks = [r for r in a.requests if r.forward.req_uri == "/health"]
    assert checks and checks[0].forward.method == "GET"


def test_a_member_that_answers_again_is_back_before_retry(httpd_factory, fake_ajp_factory):
    # A request finds the member dead (connect refused: in error for retry=60 s); once it
    # answers CPing again, the health check puts it back at once.
    b = fake_ajp_factory(handler=named("b"))
    port = httpd_util.free_port()
    h = start(httpd_factory, balancer_conf("back", [
        f"ajp://127.0.0.1:{port} route=a retry=60 hcinterval=500ms hcfails=1000",
        f"{b.url()} route=b"]))
    # (hcfails=1000: the checks alone would not call it unhealthy yet; a request finds it dead.)
    assert load(h, [f"/app/{i}" for i in range(4)]).count(200) == 4
    m = member(h, "back", f"ajp://127.0.0.1:{port}")
    assert m["errors"] >= 1 and m["in_error"] is True, m
    a = fake_ajp_factory(handler=named("a"), port=port)  # on the port the member names
    took = wait_for(h, "back", f"ajp://127.0.0.1:{port}",
                    lambda mm: mm["healthy"] is True and not mm["in_error"])
    assert took is not None and took < 3, took
    assert load(h, [f"/app/{i}" for i in range(10)]).count(200) == 10
    assert len(a.requests) == 5



def test_slowstart_ramps_a_recovered_member_up(httpd_factory, fake_ajp_factory):
    a = fake_ajp_factory(handler=named("a"))
    b = fake_ajp_factory(handler=named("b"))
    h = start(httpd_factory, balancer_conf("slow", [
        f"{a.url()} route=a",
        f"{b.url()} route=b hcinterval=200ms hctimeout=150ms slowstart=4"]))
    b.cping = "stall"
    assert wait_for(h, "slow", b.url(), lambda m: m["healthy"] is False) is not None
    b.cping = "pong"
    assert wait_for(h, "slow", b.url(), lambda m: m["healthy"] is True) is not None
    # In the first second of its 4 s ramp, b gets a small share (at most a quarter of its
    # weight), not half of the requests at once.
    t0 = time.monotonic()
    served = 0
    while time.monotonic() - t0 < 0.8:
        status, _, body = request(h, "GET", "/app/x")
        assert status == 200
        served += 1
    early = len(b.requests)
    assert served >= 10 and early <= served * 0.25, (early, served)
    # After the ramp it takes its full half again.
    time.sleep(4)
    before = len(b.requests)
    assert load(h, [f"/app/{i}" for i in range(20)]).count(200) == 20
    assert len(b.requests) - before == 10


def test_health_check_settings_edited_in_the_manager(httpd_factory, fake_ajp_factory):
    from test_balancing import edit

    def health(ex):
        ex.reply(500 if ex.req.req_uri == "/health" else 200, body=b"x")
    a = fake_ajp_factory(handler=named("a"))
    b = fake_ajp_factory(handler=health)
    h = start(httpd_factory, balancer_conf("hce", [f"{a.url()} route=a",
                                                   f"{b.url()} route=b hcinterval=300ms"]))
    assert member(h, "hce", b.url())["hcmethod"] == "CPING"
    # Switch b's check to GET /health (mod_proxy_balancer's w_hm, w_hu, w_hi fields; w_hi in ms).
    status, body = edit(h, {"b": "hce", "w": b.url(), "w_hm": "GET", "w_hu": "/health",
                            "w_hi": "200"})
    assert status == 200, body
    m = member(h, "hce", b.url())
    assert (m["hcmethod"], m["hcuri"], m["hcinterval"]) == ("GET", "/health", 0.2), m
    took = wait_for(h, "hce", b.url(), lambda mm: mm["healthy"] is False)
    assert took is not None and took < 3
    assert member(h, "hce", b.url())["check_reason"] == "GET /health \u2192 500"
    # Turned off: the member is no longer judged by checks.
    assert edit(h, {"b": "hce", "w": b.url(), "w_hm": "NONE"})[0] == 200
    assert wait_for(h, "hce", b.url(), lambda mm: mm["healthy"] is True) is not None
    # Edited settings survive a stop and start.
    assert edit(h, {"b": "hce", "w": b.url(), "w_hm": "GET"})[0] == 200
    h.stop()
    h.start()
    m = member(h, "hce", b.url())
    assert (m["hcmethod"], m["hcuri"]) == ("GET", "/health"), m
