"""scripts/cluster: a local Tomcat cluster behind httpd with mod_cluster_ajp (see --help).

Everything lives in one state directory (default .cluster/ in the repository):
  state.json          nodes, ports, the AJP secret, the manager password, the module
  httpd/              httpd.conf, htpasswd, logs/, run/ (pid file, the manager's state file)
  nodeK/              node K's CATALINA_BASE (conf/server.xml, webapps/demo, logs/)
  nodeK.pid           node K's JVM
Processes are tracked by pid only; nothing is ever killed by name.
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
NOBODY = 65534
JAVA_OPTS = ("-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k "
             "-XX:-UsePerfData -Djava.security.egd=file:/dev/./urandom")

USAGE = """\
scripts/cluster COMMAND [options]

Commands:
  up [--nodes N] [--port P]   install what is missing, build the module, create N Tomcat nodes
                              (default 2) and httpd, start them, wait until every member is
                              healthy, print the URLs and the manager's password. A second `up`
                              reuses what exists and starts what is stopped.
  status                      members (health, state, requests), pids and ports
  stop-node K                 stop node K (SIGTERM; its sessions fail over)
  start-node K                start node K again and wait until it is healthy
  kill-node K                 kill node K with SIGKILL, to watch failover
  logs [K]                    the end of httpd's error log, or of node K's log
  down                        stop httpd and every node; nothing is left running

Options of `up`:
  --nodes N          Tomcat nodes (1..9, default 2)
  --port P           httpd's port (default 80 as root when free, else 8000)
  --bind ADDR        httpd's address (default 127.0.0.1; 0.0.0.0 for other machines)
  --tomcat-base B    node K listens on B+9+10(K-1) (AJP), B+80+10(K-1) (HTTP, 127.0.0.1 only,
                     for debugging) and B+5+10(K-1) (shutdown): default 8000, so node1 has the
                     classic 8009/8080/8005 and node2 8019/8090/8015
  --module PATH      a mod_cluster_ajp.so to use instead of building build/mod_cluster_ajp.so
All commands:
  --dir D            the state directory (default: .cluster in the repository, or
                     $MCA_CLUSTER_DIR)
