"""scripts/cluster, the main job: `up --nodes 3` serves from all three nodes with sticky sessions,
`kill-node` keeps the site answering (a session of the killed node fails over), `status` shows
the node unhealthy, `start-node` brings it back, a second `up` changes nothing, `down` leaves no
process behind, and a port in use is a clear error that starts nothing.

The module is the one under test (conftest's `module`: $MCA_MODULE, the ASan build when
MCA_ASAN=1), passed to the script through the same environment variables; no package is
installed (MCA_CLUSTER_NO_INSTALL=1)."""

import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import httpd_util
import tomcat

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "scripts" / "cluster"
# The module under test reaches the script as it reaches every test (MCA_MODULE, MCA_ASAN).
ENV = dict(os.environ, MCA_CLUSTER_NO_INSTALL="1", MCA_MODULE=str(httpd_util.module_path()))

pytestmark = pytest.mark.skipif(bool(tomcat.missing_requirements()),
                                reason="Tomcat packages missing: "
                                       + ", ".join(tomcat.missing_requirements()))


# ---- helpers -------------------------------------------------------------------------------------

def free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def node_ports(base, nodes):
    return [base + off + 10 * k for k in range(nodes) for off in (5, 9, 80)]


def tomcat_base(nodes, avoid=()):
    """A --tomcat-base B whose node ports (B+5, B+9, B+80, + 10 per node) are all free, below
    the ephemeral range (32768 and up) so no outgoing connection takes one in the meantime."""
    for b in range(20000, 32000, 100):
        ports = node_ports(b, nodes)
        if not set(ports) & set(avoid) and all(free(p) for p in ports):
            return b
    raise RuntimeError("no free port range for the Tomcat nodes")


def run(directory, *args, timeout=240):
    """scripts/cluster ARGS --dir DIRECTORY -> (exit code, stdout + stderr)."""
    out = subprocess.run([str(CLUSTER), *args, "--dir", str(directory)], env=ENV,
                         stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         timeout=timeout)
    return out.returncode, out.stdout + out.stderr


