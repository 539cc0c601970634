"""The benchmark's tools work; nothing here times anything or depends on speed.

The fast AJP backend (test/bench/ajp_backend.cc) answers like a container: CPONG; a
FORWARD_REQUEST with the size its path names, in SEND_BODY_CHUNKs of at most 8184 bytes and
END_RESPONSE reuse=1, many times over one connection; request bodies read as Tomcat reads them
(the unsolicited first packet, then GET_BODY_CHUNK until the empty packet); a session cookie
with its route when a request asks for one. And `scripts/bench --quick` with mod_cluster_ajp and
mod_proxy_ajp writes its Markdown table with numbers for both.

Needs `make -f Makefile.apxs bench` (build/bench/ajp_backend) and build/mod_cluster_ajp.so
(another build directory: BUILD=dir); skips when they are missing. The quick run also needs wrk.
"""

import json
import os
import re
import select
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

import fake_ajp as fa
import tomcat

ROOT = Path(__file__).resolve().parents[2]
BUILD = (ROOT / os.environ.get("BUILD", "build")).resolve()  # as scripts/bench
BACKEND = BUILD / "bench" / "ajp_backend"
MODULE = BUILD / "mod_cluster_ajp.so"


def read_line(proc, timeout=10):
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    return proc.stdout.readline().decode() if ready else ""


def counters(proc):
    proc.send_signal(signal.SIGUSR1)
    line = read_line(proc)
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


@pytest.fixture
def backend():
    if not BACKEND.exists():
        pytest.skip(f"{BACKEND} is not built (make -f Makefile.apxs bench)")
    port = tomcat.free_ports(1)[0]
    proc = subprocess.Popen([str(BACKEND), "--port", str(port), "--size", "5", "--route",
                             "node7"], stdout=subprocess.PIPE, bufsize=0)
    try:
        assert read_line(proc).startswith("ajp_backend: listening"), "backend did not start"
        yield port, proc
    finally:
        proc.terminate()
        proc.wait(10)


def test_answers_cping_and_requests_on_one_connection(backend):
    port, proc = backend
    with fa.AjpClient(port=port) as conn:
        assert conn.cping()
        for _ in range(3):
            resp = conn.request(method="GET", uri="/bench/20000")
            assert (resp.status, resp.reuse) == (200, True)
            assert resp.header("Content-Length") == "20000"
            assert resp.body == bytes(ord("a") + i % 26 for i in range(20000))
            chunks = [len(m.data) for m in resp.messages if m.type == fa.SEND_BODY_CHUNK]
            assert chunks == [8184, 8184, 3632]
        resp = conn.request(method="GET", uri="/bench/x")  # no size in the path: --size
        assert (resp.status, resp.body, resp.reuse) == (200, b"abcde", True)
        resp = conn.request(method="HEAD", uri="/bench/100")
        assert (resp.header("Content-Length"), resp.body, resp.reuse) == ("100", b"", True)
        assert conn.cping()
    c = counters(proc)
    assert (c["requests"], c["cpings"], c["connections"], c["errors"]) == (5, 2, 1, 0)


def test_reads_request_bodies_like_tomcat(backend):
    port, proc = backend
    with fa.AjpClient(port=port) as conn:
        # Content-Length: the first 8186 bytes unsolicited, then GET_BODY_CHUNK until the empty
        # packet, as Tomcat asks when the application reads to the end.
        resp = conn.request(method="POST", uri="/bench/3", body=b"x" * 30000)
        assert (resp.status, resp.body, resp.reuse) == (200, b"abc", True)
        assert resp.get_body_chunks == [8186] * 4
        # Chunked: nothing unsolicited.
        resp = conn.request(method="POST", uri="/bench/3", body=b"y" * 20000, chunked=True,
                            headers=[("Transfer-Encoding", "chunked")])
        assert (resp.status, resp.body, resp.get_body_chunks) == (200, b"abc", [8186] * 4)
        # A 600-byte body packet starts with 0x02 like a FORWARD_REQUEST: read as body.
        resp = conn.request(method="POST", uri="/bench/3", body=b"z" * 600)
        assert (resp.status, resp.body, resp.get_body_chunks) == (200, b"abc", [8186])
        resp = conn.request(method="GET", uri="/bench/4")
        assert (resp.status, resp.body, resp.reuse) == (200, b"abcd", True)
    c = counters(proc)
    assert (c["requests"], c["body_bytes"], c["errors"]) == (4, 50600, 0)


