"""The balancer manager changes which members a balancer has, and its sticky session name, while
httpd runs: a member added with mod_proxy_balancer's b_wyes/b_nwrkr takes requests in every child
once its first health check passes; a removed member takes none; both survive a graceful restart
and a stop and start; growth= limits additions; b_ss changes (or turns off) stickiness."""

import time

import pytest

import test_balancing as tb

pytest_plugins = ["fake_ajp"]


def wait_healthy(h, name, url, timeout=8):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = next((m for m in tb.balancer(h, name)["members"] if m["url"] == url), None)
        if m is not None and m["healthy"]:
            return m
        time.sleep(0.1)
    raise AssertionError(f"{url} not healthy in {timeout} s: {tb.balancer(h, name)}")


def urls(h, name):
    return [m["url"] for m in tb.balancer(h, name)["members"]]


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_a_member_added_in_the_manager_serves_from_every_child(httpd_factory, fake_ajp_factory,
                                                               mpm):
    a, c = fake_ajp_factory(handler=tb.named("a")), fake_ajp_factory(handler=tb.named("c"))
    h = tb.start(httpd_factory, mpm, tb.balancer_conf(
        "grow", [f"{a.url()} route=a secret=s3cret"], "stickysession=JSESSIONID"))
    assert tb.load(h, [f"/app/{i}" for i in range(20)]).count(200) == 20
    # Without the nonce, or with GET: refused, nothing added.
    assert tb.edit(h, {"b": "grow", "b_wyes": "1", "b_nwrkr": c.url()}, nonce=False)[0] == 403
    assert tb.edit(h, {"b": "grow", "b_wyes": "1", "b_nwrkr": c.url()}, method="GET")[0] == 403
    status, body = tb.edit(h, {"b": "grow", "b_wyes": "1", "b_nwrkr": "http://x:1"})
    assert status == 400 and b"b_nwrkr" in body, body
    assert urls(h, "grow") == [a.url()]

    status, body = tb.edit(h, {"b": "grow", "b_wyes": "1", "b_nwrkr": c.url()})
    assert status == 200, body
    added = tb.member(h, "grow", c.url())
    assert added["added"] is True and added["route"] == "" and added["loadfactor"] == 1
    # Not healthy until its first check passed (CPing every 2 s; the first at once).
    mc = wait_healthy(h, "grow", c.url())
    assert mc["last_check"] is not None
    assert tb.edit(h, {"b": "grow", "w": c.url(), "w_wr": "c"})[0] == 200
    assert tb.member(h, "grow", c.url())["route"] == "c"
    # The same URL again: refused.
    status, body = tb.edit(h, {"b": "grow", "b_wyes": "1", "b_nwrkr": c.url()})
    assert status == 400 and b"already a member" in body, body

    before_a = len(a.requests)
    statuses = tb.load(h, [f"/app/{i}" for i in range(200)], workers=8)
    assert statuses.count(200) == 200, statuses
    # byrequests over both members, in every child: an even split.
    assert len(c.requests) == 100 and len(a.requests) - before_a == 100, (
        len(c.requests), len(a.requests) - before_a)
    # It got the first member's connection settings (the secret).
    assert all(r.forward.secret == "s3cret" for r in c.requests)
    # Its sessions stick to it.
    status, _, body = tb.request(h, "GET", "/app/s", headers={"Cookie": "JSESSIONID=x.c"})
    assert status == 200 and body == b"served-by=c"
    assert "MCA0401" in h.error_log_text() and "added" in h.error_log_text()


def test_a_removed_member_takes_no_request_and_stays_removed(httpd_factory, fake_ajp_factory):
    a, b = fake_ajp_factory(handler=tb.named("a")), fake_ajp_factory(handler=tb.named("b"))
    conf = tb.balancer_conf("shrink", [f"{a.url()} route=a", f"{b.url()} route=b loadfactor=2"])
    h = tb.start(httpd_factory, "prefork", conf)
    assert tb.load(h, [f"/app/{i}" for i in range(12)]).count(200) == 12
    assert len(b.requests) > 0
    status, body = tb.edit(h, {"b": "shrink", "w": b.url(), "w_remove": "1"}, nonce=False)
    assert status == 403, body
    assert tb.edit(h, {"b": "shrink", "w": b.url(), "w_remove": "1"})[0] == 200
    assert urls(h, "shrink") == [a.url()]
    seen_b = len(b.requests)
    assert tb.load(h, [f"/app/{i}" for i in range(100)]).count(200) == 100
    assert len(b.requests) == seen_b
    # Sessions of the removed member go elsewhere.
    status, _, body = tb.request(h, "GET", "/app/s", headers={"Cookie": "JSESSIONID=x.b"})
    assert status == 200 and body == b"served-by=a"
    # Removing it twice: it is not a member any more.
    status, body = tb.edit(h, {"b": "shrink", "w": b.url(), "w_remove": "1"})
    assert status == 400 and b"no member" in body, body

    # httpd.conf still names it, but the removal is an edit: a graceful restart keeps it out.
    h.graceful()
    assert urls(h, "shrink") == [a.url()]
    # Adding it again brings it back with its httpd.conf settings (route, load factor).
    assert tb.edit(h, {"b": "shrink", "b_wyes": "1", "b_nwrkr": b.url()})[0] == 200
    back = tb.member(h, "shrink", b.url())
    assert (back["route"], back["loadfactor"], back["added"]) == ("b", 2, False), back
    assert tb.load(h, [f"/app/{i}" for i in range(30)]).count(200) == 30
    assert len(b.requests) > seen_b