def get(port, path, cookie=None, auth=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if cookie:
        req.add_header("Cookie", cookie)
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    with urllib.request.urlopen(req, timeout=15) as r:
        return r.status, r.read().decode(), r.headers.get_all("Set-Cookie") or []


def node_of(page):
    """The node the demo app says served the page."""
    m = re.search(r'id="node">(node\d)<', page)
    return m.group(1) if m else None


def session_cookie(cookies):
    for c in cookies:
        if c.startswith("JSESSIONID="):
            return c.split(";")[0]
    return None


def recorded_pids(directory):
    """{"httpd": pid, "node1": pid, ...} from the pid files scripts/cluster keeps (None: no
    file)."""
    state = json.loads((directory / "state.json").read_text())
    out = {}
    for k in range(1, state["nodes"] + 1):
        p = directory / f"node{k}.pid"
        out[f"node{k}"] = int(p.read_text().split()[0]) if p.exists() else None
    p = directory / "httpd" / "run" / "httpd.pid"
    out["httpd"] = int(p.read_text()) if p.exists() else None
    return out


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def ours(pid, directory):
    """pid is alive and belongs to the cluster in directory (httpd -f DIR/httpd/httpd.conf, its
    children, or java -Dcatalina.base=DIR/nodeK)."""
    try:
        return alive(pid) and str(directory) in Path(f"/proc/{pid}/cmdline").read_text(
            errors="replace")
    except OSError:
        return False


def all_processes(directory):
    """Every process of the cluster: the recorded pids and httpd's children."""
    pids = [p for p in recorded_pids(directory).values() if p]
    httpd = recorded_pids(directory)["httpd"]
    if httpd:
        pids += httpd_util.live_children(httpd)
    return [p for p in pids if ours(p, directory)]


@pytest.fixture
def cluster_dir(module):  # module: conftest's check that the module under test was built
    """make(name) -> a state directory. At teardown, `down` for each, then SIGKILL (by pid) for
    anything of theirs still running, so a failed test leaves no process either."""
    root = Path(tempfile.mkdtemp(prefix="mca-cluster-"))
    root.chmod(0o755)  # as root the JVMs run as nobody, who must reach the node directories
    made = []

    def make(name):
        made.append(root / name)
        return root / name

    yield make
    for d in made:
        if (d / "state.json").exists():
            left = all_processes(d)
            run(d, "down", timeout=90)
            for pid in left:
                if ours(pid, d):
                    os.kill(pid, signal.SIGKILL)
    shutil.rmtree(root, ignore_errors=True)


# ---- the test ------------------------------------------------------------------------------------

def test_up_three_nodes_failover_up_again_and_down(cluster_dir):
    directory = cluster_dir("cluster")
    port = tomcat.free_ports(1)[0]
    base = tomcat_base(3, avoid=[port])
    started = time.monotonic()
    rc, out = run(directory, "up", "--nodes", "3", "--port", str(port), "--tomcat-base",
                  str(base))
    up_seconds = time.monotonic() - started
    assert rc == 0, out
    assert f"http://127.0.0.1:{port}/demo/" in out, out
    assert re.search(r"Serving [\d.]+ s after `up` began", out), out
    assert re.search(r"Memory \(RSS\): httpd \d+ MiB in \d+ processes; node1 \d+ MiB, "
                     r"node2 \d+ MiB, node3 \d+ MiB; total \d+ MiB", out), out
    for k in (1, 2, 3):
        assert re.search(rf"node{k}\s+ajp://127\.0\.0\.1:{base + 9 + 10 * (k - 1)}\s+healthy",
                         out), out
    password = re.search(r"user admin, password (\S+)", out).group(1)
    print(f"up --nodes 3: {up_seconds:.1f} s\n"
          + "\n".join(ln for ln in out.splitlines() if "Serving" in ln or "Memory" in ln))

    # Every node serves; each new session is named after the node that made it.
    seen = set()
    for i in range(12):
        status, page, cookies = get(port, f"/demo/?i={i}")
        node = node_of(page)
        assert status == 200 and node, page
        assert session_cookie(cookies).endswith(f".{node}"), (node, cookies)
        seen.add(node)
    assert seen == {"node1", "node2", "node3"}, seen

    # A session sticks to its node and counts up there.
    page, cookies = get(port, "/demo/")[1:]
    session, node = session_cookie(cookies), node_of(page)
    for n in (2, 3, 4):
        page = get(port, "/demo/", cookie=session)[1]
        assert node_of(page) == node and f'id="count">{n}<' in page, page
    assert get(port, "/examples/")[0] == 200
    assert get(port, "/examples/jsp/jsp2/el/basic-arithmetic.jsp")[0] == 200

    # The manager: Basic auth with the printed password; every member healthy in its JSON.
    with pytest.raises(urllib.error.HTTPError) as refused:
        get(port, "/balancer-manager?format=json")
    assert refused.value.code == 401
    members = json.loads(get(port, "/balancer-manager?format=json",
                             auth=f"admin:{password}")[1])["balancers"][0]["members"]
    assert sorted(m["route"] for m in members) == ["node1", "node2", "node3"]
    assert all(m["healthy"] and m["state"] == "active" for m in members), members

    # A session on node2, then kill-node 2 (SIGKILL): the site keeps answering, and that
    # session goes on, on another node (a new session there).
    on_node2 = None
    for _ in range(6):
        page, cookies = get(port, "/demo/")[1:]
        if node_of(page) == "node2":
            on_node2 = session_cookie(cookies)
            break
    assert on_node2, "no request reached node2"
    first = recorded_pids(directory)
    rc, out = run(directory, "kill-node", "2")
    assert rc == 0 and "killed" in out, out
    assert not alive(first["node2"])
    statuses = [get(port, f"/demo/?after-kill={i}")[0] for i in range(30)]
    assert statuses == [200] * 30
    status, page, _ = get(port, "/demo/", cookie=on_node2)
    assert status == 200 and node_of(page) in ("node1", "node3"), page

    # status: node2 stopped, and unhealthy once the manager noticed (checks every 2 s).
    deadline = time.monotonic() + 15
    while True:
        rc, out = run(directory, "status")
        line = next(ln for ln in out.splitlines() if ln.startswith("node2"))
        if "unhealthy" in line or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert rc == 0 and "stopped" in line and "unhealthy" in line, out
    assert re.search(r"^node1 .* running; healthy", out, re.M), out

    # start-node 2: back, healthy, and taking requests.
    rc, out = run(directory, "start-node", "2")
    assert rc == 0 and "healthy" in out, out
    rc, out = run(directory, "status")
    assert re.search(r"^node2 .* running; healthy", out, re.M), out
    assert "node2" in {node_of(get(port, f"/demo/?back={i}")[1]) for i in range(9)}

    # A second `up` is harmless: same processes, same password, nothing started.
    before = recorded_pids(directory)
    rc, out = run(directory, "up")
    assert rc == 0, out
    assert "reusing" in out and "everything was already running" in out, out
    assert f"password {password}" in out, out
    assert recorded_pids(directory) == before
    assert all(alive(p) for p in before.values()), before

    # logs: httpd's error log and a node's log, with their paths.
    rc, out = run(directory, "logs")
    assert rc == 0 and str(directory / "httpd" / "logs" / "error.log") in out, out
    rc, out = run(directory, "logs", "1")
    assert rc == 0 and "org.apache.catalina" in out, out

    # Ports in use: a clear error naming the port and the option, and nothing is started.
    other = cluster_dir("other")
    rc, out = run(other, "up", "--nodes", "1", "--port", str(port), "--tomcat-base",
                  str(tomcat_base(1, avoid=[port])))
    assert rc != 0 and f"port {port} (httpd) is already in use" in out and "--port" in out, out
    assert not (other / "node1.pid").exists()
    rc, out = run(other, "up", "--nodes", "1", "--port", str(tomcat.free_ports(1)[0]),
                  "--tomcat-base", str(base))
    assert rc != 0 and f"port {base + 9} (ajp port of node1) is already in use" in out \
        and "--tomcat-base" in out, out
    assert not (other / "node1.pid").exists()

    # down: every process recorded (httpd, its children, the JVMs) is gone.
    processes = all_processes(directory)
    assert len(processes) >= 5, processes  # httpd, at least one child, three JVMs
    rc, out = run(directory, "down")
    assert rc == 0 and "nothing is left running" in out, out
    left = [p for p in processes if alive(p)]
    assert not left, left
    rc, out = run(directory, "status")
    assert rc == 0 and len(re.findall(r"\bstopped\b", out)) == 4, out

    # Nothing went wrong inside httpd (with the ASan build: no sanitizer report).
    log = (directory / "httpd" / "logs" / "error.log").read_text(errors="replace")
    bad = [ln for ln in log.splitlines()
           if httpd_util.SANITIZER_RE.search(ln) or httpd_util.CHILD_CRASH_RE.search(ln)]
    assert not bad, bad