def test_sets_a_session_cookie_with_its_route_when_asked(backend):
    port, _ = backend
    with fa.AjpClient(port=port) as conn:
        resp = conn.request(uri="/bench/3", query="a=b&session=1")
        assert re.fullmatch(r"JSESSIONID=[0-9A-F]{32}\.node7; Path=/; HttpOnly",
                            resp.header("Set-Cookie") or ""), resp.headers
        resp = conn.request(uri="/bench/3", query="session=1",
                            headers=[("Cookie", "x=1; JSESSIONID=ABC.node7")])
        assert resp.header("Set-Cookie") is None and resp.body == b"abc"
        assert conn.request(uri="/bench/3").header("Set-Cookie") is None


def need_backend_module_and_wrk():
    for path, what in ((BACKEND, "make -f Makefile.apxs bench"),
                       (MODULE, "make -f Makefile.apxs all")):
        if not path.exists():
            pytest.skip(f"{path} is not built ({what})")
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk)")


def test_quick_run_writes_the_table(tmp_path):
    need_backend_module_and_wrk()
    out = subprocess.run(
        [str(ROOT / "scripts" / "bench"), "--quick", "--contenders", "ours,proxy_ajp",
         "--wrk-priority", "3", "--module", str(MODULE), "--no-build", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=60, env=dict(os.environ, BUILD=str(BUILD)))
    assert out.returncode == 0, out.stdout + out.stderr
    table = (tmp_path / "results.md").read_text()
    rows = [[cell.strip() for cell in line.split("|")[1:-1]]
            for line in table.splitlines() if line.startswith("| fast |")]
    # The main table, then the CPU table: 2 cases (c=32 and the sticky mix) x 2 contenders each.
    main = rows[:4]
    assert [(r[2], r[3]) for r in main] == [("32", "ours"), ("32", "proxy_ajp"),
                                           ("32 sticky", "ours"), ("32 sticky", "proxy_ajp")]
    for r in main:
        assert float(r[4]) > 0 and float(r[7]) > 0 and float(r[10]) > 0, r  # req/s, p50, CPU
        assert r[12] == "0", f"errors: {r}"
    assert "with 2 threads at nice 3;" in table
    assert json.loads((tmp_path / "results.json").read_text())["meta"]["wrk_priority"] == "3"


def test_short_soak_writes_memory_figures_for_both(tmp_path):
    need_backend_module_and_wrk()
    out = subprocess.run(
        [str(ROOT / "scripts" / "bench"), "soak", "--minutes", "0.1", "--interval", "2",
         "--concurrency", "8", "--module", str(MODULE), "--no-build", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120, env=dict(os.environ, BUILD=str(BUILD)))
    assert out.returncode == 0, out.stdout + out.stderr
    rows = [[cell.strip() for cell in line.split("|")[1:-1]]
            for line in (tmp_path / "soak.md").read_text().splitlines()
            if line.startswith("| mod_")]
    assert [r[0] for r in rows] == ["mod_cluster_ajp", "mod_proxy_ajp"]
    for r in rows:
        requests, errors, rss_start, rss_end = int(r[1]), int(r[2]), int(r[3]), int(r[4])
        assert requests > 100 and errors == 0, r
        assert 1000 < rss_start and 1000 < rss_end, r  # KiB: a real child's size
        # The mean over the two children is at most the largest of them.
        mean_rss_end, anon_end, mean_anon_end = int(r[6]), int(r[10]), int(r[12])
        assert 1000 < mean_rss_end <= rss_end and 0 < mean_anon_end <= anon_end, r
        # wrk's 8 connections, as the children hold them ("5 / 3"); one may be reconnecting.
        split = [int(n) for n in r[13].split(" / ")]
        assert len(split) == 2 and 7 <= sum(split) <= 8, r
        assert int(r[14]) > 0, r  # shared memory: at least the scoreboard
    data = json.loads((tmp_path / "soak.json").read_text())
    # Every sample saw both children of each contender, and the manager answered each time.
    for name in ("ours", "proxy_ajp"):
        assert len(data["samples"][name]) >= 3
        assert all(len(s["children"]) == 2 for s in data["samples"][name])
