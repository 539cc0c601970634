"""scripts/cluster: a local Tomcat cluster behind httpd with mod_cluster_ajp (see --help).

Everything lives in one state directory (default .cluster/ in the repository):
  state.json          nodes, ports, the AJP secret, the manager password, the module
  httpd/              httpd.conf, htpasswd, logs/, run/ (pid file, the manager's state file)
  nodeK/              node K's CATALINA_BASE (conf/server.xml, webapps/demo, logs/)
  nodeK.pid           node K's JVM: "pid starttime" (starttime: field 22 of /proc/PID/stat)
Processes are tracked by pid only; nothing is ever killed by name. Before a pid is trusted or
signalled it is checked to still be ours (the JVM's start time; httpd's command line naming our
httpd.conf), so a pid file left from before a reboot never hits a process that reused the number.
"""

import argparse
import base64
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APACHE2 = "/usr/sbin/apache2"
MODULES = Path("/usr/lib/apache2/modules")
CATALINA_HOME = Path("/usr/share/tomcat10")
INSTANCE_CREATE = "/usr/bin/tomcat10-instance-create"
EXAMPLES_XML = Path("/etc/tomcat10/Catalina/localhost/examples.xml")
DEMO = REPO / "scripts" / "cluster-demo"
DEFAULT_MODULE = REPO / "build" / "mod_cluster_ajp.so"
NOBODY = 65534
JAVA_OPTS = ("-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k "
             "-XX:-UsePerfData -Djava.security.egd=file:/dev/./urandom")
DEFAULT_BIND = "127.0.0.1"
DEFAULT_TOMCAT_BASE = 8000

USAGE = """\
scripts/cluster COMMAND [options]

Commands:
  up [--nodes N] [--port P]   install what is missing, build the module, create N Tomcat nodes
                              (default 2) and httpd, start them, wait until every member is
                              healthy, print the URLs, the manager's password, the time to a
                              serving cluster and the memory used. A second `up` reuses what
                              exists, leaves running processes alone and starts what is stopped.
  status                      members (health, state, requests), pids and ports
  stop-node K                 stop node K (SIGTERM; its sessions fail over)
  start-node K                start node K again and wait until it is healthy
  kill-node K                 kill node K with SIGKILL, to watch failover
  logs [K]                    the end of httpd's error log, or of node K's log
  down                        stop httpd and every node; nothing is left running

Options of `up` (on an existing cluster, --port/--bind/--tomcat-base apply while the processes
they concern are stopped: `down`, then `up --port P`):
  --nodes N          Tomcat nodes (1..9, default 2)
  --port P           httpd's port. Default: 80 when run as root and port 80 is free, else 8000
                     (a normal user cannot bind ports below 1024)
  --bind ADDR        httpd's address (default 127.0.0.1; 0.0.0.0 for other machines)
  --tomcat-base B    node K listens on B+9+10(K-1) (AJP), B+80+10(K-1) (HTTP, 127.0.0.1 only,
                     for debugging) and B+5+10(K-1) (shutdown, 127.0.0.1): default 8000, so node1
                     has the classic 8009/8080/8005 and node2 8019/8090/8015
  --module PATH      a mod_cluster_ajp.so to load instead of building build/mod_cluster_ajp.so
All commands:
  --dir D            the state directory (default: .cluster in the repository)

Environment:
  MCA_CLUSTER_DIR          the state directory when --dir is not given
  MCA_MODULE               the module when --module is not given
  MCA_ASAN=1               the module is an ASan build: httpd runs with the ASan runtime preloaded
  MCA_CLUSTER_NO_INSTALL=1 `up` installs no packages (it still says what is missing)

As root the JVMs run as nobody and httpd's children as www-data; as a normal user everything runs
as that user. Packages are installed with apt-get, through sudo for a normal user.
"""


class ClusterError(Exception):
    pass


# ---- small helpers -------------------------------------------------------------------------------

def proc_stat(pid):
    """The fields of /proc/PID/stat after the command name (state is [0], starttime [19]), or
    None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            # "PID (comm) STATE ...": comm may hold spaces and parentheses.
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def alive(pid):
    if not pid:
        return False
    fields = proc_stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")  # a zombie is not alive


def start_time(pid):
    fields = proc_stat(pid)
    return fields[19] if fields and len(fields) > 19 else None


def cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def read_pid(path):
    """(pid, starttime or None) from a pid file, or (None, None)."""
    try:
        words = Path(path).read_text().split()
        return int(words[0]), (words[1] if len(words) > 1 else None)
    except (OSError, ValueError, IndexError):
        return None, None


def children_of(pid):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = proc_stat(entry)
            if fields and len(fields) > 1 and fields[1] == str(pid):
                out.append(int(entry))
    return out


def rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def port_free(port, host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def cping(port, timeout=1.0):
    """True when 127.0.0.1:port answers an AJP CPING with a CPONG."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(b"\x12\x34\x00\x01\x0a")
            data = b""
            while len(data) < 5:
                chunk = s.recv(5 - len(data))
                if not chunk:
                    return False
                data += chunk
            return data == b"AB\x00\x01\x09"
    except OSError:
        return False