def test_added_members_survive_a_graceful_restart_and_a_stop_and_start(httpd_factory,
                                                                       fake_ajp_factory):
    a = fake_ajp_factory(handler=tb.named("a"))
    c = fake_ajp_factory(handler=tb.named("c"))
    d = fake_ajp_factory(handler=tb.named("d"))
    h = tb.start(httpd_factory, "prefork", tb.balancer_conf("keep", [f"{a.url()} route=a"]))
    for fake in (c, d):
        assert tb.edit(h, {"b": "keep", "b_wyes": "1", "b_nwrkr": fake.url()})[0] == 200
    assert tb.edit(h, {"b": "keep", "w": c.url(), "w_wr": "c", "w_lf": "2"})[0] == 200
    wait_healthy(h, "keep", c.url())
    assert tb.load(h, [f"/app/{i}" for i in range(10)]).count(200) == 10
    elected = tb.member(h, "keep", c.url())["elected"]
    assert elected > 0

    h.graceful()
    assert urls(h, "keep") == [a.url(), c.url(), d.url()]
    mc = tb.member(h, "keep", c.url())
    assert (mc["route"], mc["loadfactor"], mc["added"]) == ("c", 2, True), mc
    assert mc["elected"] >= elected  # the counters carried over

    # An added member removed again is gone for good.
    assert tb.edit(h, {"b": "keep", "w": d.url(), "w_remove": "1"})[0] == 200
    assert urls(h, "keep") == [a.url(), c.url()]

    h.stop()
    text = (h.run_dir / "mod_cluster_ajp.state").read_text()
    assert "added=1" in text and d.url() not in text, text
    h.start()
    assert urls(h, "keep") == [a.url(), c.url()]
    mc = tb.member(h, "keep", c.url())
    assert (mc["route"], mc["loadfactor"], mc["added"]) == ("c", 2, True), mc
    wait_healthy(h, "keep", c.url())
    status, _, body = tb.request(h, "GET", "/app/s", headers={"Cookie": "JSESSIONID=x.c"})
    assert status == 200 and body == b"served-by=c"


def test_growth_limits_the_members_the_manager_may_add(httpd_factory, fake_ajp_factory):
    a, c, d = (fake_ajp_factory(handler=tb.named(n)) for n in "acd")
    h = tb.start(httpd_factory, "prefork",
                 tb.balancer_conf("small", [f"{a.url()} route=a"], "growth=1"))
    assert tb.edit(h, {"b": "small", "b_wyes": "1", "b_nwrkr": c.url()})[0] == 200
    status, body = tb.edit(h, {"b": "small", "b_wyes": "1", "b_nwrkr": d.url()})
    assert status == 400 and b"growth=1" in body, body
    assert urls(h, "small") == [a.url(), c.url()]
    # Removing the added one makes room again.
    assert tb.edit(h, {"b": "small", "w": c.url(), "w_remove": "1"})[0] == 200
    assert tb.edit(h, {"b": "small", "b_wyes": "1", "b_nwrkr": d.url()})[0] == 200
    assert urls(h, "small") == [a.url(), d.url()]


def test_the_sticky_session_name_changes_at_runtime(httpd_factory, fake_ajp_factory):
    a, b = fake_ajp_factory(handler=tb.named("a")), fake_ajp_factory(handler=tb.named("b"))
    conf = tb.balancer_conf("sticky", [f"{a.url()} route=a", f"{b.url()} route=b"],
                            "stickysession=JSESSIONID")

    def served(cookie, n=8):
        return {tb.request(h, "GET", f"/app/{i}", headers={"Cookie": cookie})[2]
                for i in range(n)}

    h = tb.start(httpd_factory, "prefork", conf)
    assert served("JSESSIONID=1.b") == {b"served-by=b"}
    assert len(served("SID=1.b")) == 2  # not sticky by SID: round robin
    assert tb.edit(h, {"b": "sticky", "b_ss": "SID"})[0] == 200
    assert tb.balancer(h, "sticky")["stickysession"] == "SID"
    assert served("SID=1.b") == {b"served-by=b"}
    assert served("SID=1.a") == {b"served-by=a"}
    # The access log names the new cookie.
    lines = tb.wait_access_lines(h, 1)
    assert lines and lines[-1][7] == "SID" and lines[-1][3] == "a", lines[-1]
    assert len(served("JSESSIONID=1.b")) == 2
    # Survives a stop and start; httpd.conf's stickysession= no longer applies to it.
    h.stop()
    h.start()
    assert tb.balancer(h, "sticky")["stickysession"] == "SID"
    assert served("SID=1.a") == {b"served-by=a"}
    # "-" turns stickiness off.
    assert tb.edit(h, {"b": "sticky", "b_ss": "-"})[0] == 200
    assert tb.balancer(h, "sticky")["stickysession"] == ""
    assert len(served("SID=1.a")) == 2
    status, body = tb.edit(h, {"b": "sticky", "b_ss": "bad name"})
    assert status == 400 and b"b_ss" in body, body