"""


class ClusterError(Exception):
    pass


# ---- small helpers -------------------------------------------------------------------------------

def alive(pid):
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is not alive.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def read_pid(path):
    try:
        return int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


def children_of(pid):
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
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
        return f"http://{host}:{self.state['port']}{path}"

    # -- creation
    def create(self, args, module):
        if self.state is not None:
            if args.nodes is not None and args.nodes != self.state["nodes"]:
                raise ClusterError(
                    f"the cluster in {self.dir} has {self.state['nodes']} nodes; run "
                    f"`scripts/cluster down` and remove {self.dir} to make one with {args.nodes}")
            if module != self.state["module"]:
                self.state["module"] = module
                self.save()
                self.write_httpd_conf()
            return False
        root = os.geteuid() == 0
        port = args.port
        if port is None:
            port = 80 if root and port_free(80, "0.0.0.0") else 8000
        self.state = {
            "nodes": args.nodes or 2,
            "port": port,
            "bind": args.bind,
            "tomcat_base": args.tomcat_base,
            "secret": secrets.token_urlsafe(18),
            "password": secrets.token_urlsafe(12),
            "module": module,
        }
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

    def save(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(self.state, indent=2) + "\n")
        os.chmod(self.state_file, 0o600)  # holds the secret and the password

    def check_ports(self, only_node=None):
        wanted = []
        if only_node is None:
            bind = "0.0.0.0" if self.state["bind"] in ("0.0.0.0", "*") else self.state["bind"]
            wanted.append((self.state["port"], bind, "httpd", "--port P"))
        for k in self.nodes():
            if only_node is not None and k != only_node:
                continue
            for what, port in self.ports(k).items():
                wanted.append((port, "127.0.0.1", f"{what} port of node{k}", "--tomcat-base B"))
        for port, host, what, option in wanted:
            if not port_free(port, host):
                raise ClusterError(
                    f"port {port} ({what}) is already in use on {host}: stop what uses it "
                    f"(`ss -ltnp 'sport = :{port}'` shows it) or choose other ports with {option}"
                    + ("" if option == "--port P" else
                       " (node K uses B+9+10(K-1) for AJP, B+80+10(K-1) for HTTP, "
                       "B+5+10(K-1) for shutdown)"))

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
        word = "SHUTDOWN-" + secrets.token_hex(8)
        (base / "conf" / "server.xml").write_text(SERVER_XML.format(
            route=f"node{k}", shutdown_port=p["shutdown"], shutdown_word=word,
            http_port=p["http"], ajp_port=p["ajp"], secret=self.state["secret"]))
        os.chmod(base / "conf" / "server.xml", 0o600)
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

    def write_httpd_conf(self):
        for sub in ("logs", "run"):
            (self.httpd_dir / sub).mkdir(parents=True, exist_ok=True)
        root = os.geteuid() == 0
        htpasswd = self.httpd_dir / "htpasswd"
        out = subprocess.run(["htpasswd", "-cbB", str(htpasswd), "admin", self.state["password"]],
                             capture_output=True, text=True)
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
        pid = read_pid(self.httpd_pid_file)
        return pid if alive(pid) else None

    def node_pid(self, k):
        pid = read_pid(self.node_pid_file(k))
        return pid if alive(pid) else None

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
            # setpriv -> env -> catalina.sh -> exec java: this pid is the JVM's.
            proc = subprocess.Popen(env, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.node_pid_file(k).write_text(f"{proc.pid}\n")
        return True

    def wait_node(self, k, timeout=120):
        port = self.ports(k)["ajp"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.node_pid(k):
                raise ClusterError(f"node{k} exited while starting; the end of "
                                   f"{self.node_log(k)}:\n{tail(self.node_log(k))}")
            if cping(port):
                return
            if "Address already in use" in tail(self.node_log(k), 200):
                raise ClusterError(f"node{k}: a port is taken; the end of "
                                   f"{self.node_log(k)}:\n{tail(self.node_log(k))}")
            time.sleep(0.2)
        raise ClusterError(f"node{k}: no answer on AJP port {port} after {timeout} s; the end "
                           f"of {self.node_log(k)}:\n{tail(self.node_log(k))}")

    def stop_node(self, k, sig=signal.SIGTERM, timeout=30):
        pid = self.node_pid(k)
        if pid is None:
            return False
        os.kill(pid, sig)
        if not wait_gone([pid], timeout):
            os.kill(pid, signal.SIGKILL)
            wait_gone([pid], 10)
        return True

    def start_httpd(self):
        if self.httpd_pid():
            return False
        self.check_ports_httpd()
        out = subprocess.run([APACHE2, "-f", str(self.conf), "-k", "start"],
                             stdin=subprocess.DEVNULL, capture_output=True, text=True)
        deadline = time.monotonic() + 15
        while out.returncode == 0 and not self.httpd_pid() and time.monotonic() < deadline:
            time.sleep(0.1)
        if out.returncode != 0 or not self.httpd_pid():
            raise ClusterError(f"httpd did not start:\n{out.stdout}{out.stderr}\nthe end of "
                               f"{self.error_log}:\n{tail(self.error_log)}")
        return True

    def check_ports_httpd(self):
        bind = "0.0.0.0" if self.state["bind"] in ("0.0.0.0", "*") else self.state["bind"]
        if not port_free(self.state["port"], bind):
            raise ClusterError(
                f"port {self.state['port']} (httpd) is already in use on {bind}: stop what uses "
                f"it or run `scripts/cluster down` and `up --port P` with another port")

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
        deadline = time.monotonic() + timeout
        members = None
        while time.monotonic() < deadline:
            members = self.members()
            if members is not None:
                want = [m for m in members if routes is None or m["route"] in routes]
                if want and all(m["healthy"] and m["state"] == "active" for m in want):
                    return members
            time.sleep(0.2)
        raise ClusterError("members not healthy after %d s: %s\nthe end of %s:\n%s" % (
            timeout, json.dumps(members), self.error_log, tail(self.error_log)))


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

def build_module(args):
    if args.module:
        module = Path(args.module).resolve()
        if not module.exists():
            raise ClusterError(f"--module {module}: no such file")
        return str(module)
    if shutil.which("java") is None:
        raise ClusterError("no Java: install default-jre-headless (`apt-get install "
                           "default-jre-headless`) and run `scripts/cluster up` again")
    print("cluster: building the module (make -f Makefile.apxs)", flush=True)
    out = subprocess.run(["make", "-f", "Makefile.apxs", f"-j{os.cpu_count() or 2}"],
                         cwd=REPO, capture_output=True, text=True)
    if out.returncode != 0:
        raise ClusterError("the build failed:\n" + "\n".join(
            (out.stdout + out.stderr).splitlines()[-30:]))
    return str(REPO / "build" / "mod_cluster_ajp.so")


def cmd_up(c, args):
    started = time.monotonic()
    for path, what in ((APACHE2, "apache2"), (INSTANCE_CREATE, "tomcat10-user"),
                       (str(CATALINA_HOME / "bin" / "catalina.sh"), "libtomcat10-java")):
        if not Path(path).exists():
            raise ClusterError(f"{path} is missing: install {what} (scripts/cluster up installs "
                               f"it unless MCA_CLUSTER_NO_INSTALL=1)")
    if shutil.which("java") is None:
        raise ClusterError("no Java: install default-jre-headless (`apt-get install "
                           "default-jre-headless`) and run `scripts/cluster up` again")
    module = build_module(args)
    created = c.create(args, module)
    print(f"cluster: {'created' if created else 'reusing'} {c.dir}", flush=True)
    starting = [k for k in c.nodes() if c.start_node(k)]
    for k in starting:
        c.wait_node(k)
    if starting:
        print(f"cluster: started node{', node'.join(map(str, starting))}", flush=True)
    if c.start_httpd():
        print(f"cluster: started httpd on port {c.state['port']}", flush=True)
    members = c.wait_healthy()
    serving = time.monotonic() - started
    print_summary(c, members, serving)


def print_summary(c, members, serving=None):
    s = c.state
    print()
    print(f"  Demo app         {c.url('/demo/')}")
    print(f"  Tomcat examples  {c.url('/examples/')}")
    print(f"  Balancer manager {c.url('/balancer-manager')}   user admin, password "
          f"{s['password']}")
    print()
    for m in members or []:
        k = int(m["route"].replace("node", "") or 0)
        health = "healthy" if m["healthy"] else f"unhealthy ({m['check_reason']})"
        print(f"  {m['route']:6} {m['url']:26} {health:10} pid {c.node_pid(k) or '-'}")
    print()
    if serving is not None:
        httpd = c.httpd_pid()
        httpd_pids = [httpd] + children_of(httpd) if httpd else []
        httpd_mib = sum(rss_kib(p) for p in httpd_pids) / 1024
        jvm_mib = [rss_kib(c.node_pid(k)) / 1024 for k in c.nodes() if c.node_pid(k)]
        print(f"  Serving after {serving:.1f} s. Memory: httpd {httpd_mib:.0f} MiB "
              f"({len(httpd_pids)} processes), Tomcat "
              + ", ".join(f"{m:.0f}" for m in jvm_mib) + " MiB "
              f"(total {httpd_mib + sum(jvm_mib):.0f} MiB).")
        print()
    print("  Next: scripts/cluster status | kill-node 1 | start-node 1 | logs [K] | down")


def cmd_status(c, args):
    httpd = c.httpd_pid()
    print(f"httpd   pid {httpd or '-':>7}  {c.url()}  ({'running' if httpd else 'stopped'})")
    members = c.members() if httpd else None
    by_route = {m["route"]: m for m in members or []}
    for k in c.nodes():
        p = c.ports(k)
        pid = c.node_pid(k)
        m = by_route.get(f"node{k}")
        if m is None:
            health = "-"
        elif m["healthy"]:
            health = f"healthy, {m['state']}, {m['elected']} requests"
        else:
            health = f"unhealthy ({m['check_reason'] or 'in error'}), {m['state']}"
        print(f"node{k}   pid {pid or '-':>7}  ajp {p['ajp']}  http {p['http']}  "
              f"{'running' if pid else 'stopped'}; {health}")


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


def cmd_logs(c, args):
    if args.node is None:
        print(f"==> {c.error_log} <==\n{tail(c.error_log, 40)}")
    else:
        k = node_arg(c, args)
        print(f"==> {c.node_log(k)} <==\n{tail(c.node_log(k), 40)}")


def main(argv):
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0
    p = argparse.ArgumentParser(prog="scripts/cluster", add_help=False)
    p.add_argument("command", choices=["up", "down", "status", "stop-node", "start-node",
                                       "kill-node", "logs"])
    p.add_argument("node", nargs="?", type=int)
    p.add_argument("--nodes", type=int)
    p.add_argument("--port", type=int)
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--tomcat-base", type=int, default=8000)
    p.add_argument("--module")
    p.add_argument("--dir", default=os.environ.get("MCA_CLUSTER_DIR", str(REPO / ".cluster")))
    try:
        args = p.parse_args(argv)
    except SystemExit:
        print(USAGE, end="", file=sys.stderr)
        return 2
    if args.nodes is not None and not 1 <= args.nodes <= 9:
        print("cluster: --nodes must be from 1 to 9", file=sys.stderr)
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
    sys.exit(main(sys.argv[1:]))