def tail(path, lines=25):
    try:
        text = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text[-lines:])


def wait_gone(pids, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return not any(alive(p) for p in pids)


def route_number(route):
    """K for "nodeK", else None (a member added in the manager may have any route)."""
    digits = route[4:] if route.startswith("node") else ""
    return int(digits) if digits.isdigit() else None


# ---- the cluster ---------------------------------------------------------------------------------

class Cluster:
    def __init__(self, directory):
        self.dir = Path(directory).resolve()
        self.state_file = self.dir / "state.json"
        self.httpd_dir = self.dir / "httpd"
        self.conf = self.httpd_dir / "httpd.conf"
        self.httpd_pid_file = self.httpd_dir / "run" / "httpd.pid"
        self.error_log = self.httpd_dir / "logs" / "error.log"
        self.state = json.loads(self.state_file.read_text()) if self.state_file.exists() else None
        self.log_offsets = {}  # node -> size of its log when this process started it

    # -- layout
    def node_dir(self, k):
        return self.dir / f"node{k}"

    def node_pid_file(self, k):
        return self.dir / f"node{k}.pid"

    def node_log(self, k):
        return self.node_dir(k) / "logs" / "run.out"

    def ports(self, k):
        base = self.state["tomcat_base"]
        return {"ajp": base + 9 + 10 * (k - 1), "http": base + 80 + 10 * (k - 1),
                "shutdown": base + 5 + 10 * (k - 1)}

    def nodes(self):
        return range(1, self.state["nodes"] + 1)

    def url(self, path=""):
        host = self.state["bind"] if self.state["bind"] not in ("0.0.0.0", "*") else "127.0.0.1"
        port = "" if self.state["port"] == 80 else f":{self.state['port']}"
        return f"http://{host}{port}{path}"

    def listen_host(self):
        return "0.0.0.0" if self.state["bind"] in ("0.0.0.0", "*") else self.state["bind"]

    # -- creation
    def create(self, args, module, asan=False):
        """Makes the cluster's files, or adopts an existing one. True when it made them."""
        if self.state is not None:
            self.reconfigure(args, module, asan)
            return False
        root = os.geteuid() == 0
        port = args.port
        if port is None:
            port = 80 if root and port_free(80, "0.0.0.0") else 8000
        self.state = {
            "nodes": args.nodes or 2,
            "port": port,
            "bind": args.bind or DEFAULT_BIND,
            "tomcat_base": args.tomcat_base or DEFAULT_TOMCAT_BASE,
            "secret": secrets.token_urlsafe(18),
            "password": secrets.token_urlsafe(12),
            "module": module,
            "asan": asan,
        }
        self.check_port_layout()
        self.check_ports()
        self.dir.mkdir(parents=True, exist_ok=True)
        if root:
            # The JVMs run as nobody, who must be able to reach their directories.
            for d in [self.dir, *self.dir.parents]:
                if d.stat().st_mode & 0o001 == 0:
                    raise ClusterError(
                        f"{d} is not searchable by other users, so Tomcat (run as nobody) "
                        f"cannot reach {self.dir}: `chmod o+x {d}` or choose --dir elsewhere")
        for k in self.nodes():
            self.create_node(k)
        self.write_httpd_conf()
        self.save()
        return True

    def reconfigure(self, args, module, asan=False):
        """A second `up`: same nodes; new ports or module only where nothing running uses them."""
        s = self.state
        if args.nodes is not None and args.nodes != s["nodes"]:
            raise ClusterError(
                f"the cluster in {self.dir} has {s['nodes']} nodes; run `scripts/cluster down` "
                f"and remove {self.dir} to make one with {args.nodes}")
        httpd_changes = {key: value for key, value in
                         (("port", args.port), ("bind", args.bind), ("module", module),
                          ("asan", asan)) if value is not None and value != s.get(key)}
        new_base = args.tomcat_base if args.tomcat_base not in (None, s["tomcat_base"]) else None
        running = [f"node{k}" for k in self.nodes() if self.node_pid(k)]
        if new_base is not None and (running or self.httpd_pid()):
            raise ClusterError(
                f"--tomcat-base {new_base}: the cluster is running on base {s['tomcat_base']}; "
                f"`scripts/cluster down` first, then `up --tomcat-base {new_base}`")
        moved = {k: v for k, v in httpd_changes.items() if k not in ("module", "asan")}
        if moved and self.httpd_pid():
            what = " ".join(f"--{k} {v}" for k, v in moved.items())
            raise ClusterError(f"{what}: httpd is running on {self.url()}; "
                               f"`scripts/cluster down` first, then `up {what}`")
        if not httpd_changes and new_base is None:
            return
        old = dict(s)
        s.update(httpd_changes)
        if new_base is not None:
            s["tomcat_base"] = new_base
        try:
            self.check_port_layout()
            if moved and not self.httpd_pid():
                self.check_ports_httpd()
            if new_base is not None:
                self.check_ports(skip_httpd=True)
        except ClusterError:
            self.state = old
            raise
        if new_base is not None:
            for k in self.nodes():
                self.write_server_xml(k)
        self.write_httpd_conf()
        self.save()
        if ("module" in httpd_changes or "asan" in httpd_changes) and self.httpd_pid():
            print(f"cluster: httpd keeps running with {old['module']}; `scripts/cluster down` "
                  f"and `up` load {module}", flush=True)

    def save(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(self.state, indent=2) + "\n")
        os.chmod(self.state_file, 0o600)  # holds the secret and the password

    def check_port_layout(self):
        """httpd's port must not be one the nodes use (both would look free before the start)."""
        for k in self.nodes():
            for what, port in self.ports(k).items():
                if port == self.state["port"]:
                    raise ClusterError(
                        f"httpd's port {port} is node{k}'s {what} port: choose another --port "
                        f"or --tomcat-base (node K uses B+9+10(K-1) for AJP, B+80+10(K-1) for "
                        f"HTTP, B+5+10(K-1) for shutdown)")
                if not 0 < port < 65536:
                    raise ClusterError(f"--tomcat-base {self.state['tomcat_base']} puts node{k}'s "
                                       f"{what} port at {port}, outside 1..65535")

    def check_ports(self, only_node=None, skip_httpd=False):
        if only_node is None and not skip_httpd:
            self.check_ports_httpd()
        for k in self.nodes():
            if only_node is not None and k != only_node:
                continue
            for what, port in self.ports(k).items():
                if not port_free(port):
                    raise ClusterError(
                        f"port {port} ({what} port of node{k}) is already in use on 127.0.0.1: "
                        f"stop what uses it (`ss -ltnp 'sport = :{port}'` shows it) or choose "
                        f"other ports with --tomcat-base B (node K uses B+9+10(K-1) for AJP, "
                        f"B+80+10(K-1) for HTTP, B+5+10(K-1) for shutdown; now B="
                        f"{self.state['tomcat_base']})")

    def check_ports_httpd(self):
        port, host = self.state["port"], self.listen_host()
        if not port_free(port, host):
            hint = ("a normal user cannot bind ports below 1024, " if port < 1024
                    and os.geteuid() != 0 else "")
            raise ClusterError(
                f"port {port} (httpd) is already in use on {host}: {hint}stop what uses it "
                f"(`ss -ltnp 'sport = :{port}'` shows it) or pass another port: "
                f"`scripts/cluster up --port P`")

    def create_node(self, k):
        base = self.node_dir(k)
        if base.exists():
            shutil.rmtree(base)
        p = self.ports(k)
        out = subprocess.run([INSTANCE_CREATE, "-p", str(p["http"]), "-c", str(p["shutdown"]),
                              str(base)], stdin=subprocess.DEVNULL, capture_output=True,
                             text=True)
        if out.returncode != 0:
            raise ClusterError(f"tomcat10-instance-create {base} failed:\n{out.stdout}{out.stderr}")
        self.write_server_xml(k)
        with open(base / "bin" / "setenv.sh", "a") as f:
            # Debian's tomcat-locate-java.sh leaves `set -e` on, which would leak into catalina.sh.
            f.write(f'\nset +e\nCATALINA_OPTS="$CATALINA_OPTS {JAVA_OPTS}"\n')
        ctx = base / "conf" / "Catalina" / "localhost"
        ctx.mkdir(parents=True, exist_ok=True)
        if EXAMPLES_XML.exists():
            shutil.copy(EXAMPLES_XML, ctx / "examples.xml")
        shutil.copytree(DEMO, base / "webapps" / "demo")
        if os.geteuid() == 0:
            # The JVM runs as nobody: it writes logs/, work/ (compiled JSPs) and temp/.
            for dirpath, _, filenames in os.walk(base):
                os.chown(dirpath, NOBODY, NOBODY)
                for name in filenames:
                    os.chown(os.path.join(dirpath, name), NOBODY, NOBODY)

    def write_server_xml(self, k):
        p = self.ports(k)
        path = self.node_dir(k) / "conf" / "server.xml"
        path.write_text(SERVER_XML.format(
            route=f"node{k}", shutdown_port=p["shutdown"],
            shutdown_word="SHUTDOWN-" + secrets.token_hex(8), http_port=p["http"],
            ajp_port=p["ajp"], secret=self.state["secret"]))
        os.chmod(path, 0o600)  # the AJP secret
        if os.geteuid() == 0:
            os.chown(path, NOBODY, NOBODY)

    def write_httpd_conf(self):
        for sub in ("logs", "run"):
            (self.httpd_dir / sub).mkdir(parents=True, exist_ok=True)
        root = os.geteuid() == 0
        htpasswd = self.httpd_dir / "htpasswd"
        # -i: the password on stdin, not on a command line other users can read.
        out = subprocess.run(["htpasswd", "-ciB", str(htpasswd), "admin"],
                             input=self.state["password"] + "\n", capture_output=True, text=True)
        if out.returncode != 0:
            raise ClusterError(f"htpasswd failed: {out.stderr.strip()}")
        if root:
            # Readable by the children (User www-data), by nobody else.
            shutil.chown(htpasswd, group="www-data")
            os.chmod(htpasswd, 0o640)
            for d in (self.dir, self.httpd_dir):
                os.chmod(d, 0o755)
        members = "\n".join(
            f"    BalancerMember ajp://127.0.0.1:{self.ports(k)['ajp']} route=node{k} "
            f"secret={self.state['secret']}" for k in self.nodes())
        listen = self.state["bind"]
        listen = f"{listen}:{self.state['port']}" if listen not in ("0.0.0.0", "*") else str(
            self.state["port"])
        self.conf.write_text(HTTPD_CONF.format(
            server_root=self.httpd_dir, listen=listen, mods=MODULES, module=self.state["module"],
            user="User www-data\nGroup www-data\n" if root else "", members=members,
            htpasswd=htpasswd, port=self.state["port"]))
        os.chmod(self.conf, 0o600 if not root else 0o640)

    # -- processes
    def httpd_pid(self):
        pid, _ = read_pid(self.httpd_pid_file)
        # Ours only if its command line names our httpd.conf (apache2 -f CONF -k start).
        return pid if alive(pid) and str(self.conf) in cmdline(pid) else None

    def node_pid(self, k):
        pid, started = read_pid(self.node_pid_file(k))
        if not alive(pid):
            return None
        if started is not None:
            # The same process: start time survives the exec chain setpriv -> env -> java.
            return pid if start_time(pid) == started else None
        return pid if f"-Dcatalina.base={self.node_dir(k)}" in cmdline(pid) else None

    def start_node(self, k):
        if self.node_pid(k):
            return False
        self.check_ports(only_node=k)
        base = self.node_dir(k)
        env = ["env", "-i", "PATH=/usr/bin:/bin", f"HOME={base}", "LANG=C.UTF-8",
               f"CATALINA_BASE={base}", f"CATALINA_HOME={CATALINA_HOME}",
               f"CATALINA_TMPDIR={base / 'temp'}", str(CATALINA_HOME / "bin" / "catalina.sh"),
               "run"]
        if os.geteuid() == 0:
            env = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] + env
        log = self.node_log(k)
        with open(log, "ab") as out:
            out.write(f"\n==== scripts/cluster start-node {k} {time.strftime('%F %T')} ====\n"
                      .encode())
            out.flush()
            self.log_offsets[k] = out.tell()
            # setpriv -> env -> catalina.sh -> exec java: this pid is the JVM's.
            proc = subprocess.Popen(env, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.node_pid_file(k).write_text(f"{proc.pid} {start_time(proc.pid)}\n")
        return True

    def log_since_start(self, k):
        try:
            with open(self.node_log(k), "rb") as f:
                f.seek(self.log_offsets.get(k, 0))
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def node_log_tail(self, k, lines=25):
        """The end of node K's log, from the start this process made when it made one."""
        text = self.log_since_start(k).splitlines()[-lines:] if k in self.log_offsets else []
        return "\n".join(text) if text else tail(self.node_log(k), lines)

    def wait_node(self, k, timeout=120):
        port = self.ports(k)["ajp"]
        log = self.node_log(k)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.node_pid(k):
                raise ClusterError(f"node{k} exited while starting; the end of {log}:\n"
                                   f"{self.node_log_tail(k)}")
            if cping(port):
                return
            if "java.net.BindException" in self.log_since_start(k):
                # A connector could not bind (port in use, or below 1024 for a normal user):
                # Tomcat keeps running without it, never ready.
                self.stop_node(k)
                raise ClusterError(f"node{k}: a port cannot be bound (choose others with "
                                   f"--tomcat-base B); the end of {log}:\n"
                                   f"{self.node_log_tail(k)}")
            time.sleep(0.2)
        raise ClusterError(f"node{k}: no answer on AJP port {port} after {timeout} s; the end "
                           f"of {log}:\n{self.node_log_tail(k)}")

    def stop_node(self, k, sig=signal.SIGTERM, timeout=30):
        pid = self.node_pid(k)
        self.node_pid_file(k).unlink(missing_ok=True)
        if pid is None:
            return False
        os.kill(pid, sig)
        if not wait_gone([pid], timeout):
            os.kill(pid, signal.SIGKILL)
            wait_gone([pid], 10)
        return True

    def apache2(self, *args):
        return subprocess.run([APACHE2, "-f", str(self.conf), *args],
                              env=httpd_env(self.state.get("asan", False)),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True)

    def check_httpd_conf(self):
        """apache2 -t: the configuration and the module load, before anything is started."""
        out = self.apache2("-t")
        if out.returncode != 0:
            raise ClusterError(f"httpd refuses {self.conf} (apache2 -t):\n"
                               f"{out.stdout}{out.stderr}{asan_hint(out)}")

    def start_httpd(self):
        if self.httpd_pid():
            return False
        self.check_ports_httpd()
        out = self.apache2("-k", "start")
        deadline = time.monotonic() + 15
        while out.returncode == 0 and not self.httpd_pid() and time.monotonic() < deadline:
            time.sleep(0.1)
        if out.returncode != 0 or not self.httpd_pid():
            raise ClusterError(f"httpd did not start:\n{out.stdout}{out.stderr}{asan_hint(out)}"
                               f"\nthe end of {self.error_log}:\n{tail(self.error_log, 10)}")
        return True

    def stop_httpd(self, timeout=30):
        pid = self.httpd_pid()
        if pid is None:
            return []
        pids = [pid] + children_of(pid)
        os.kill(pid, signal.SIGTERM)
        if not wait_gone(pids, timeout):
            for p in pids:
                if alive(p):
                    os.kill(p, signal.SIGKILL)
            wait_gone(pids, 10)
        return pids

    # -- the manager
    def manager_json(self, timeout=3):
        req = urllib.request.Request(self.url("/balancer-manager?format=json"))
        token = base64.b64encode(f"admin:{self.state['password']}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read())

    def members(self):
        try:
            return self.manager_json()["balancers"][0]["members"]
        except (OSError, ValueError, KeyError, IndexError, urllib.error.URLError):
            return None

    def wait_healthy(self, routes=None, timeout=60):
        """Waits until the health checks pass on the members (default: every nodeK). A member
        disabled in the manager counts once healthy: that state outlives restarts."""
        routes = routes or [f"node{k}" for k in self.nodes()]
        deadline = time.monotonic() + timeout
        members = None
        while time.monotonic() < deadline:
            if not self.httpd_pid():
                raise ClusterError(f"httpd exited; the end of {self.error_log}:\n"
                                   f"{tail(self.error_log)}")
            members = self.members()
            if members is not None:
                want = [m for m in members if m["route"] in routes]
                if len(want) == len(routes) and all(m["healthy"] for m in want):
                    return members
            time.sleep(0.2)
        sick = [f"{m['route']} ({m['check_reason'] or 'not checked yet'})"
                for m in members or [] if m["route"] in routes and not m["healthy"]]
        raise ClusterError(
            f"not healthy after {timeout} s: {', '.join(sick) or 'the manager did not answer'}"
            f"\nthe end of {self.error_log}:\n{tail(self.error_log)}")


def asan_hint(out):
    said = out.stdout + out.stderr
    return ("\n(the module is an ASan build: run with MCA_ASAN=1, or pass the release build "
            "with --module)" if "ASan runtime does not come first" in said else "")


def httpd_env(asan):
    """apache2's environment. For an ASan build of the module (MCA_ASAN=1) the ASan runtime is
    preloaded (it must come first in the process) and leak reports at exit are off (httpd exits
    without freeing its pools)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "MCA_CLUSTER_STARTED")}
    if asan:
        out = subprocess.run(["g++", "-print-file-name=libasan.so"], capture_output=True,
                             text=True).stdout.strip()
        runtime = Path(out).resolve() if out else None
        if runtime is None or not runtime.is_file():
            raise ClusterError("MCA_ASAN=1 but the ASan runtime is not found "
                               f"(g++ -print-file-name=libasan.so: {out!r})")
        env["LD_PRELOAD"] = str(runtime)
        env["ASAN_OPTIONS"] = "detect_leaks=0:" + env.get("ASAN_OPTIONS", "")
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:" + env.get("UBSAN_OPTIONS", "")
    return env


# ---- templates -----------------------------------------------------------------------------------

SERVER_XML = """<?xml version="1.0" encoding="UTF-8"?>
<!-- node {route}, written by scripts/cluster. -->
<Server port="{shutdown_port}" address="127.0.0.1" shutdown="{shutdown_word}">
  <Listener className="org.apache.catalina.startup.VersionLoggerListener" />
  <Listener className="org.apache.catalina.core.JreMemoryLeakPreventionListener" />
  <Listener className="org.apache.catalina.core.ThreadLocalLeakPreventionListener" />
  <Service name="Catalina">
    <!-- HTTP on loopback, for looking at one node directly. -->
    <Connector port="{http_port}" address="127.0.0.1" protocol="HTTP/1.1"
               connectionTimeout="20000" />
    <!-- AJP on loopback only, with the secret httpd sends (secret= on BalancerMember). -->
    <Connector protocol="AJP/1.3" address="127.0.0.1" port="{ajp_port}"
               secretRequired="true" secret="{secret}" />
    <!-- jvmRoute = the member's route=: session ids end in ".{route}". -->
    <Engine name="Catalina" defaultHost="localhost" jvmRoute="{route}">
      <Host name="localhost" appBase="webapps" unpackWARs="false" autoDeploy="false">
        <Valve className="org.apache.catalina.valves.AccessLogValve" directory="logs"
               prefix="localhost_access_log" suffix=".txt"
               pattern="%h %l %u %t &quot;%r&quot; %s %b %D" />
      </Host>
    </Engine>
  </Service>
</Server>
"""

HTTPD_CONF = """# Written by scripts/cluster.
ServerRoot "{server_root}"
Listen {listen}
ServerName localhost:{port}
PidFile run/httpd.pid
DefaultRuntimeDir run
ErrorLog logs/error.log
LogLevel warn
LogFormat "%h %t \\"%r\\" %>s %b %{{BALANCER_WORKER_ROUTE}}e %D" cluster
CustomLog logs/access.log cluster
{user}
LoadModule mpm_event_module {mods}/mod_mpm_event.so
LoadModule authz_core_module {mods}/mod_authz_core.so
LoadModule authz_user_module {mods}/mod_authz_user.so
LoadModule authn_core_module {mods}/mod_authn_core.so
LoadModule authn_file_module {mods}/mod_authn_file.so
LoadModule auth_basic_module {mods}/mod_auth_basic.so
LoadModule cluster_ajp_module {module}

<Proxy balancer://cluster stickysession=JSESSIONID>
{members}
</Proxy>
ProxyPass /demo balancer://cluster/demo
ProxyPass /examples balancer://cluster/examples

<Location /balancer-manager>
    SetHandler balancer-manager
    AuthType Basic
    AuthName "balancer manager"
    AuthUserFile "{htpasswd}"
    Require valid-user
</Location>
"""


# ---- commands ------------------------------------------------------------------------------------

def check_requirements():
    missing = [f"{path} ({package})" for path, package in (
        (APACHE2, "apache2"), (INSTANCE_CREATE, "tomcat10-user"),
        (str(CATALINA_HOME / "bin" / "catalina.sh"), "libtomcat10-java"),
        (str(EXAMPLES_XML), "tomcat10-examples"))
        if not Path(path).exists()]
    tools = [("htpasswd", "apache2-utils")]
    if os.geteuid() == 0:
        tools.append(("setpriv", "util-linux"))  # the JVMs run as nobody
    missing += [f"{tool} ({package})" for tool, package in tools if shutil.which(tool) is None]
    if missing:
        raise ClusterError(f"missing: {', '.join(missing)}. `scripts/cluster up` installs them "
                           f"unless MCA_CLUSTER_NO_INSTALL=1")
    if shutil.which("java") is None:
        raise ClusterError("no Java: install default-jre-headless (`apt-get install "
                           "default-jre-headless`) and run `scripts/cluster up` again")


def module_arg(args, state):
    """(module, asan): --module or $MCA_MODULE (ASan build when MCA_ASAN=1), else the one the
    cluster was made with; module None: build build/mod_cluster_ajp.so."""
    given = args.module or os.environ.get("MCA_MODULE")
    if given:
        module = Path(given).resolve()
        if not module.is_file():
            raise ClusterError(f"module {module}: no such file")
        return str(module), os.environ.get("MCA_ASAN") == "1"
    if state and state.get("module") and state["module"] != str(DEFAULT_MODULE):
        return state["module"], state.get("asan", False)
    return None, False


def build_module():
    print("cluster: building the module (make -f Makefile.apxs)", flush=True)
    out = subprocess.run(["make", "-f", "Makefile.apxs", f"-j{os.cpu_count() or 2}"],
                         cwd=REPO, capture_output=True, text=True)
    if out.returncode != 0:
        raise ClusterError("the build failed:\n" + "\n".join(
            (out.stdout + out.stderr).splitlines()[-30:]))
    return str(DEFAULT_MODULE)


def command_start_time():
    """When `scripts/cluster up` began (the wrapper passes it; it may have installed packages
    before this program started), as time.time()."""
    try:
        t0 = float(os.environ.get("MCA_CLUSTER_STARTED", ""))
    except ValueError:
        return time.time()
    return t0 if 0 <= time.time() - t0 < 6 * 3600 else time.time()


def cmd_up(c, args):
    began = command_start_time()
    phases = []  # (what, seconds)
    if time.time() - began > 0.5:
        phases.append(("packages", time.time() - began))
    check_requirements()
    t = time.monotonic()
    module, asan = module_arg(args, c.state)
    module = module or build_module()
    if time.monotonic() - t > 0.5:
        phases.append(("build", time.monotonic() - t))
    created = c.create(args, module, asan)
    print(f"cluster: {'created' if created else 'reusing'} {c.dir}", flush=True)
    # Every port this `up` will bind, before anything starts: no half-started cluster.
    for k in c.nodes():
        if not c.node_pid(k):
            c.check_ports(only_node=k)
    if not c.httpd_pid():
        c.check_ports_httpd()
        c.check_httpd_conf()
    t = time.monotonic()
    try:
        starting = [k for k in c.nodes() if c.start_node(k)]
        for k in starting:
            c.wait_node(k)
        if starting:
            print(f"cluster: started node{', node'.join(map(str, starting))}", flush=True)
            phases.append(("Tomcat nodes", time.monotonic() - t))
        t = time.monotonic()
        httpd_started = c.start_httpd()
        if httpd_started:
            print(f"cluster: started httpd on port {c.state['port']}", flush=True)
        members = c.wait_healthy()
    except ClusterError as e:
        raise ClusterError(f"{e}\n(`scripts/cluster down` stops what did start)") from None
    phases.append(("httpd and health checks", time.monotonic() - t))
    print_summary(c, members, time.time() - began,
                  phases if starting or httpd_started else [])


def print_summary(c, members, serving, phases):
    s = c.state
    print()
    print(f"  Demo app         {c.url('/demo/')}")
    print(f"  Tomcat examples  {c.url('/examples/')}")
    print(f"  Balancer manager {c.url('/balancer-manager')}   user admin, password "
          f"{s['password']}")
    print()
    for m in members:
        k = route_number(m["route"])
        health = "healthy" if m["healthy"] else f"unhealthy ({m['check_reason']})"
        if m["state"] != "active":
            health += f", {m['state']}"
        pid = c.node_pid(k) if k else None
        print(f"  {m['route']:6} {m['url']:26} {health:17} pid {pid or '-'}")
    print()
    if phases:
        print(f"  Serving {serving:.1f} s after `up` began ("
              + ", ".join(f"{what} {sec:.1f} s" for what, sec in phases) + ").")
    else:
        print(f"  Serving {serving:.1f} s after `up` began (everything was already running).")
    httpd = c.httpd_pid()
    httpd_pids = [httpd] + [p for p in children_of(httpd) if alive(p)] if httpd else []
    httpd_mib = sum(rss_kib(p) for p in httpd_pids) / 1024
    jvm_mib = {k: rss_kib(c.node_pid(k)) / 1024 for k in c.nodes() if c.node_pid(k)}
    print(f"  Memory (RSS): httpd {httpd_mib:.0f} MiB in {len(httpd_pids)} processes; "
          + ", ".join(f"node{k} {mib:.0f} MiB" for k, mib in jvm_mib.items())
          + f"; total {httpd_mib + sum(jvm_mib.values()):.0f} MiB.")
    print()
    print("  Next: scripts/cluster status | kill-node 1 | start-node 1 | logs [K] | down")
    if c.dir != (REPO / ".cluster").resolve():
        print(f"        (with --dir {c.dir})")


def cmd_status(c, args):
    httpd = c.httpd_pid()
    print(f"httpd   pid {httpd or '-':>7}  {c.url()}  ({'running' if httpd else 'stopped'})")
    members = c.members() if httpd else None
    if httpd and members is None:
        print("        the manager does not answer; see `scripts/cluster logs`")
    by_route = {m["route"]: m for m in members or []}
    for k in c.nodes():
        p = c.ports(k)
        pid = c.node_pid(k)
        print(f"node{k}   pid {pid or '-':>7}  ajp {p['ajp']}  http {p['http']}  "
              f"shutdown {p['shutdown']}  {'running' if pid else 'stopped'}; "
              f"{member_health(by_route.pop(f'node{k}', None))}")
    for route, m in by_route.items():  # members added in the manager
        print(f"{route}   {m['url']}  (added in the manager); {member_health(m)}")


def member_health(m):
    if m is None:
        return "-"
    if m["healthy"]:
        return f"healthy, {m['state']}, {m['elected']} requests"
    return f"unhealthy ({m['check_reason'] or 'in error'}), {m['state']}"


def cmd_down(c, args):
    pids = c.stop_httpd()
    for k in c.nodes():
        pid = c.node_pid(k)
        if pid:
            pids.append(pid)
        c.stop_node(k)
    left = [p for p in pids if alive(p)]
    if left:
        raise ClusterError(f"still running: {left}")
    print(f"cluster: stopped {len(pids)} processes; nothing is left running. The cluster stays "
          f"in {c.dir} (`scripts/cluster up` starts it again; remove the directory to start "
          f"afresh).")


def node_arg(c, args):
    k = args.node
    if k is None or not 1 <= k <= c.state["nodes"]:
        raise ClusterError(f"name a node from 1 to {c.state['nodes']}")
    return k


def cmd_stop_node(c, args):
    k = node_arg(c, args)
    print(f"cluster: node{k} {'stopped' if c.stop_node(k) else 'was not running'}")


def cmd_kill_node(c, args):
    k = node_arg(c, args)
    print(f"cluster: node{k} "
          f"{'killed (SIGKILL)' if c.stop_node(k, signal.SIGKILL) else 'was not running'}")


def cmd_start_node(c, args):
    k = node_arg(c, args)
    started = time.monotonic()
    if c.start_node(k):
        c.wait_node(k)
    if c.httpd_pid():
        c.wait_healthy(routes=[f"node{k}"], timeout=30)
        print(f"cluster: node{k} running and healthy ({time.monotonic() - started:.1f} s)")
    else:
        print(f"cluster: node{k} running ({time.monotonic() - started:.1f} s); httpd is not: "
              f"`scripts/cluster up` starts it")


def cmd_logs(c, args):
    if args.node is None:
        print(f"==> {c.error_log} <==\n{tail(c.error_log, 40)}")
    else:
        k = node_arg(c, args)
        print(f"==> {c.node_log(k)} <==\n{tail(c.node_log(k), 40)}")


def main(argv):
    if not argv or any(a in ("-h", "--help", "help") for a in argv):
        print(USAGE, end="")
        return 0
    p = argparse.ArgumentParser(prog="scripts/cluster", add_help=False,
                                usage="scripts/cluster COMMAND [K] [options]  (see --help)")
    p.add_argument("command", choices=["up", "down", "status", "stop-node", "start-node",
                                       "kill-node", "logs"])
    p.add_argument("node", nargs="?", type=int)
    p.add_argument("--nodes", type=int)
    p.add_argument("--port", type=int)
    p.add_argument("--bind")
    p.add_argument("--tomcat-base", type=int)
    p.add_argument("--module")
    p.add_argument("--dir", default=os.environ.get("MCA_CLUSTER_DIR", str(REPO / ".cluster")))
    try:
        args = p.parse_args(argv)
    except SystemExit:  # argparse said what is wrong
        return 2
    if args.nodes is not None and not 1 <= args.nodes <= 9:
        print("cluster: --nodes must be from 1 to 9", file=sys.stderr)
        return 2
    if args.port is not None and not 0 < args.port < 65536:
        print("cluster: --port must be from 1 to 65535", file=sys.stderr)
        return 2
    c = Cluster(args.dir)
    try:
        if args.command != "up" and c.state is None:
            raise ClusterError(f"no cluster in {c.dir}: run `scripts/cluster up` first")
        {"up": cmd_up, "down": cmd_down, "status": cmd_status, "stop-node": cmd_stop_node,
         "start-node": cmd_start_node, "kill-node": cmd_kill_node,
         "logs": cmd_logs}[args.command](c, args)
    except ClusterError as e:
        print(f"cluster: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `scripts/cluster status | head` ends quietly
    sys.exit(main(sys.argv[1:]))
