"""scripts/cluster, the main job: `up --nodes 3` serves from all three nodes, `kill-node` keeps the
site answering, `start-node` brings the node back, a second `up` changes nothing, `down` leaves
no process behind, and a port in use is a clear error."""

import json
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

import tomcat

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "scripts" / "cluster"
MODULE = ROOT / "build" / "mod_cluster_ajp.so"

pytestmark = pytest.mark.skipif(bool(tomcat.missing_requirements()),
                                reason="Tomcat packages missing: "
                                       + ", ".join(tomcat.missing_requirements()))


def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def tomcat_base(nodes):
    """A base B whose node ports (B+5, B+9, B+80, + 10 per node) are all free."""
    for _ in range(200):
        b = random.randrange(20000, 40000, 100)
        if all(free(b + off + 10 * k) for k in range(nodes) for off in (5, 9, 80)):
            return b
    raise RuntimeError("no free port range")


def run(directory, *args, timeout=240):
    env = dict(os.environ, MCA_CLUSTER_NO_INSTALL="1")
    out = subprocess.run([str(CLUSTER), *args, "--dir", str(directory)], env=env,
                         stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         timeout=timeout)
    return out.returncode, out.stdout + out.stderr


def get(port, path, cookie=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if cookie:
        req.add_header("Cookie", cookie)
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.read().decode(), r.headers.get_all("Set-Cookie") or []


def node_of(page):
    m = re.search(r'id="node">(node\d)<', page)
    return m.group(1) if m else None


def pids(directory):
    state = json.loads((directory / "state.json").read_text())
    out = {}
    for k in range(1, state["nodes"] + 1):
        p = directory / f"node{k}.pid"
        out[f"node{k}"] = int(p.read_text()) if p.exists() else None
    out["httpd"] = int((directory / "httpd" / "run" / "httpd.pid").read_text())
    return out


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture
def state_root():
    # Tomcat runs as nobody when the tests run as root: the directory must be reachable.
    d = Path(tempfile.mkdtemp(prefix="mca-cluster-"))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_up_three_nodes_failover_up_again_and_down(state_root):
    assert MODULE.exists(), "build the module first (make -f Makefile.apxs)"
    tmp_path = state_root
    directory = tmp_path / "cluster"
    port = tomcat.free_ports(1)[0]
    base = tomcat_base(3)
    try:
        rc, out = run(directory, "up", "--nodes", "3", "--port", str(port), "--tomcat-base",
                      str(base), "--module", str(MODULE))
        assert rc == 0, out
        assert f"http://127.0.0.1:{port}/demo/" in out and "password" in out, out
        assert re.search(r"Serving after [\d.]+ s\. Memory: httpd \d+ MiB", out), out
        state = json.loads((directory / "state.json").read_text())

        # Every node serves; a session sticks to its node and counts up.
        seen = {node_of(get(port, "/demo/")[1]) for _ in range(9)}
        assert seen == {"node1", "node2", "node3"}, seen
        status, page, cookies = get(port, "/demo/")
        session = cookies[0].split(";")[0]
        node = node_of(page)
        for n in (2, 3):
            page = get(port, "/demo/", cookie=session)[1]
            assert node_of(page) == node and f'id="count">{n}<' in page
        assert get(port, "/examples/")[0] == 200
        # The manager is behind Basic auth with the generated password.
        with pytest.raises(urllib.error.HTTPError) as refused:
            get(port, "/balancer-manager?format=json")
        assert refused.value.code == 401

        # kill-node: the site keeps answering, status says which node is down.
        first = pids(directory)
        rc, out = run(directory, "kill-node", "2")
        assert rc == 0 and "killed" in out, out
        assert not alive(first["node2"])
        statuses = [get(port, f"/demo/?i={i}")[0] for i in range(30)]
        assert statuses == [200] * 30
        deadline = time.monotonic() + 5
        while True:
            rc, out = run(directory, "status")
            line = next(ln for ln in out.splitlines() if ln.startswith("node2"))
            if "unhealthy" in line or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert "stopped" in line and "unhealthy" in line, out
        rc, out = run(directory, "start-node", "2")
        assert rc == 0 and "healthy" in out, out
        assert "node2" in {node_of(get(port, "/demo/")[1]) for _ in range(9)}

        # A second `up` is harmless: same processes, same password, still serving.
        before = pids(directory)
        rc, out = run(directory, "up", "--module", str(MODULE))
        assert rc == 0 and "reusing" in out and state["password"] in out, out
        assert pids(directory) == before
        # logs: httpd's and a node's.
        assert run(directory, "logs")[0] == 0
        rc, out = run(directory, "logs", "1")
        assert rc == 0 and "catalina" in out.lower(), out

        # A port in use: a clear error, nothing started.
        other = tmp_path / "other"
        rc, out = run(other, "up", "--nodes", "1", "--port", str(port), "--tomcat-base",
                      str(tomcat_base(1)), "--module", str(MODULE))
        assert rc != 0 and f"port {port} (httpd) is already in use" in out, out
        assert not (other / "node1.pid").exists()
    finally:
        all_pids = pids(directory) if (directory / "httpd" / "run" / "httpd.pid").exists() else {}
        httpd_children = []
        if all_pids.get("httpd"):
            httpd_children = [int(p) for p in os.listdir("/proc") if p.isdigit()
                              and Path(f"/proc/{p}/stat").exists()
                              and _ppid(p) == all_pids["httpd"]]
        rc, out = run(directory, "down")
    assert rc == 0 and "nothing is left running" in out, out
    for pid in [p for p in all_pids.values() if p] + httpd_children:
        assert not alive(pid), pid


def _ppid(pid):
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None
