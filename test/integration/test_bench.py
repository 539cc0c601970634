"""The benchmark's tools work (scripts/bench itself is run by hand; nothing here times
anything): the fast AJP backend answers CPING and FORWARD_REQUEST with exactly the canned
answer over one persistent connection, and a short `scripts/bench` run of mod_cluster_ajp
against mod_proxy_ajp produces its Markdown table."""

import os
import subprocess
from pathlib import Path

import pytest

import fake_ajp as fa
import tomcat

ROOT = Path(__file__).resolve().parents[2]
BACKEND = ROOT / "build" / "bench" / "ajp_backend"


@pytest.fixture
def backend():
    if not BACKEND.exists():
        subprocess.run(["make", "-f", "Makefile.apxs", "bench"], cwd=ROOT, check=True,
                       capture_output=True)
    port = tomcat.free_ports(1)[0]
    p = subprocess.Popen([str(BACKEND), "--port", str(port), "--size", "20000"],
                         stdout=subprocess.PIPE, text=True)
    assert "ajp_backend" in p.stdout.readline()
    yield port
    p.terminate()
    p.wait(10)


def test_fast_backend_answers_like_a_container(backend):
    conn = fa.AjpClient(port=backend)
    try:
        assert conn.cping()
        for _ in range(3):  # the same connection, reused
            resp = conn.request(method="GET", uri="/bench/x")
            assert resp.status == 200
            assert resp.header("Content-Length") == "20000"
            assert resp.body == bytes((ord("a") + i % 26) for i in range(20000))
            assert resp.reuse
            chunks = [m.data for m in resp.messages if m.type == fa.SEND_BODY_CHUNK]
            assert len(chunks) == 3 and all(len(c) <= 8184 for c in chunks)
    finally:
        conn.close()


def test_quick_bench_run_writes_the_table(tmp_path):
    if not Path("/usr/bin/wrk").exists():
        pytest.skip("wrk not installed")
    out = subprocess.run([str(ROOT / "scripts" / "bench"), "--quick", "--no-sticky",
                          "--contenders", "ours,proxy_ajp", "--module",
                          str(ROOT / "build" / "mod_cluster_ajp.so"), "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=240,
                         env=dict(os.environ))
    assert out.returncode == 0, out.stdout + out.stderr
    table = (tmp_path / "results.md").read_text()
    rows = [ln for ln in table.splitlines() if ln.startswith("| fast |")]
    assert [r.split("|")[4].strip() for r in rows] == ["ours", "proxy_ajp"], table
    for r in rows:
        assert float(r.split("|")[5]) > 0 and r.split("|")[12].strip() == "0", r
