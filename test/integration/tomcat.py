"""Local Tomcat 10.1 nodes for integration tests, from Debian's packages (no systemd, no root JVM).

    cluster = TomcatCluster(2)        # node1, node2 in a fresh temporary directory
    cluster.create()                  # tomcat10-instance-create + our server.xml, webapps
    cluster.start()                   # both JVMs in parallel; returns when each answers CPONG
    n = cluster.nodes[0]
    n.route, n.ajp_port, n.http_port, n.secret, n.base, n.pid
    n.stop(); n.start(); n.kill()     # take a node down / bring it back
    cluster.cleanup()                 # stops what is still running, removes the directory

    TomcatCluster(2, server_xml=f)    # f(node, text) -> the server.xml to write instead of
                                      # text (ours, below); e.g. a conf-sample spliced in

Recipe: /work/shared/reference/ajp13.md section 6 (foreground `catalina.sh run` under setpriv as
nobody, `set +e` in setenv.sh, small heap). Every node has
  * an AJP connector on 127.0.0.1 with secretRequired="true" and its own generated secret,
  * an HTTP connector on 127.0.0.1 (warm-up and debugging only),
  * <Engine jvmRoute="nodeK">, so session ids end in ".nodeK",
  * the Debian examples web app at /examples and our JSP-only test app at /app (APP_FILES).
Stopping is SIGTERM to the JVM's pid (catalina.sh execs java, so the pid we spawn is the JVM),
then SIGKILL to that pid only if it did not exit.

Packages: tomcat10-user tomcat10-examples libtomcat10-java default-jre-headless (see
scripts/install-deps). missing_requirements() says what is absent.

Environment: MCA_KEEP_TMP=1 keeps the cluster directory (its path is printed).
"""

import atexit
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import fake_ajp

CATALINA_HOME = Path("/usr/share/tomcat10")
CATALINA_SH = CATALINA_HOME / "bin" / "catalina.sh"
INSTANCE_CREATE = Path("/usr/bin/tomcat10-instance-create")
EXAMPLES_XML = Path("/etc/tomcat10/Catalina/localhost/examples.xml")
EXAMPLES_DIR = Path("/usr/share/tomcat10-examples/examples")
NOBODY = 65534
PACKAGES = "tomcat10-user tomcat10-examples libtomcat10-java default-jre-headless"

JAVA_OPTS = ("-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k "
             "-XX:-UsePerfData -Djava.security.egd=file:/dev/./urandom")


def missing_requirements():
    """What this machine lacks to run Tomcat nodes (empty list: all there)."""
    missing = []
    for path, what in ((INSTANCE_CREATE, "tomcat10-instance-create (tomcat10-user)"),
                       (CATALINA_SH, "catalina.sh (tomcat10-common/libtomcat10-java)"),
                       (EXAMPLES_XML, "examples.xml (tomcat10-examples)"),
                       (EXAMPLES_DIR, "the examples web app (tomcat10-examples)")):
        if not path.exists():
            missing.append(str(what))
    if shutil.which("java") is None:
        missing.append("java (default-jre-headless)")
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        missing.append("setpriv (util-linux)")
    return missing


def free_ports(n):
    """n distinct TCP ports on 127.0.0.1 that were free a moment ago."""
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def pattern(n):
    """The bytes /app/download.jsp?size=n writes."""
    return fake_ajp.pattern(n)


def parse_echo(text):
    """/app/echo.jsp output -> dict; headers under "headers" (lower-case name -> list of values),
    parameters under "params"."""
    out = {"headers": {}, "params": {}}
    for line in text.splitlines():
        key, sep, value = line.partition(": ")
        if not sep:
            continue
        if key.startswith("header."):
            out["headers"].setdefault(key[7:].lower(), []).append(value)
        elif key.startswith("param."):
            out["params"].setdefault(key[6:], []).append(value)
        else:
            out[key] = value
    return out


# ---- the test web app (/app): JSPs only, compiled by Tomcat's own Jasper -----------------------

ROUTE_JSPF = r"""<%!
    // The Engine's jvmRoute as Tomcat itself knows it (JMX), so it cannot disagree with server.xml.
    static String route() {
        try {
            return String.valueOf(java.lang.management.ManagementFactory.getPlatformMBeanServer()
                .getAttribute(new javax.management.ObjectName("Catalina:type=Engine"), "jvmRoute"));
        } catch (Exception e) {
            return "unknown (" + e + ")";
        }
    }
    // A request parameter, or a default.
    static String param(jakarta.servlet.http.HttpServletRequest r, String name, String dflt) {
        String v = r.getParameter(name);
        return v == null ? dflt : v;
    }
    // One value per line: CR, LF and backslash escaped.
    static String esc(Object o) {
        if (o == null) return "null";
        return o.toString().replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n");
    }
%>"""

INCLUDE = '<%@ include file="/WEB-INF/route.jspf" %>'

ECHO_JSP = r"""<%@ page contentType="text/plain; charset=UTF-8" session="false"
    trimDirectiveWhitespaces="true" import="java.util.*" %>""" + INCLUDE + r"""<%
    // ?nosession=1: do not create a session (an existing one is still reported).
    jakarta.servlet.http.HttpSession s =
        request.getSession(request.getParameter("nosession") == null);
    Integer counter = null;
    if (s != null) {
        counter = (Integer) s.getAttribute("counter");
        counter = counter == null ? 1 : counter + 1;
        s.setAttribute("counter", counter);
    }
    StringBuilder b = new StringBuilder();
    b.append("node: ").append(route()).append('\n');
    b.append("method: ").append(esc(request.getMethod())).append('\n');
    b.append("requestURI: ").append(esc(request.getRequestURI())).append('\n');
    b.append("queryString: ").append(esc(request.getQueryString())).append('\n');
    b.append("protocol: ").append(esc(request.getProtocol())).append('\n');
    b.append("contextPath: ").append(esc(request.getContextPath())).append('\n');
    b.append("servletPath: ").append(esc(request.getServletPath())).append('\n');
    b.append("remoteAddr: ").append(esc(request.getRemoteAddr())).append('\n');
    b.append("remotePort: ").append(request.getRemotePort()).append('\n');
    b.append("remoteHost: ").append(esc(request.getRemoteHost())).append('\n');
    b.append("localAddr: ").append(esc(request.getLocalAddr())).append('\n');
    b.append("localPort: ").append(request.getLocalPort()).append('\n');
    b.append("serverName: ").append(esc(request.getServerName())).append('\n');
    b.append("serverPort: ").append(request.getServerPort()).append('\n');
    b.append("isSecure: ").append(request.isSecure()).append('\n');
    b.append("scheme: ").append(esc(request.getScheme())).append('\n');
    b.append("remoteUser: ").append(esc(request.getRemoteUser())).append('\n');
    b.append("authType: ").append(esc(request.getAuthType())).append('\n');
    b.append("contentLength: ").append(request.getContentLengthLong()).append('\n');
    b.append("requestedSessionId: ").append(esc(request.getRequestedSessionId())).append('\n');
    b.append("sessionFromCookie: ").append(request.isRequestedSessionIdFromCookie()).append('\n');
    b.append("sessionFromURL: ").append(request.isRequestedSessionIdFromURL()).append('\n');
    b.append("sessionId: ").append(s == null ? "null" : s.getId()).append('\n');
    b.append("sessionNew: ").append(s == null ? "null" : String.valueOf(s.isNew())).append('\n');
    b.append("counter: ").append(counter == null ? "null" : counter.toString()).append('\n');
    String encoded = response.encodeURL(request.getContextPath() + "/echo.jsp");
    b.append("encodedURL: ").append(esc(encoded)).append('\n');
    for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); ) {
        String name = names.nextElement();
        for (Enumeration<String> vals = request.getHeaders(name); vals.hasMoreElements(); ) {
            b.append("header.").append(name).append(": ").append(esc(vals.nextElement()))
             .append('\n');
        }
    }
    String q = request.getQueryString();
    if (q != null) {   // only query parameters: never consume a request body here
        for (String pair : q.split("&")) {
            String[] kv = pair.split("=", 2);
            try {
                String value = kv.length > 1 ? java.net.URLDecoder.decode(kv[1], "UTF-8") : "";
                b.append("param.").append(java.net.URLDecoder.decode(kv[0], "UTF-8")).append(": ")
                 .append(esc(value)).append('\n');
            } catch (IllegalArgumentException e) {
                b.append("param.invalid: ").append(esc(pair)).append('\n');
            }
        }
    }
    out.print(b);
%>"""

UPLOAD_JSP = r"""<%@ page contentType="text/plain; charset=UTF-8" session="false"
    trimDirectiveWhitespaces="true" %>""" + INCLUDE + r"""<%
    // Reads the whole body as bytes; prints its length and SHA-256.
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    java.io.InputStream in = request.getInputStream();
    byte[] buf = new byte[65536];
    long n = 0;
    for (int r; (r = in.read(buf)) != -1; ) {
        md.update(buf, 0, r);
        n += r;
    }
    StringBuilder hex = new StringBuilder();
    for (byte x : md.digest()) hex.append(String.format("%02x", x & 0xff));
    out.print("length: " + n + "\nsha256: " + hex + "\ncontentLength: "
              + request.getContentLengthLong() + "\nnode: " + route() + "\n");
%>"""

DOWNLOAD_JSP = r"""<%@ page session="false" trimDirectiveWhitespaces="true" %>""" + INCLUDE + r"""<%
    // ?size=N: N bytes of byte i = (i * 7 + 3) % 251 (tomcat.pattern), with Content-Length,
    // written and flushed in pieces of ?piece= bytes (default 16384).
    long size = Long.parseLong(param(request, "size", "0"));
    int piece = Integer.parseInt(param(request, "piece", "16384"));
    byte[] period = new byte[251];
    for (int i = 0; i < 251; i++) period[i] = (byte) ((i * 7 + 3) % 251);
    response.setContentType("application/octet-stream");
    response.setContentLengthLong(size);
    java.io.OutputStream os = response.getOutputStream();
    byte[] buf = new byte[piece];
    for (long sent = 0; sent < size; ) {
        int n = (int) Math.min(piece, size - sent);
        for (int i = 0; i < n; i++) buf[i] = period[(int) ((sent + i) % 251)];
        os.write(buf, 0, n);
        os.flush();
        sent += n;
    }
%>"""

REDIRECT_JSP = r"""<%@ page session="false" trimDirectiveWhitespaces="true" %><%
    // Path-absolute redirect (Location: <context>/echo.jsp?from=redirect: Tomcat 10.1 keeps
    // it relative, useRelativeRedirects); with ?absolute=1 an absolute URL built from the
    // request's scheme, host and port.
    if (request.getParameter("absolute") != null) {
        response.sendRedirect(request.getScheme() + "://" + request.getServerName() + ":"
                              + request.getServerPort() + request.getContextPath()
                              + "/echo.jsp?from=redirect");
    } else {
        response.sendRedirect(request.getContextPath() + "/echo.jsp?from=redirect");
    }
%>"""

PLAIN = '<%@ page contentType="text/plain" session="false" trimDirectiveWhitespaces="true" %>'

COOKIES_JSP = PLAIN + r"""<%
    // Exactly three Set-Cookie headers.
    response.addCookie(new jakarta.servlet.http.Cookie("first", "1"));
    jakarta.servlet.http.Cookie c2 = new jakarta.servlet.http.Cookie("second", "2");
    c2.setPath(request.getContextPath());
    response.addCookie(c2);
    jakarta.servlet.http.Cookie c3 = new jakarta.servlet.http.Cookie("third", "3");
    c3.setHttpOnly(true);
    c3.setMaxAge(3600);
    response.addCookie(c3);
    out.print("three cookies\n");
%>"""

STATUS_JSP = PLAIN + INCLUDE + r"""<%
    // ?code=N: that status; a body "status N" unless N is 204 or 304 (Tomcat drops it then anyway).
    int code = Integer.parseInt(param(request, "code", "200"));
    response.setStatus(code);
    if (code != 204 && code != 304) out.print("status " + code + "\n");
%>"""

SLEEP_JSP = PLAIN + INCLUDE + r"""<%
    // ?ms=N: waits N ms before answering (reply timeouts).
    long ms = Long.parseLong(param(request, "ms", "0"));
    Thread.sleep(ms);
    out.print("slept " + ms + " on " + route() + "\n");
%>"""

WEB_XML = """<?xml version="1.0" encoding="UTF-8"?>
<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="https://jakarta.ee/xml/ns/jakartaee
                             https://jakarta.ee/xml/ns/jakartaee/web-app_6_0.xsd"
         version="6.0" metadata-complete="true">
  <display-name>mod_cluster_ajp test app</display-name>
</web-app>
"""

APP_FILES = {
    "WEB-INF/web.xml": WEB_XML,
    "WEB-INF/route.jspf": ROUTE_JSPF,
    "echo.jsp": ECHO_JSP,
    "upload.jsp": UPLOAD_JSP,
    "download.jsp": DOWNLOAD_JSP,
    "redirect.jsp": REDIRECT_JSP,
    "cookies.jsp": COOKIES_JSP,
    "status.jsp": STATUS_JSP,
    "sleep.jsp": SLEEP_JSP,
}

# Requests that make Jasper compile every page once, before the tests time anything.
WARM_UP = [("GET", "/app/echo.jsp?nosession=1", None), ("POST", "/app/upload.jsp", b"x"),
           ("GET", "/app/download.jsp?size=1", None), ("GET", "/app/redirect.jsp", None),
           ("GET", "/app/cookies.jsp", None), ("GET", "/app/status.jsp?code=200", None),
           ("GET", "/app/sleep.jsp?ms=0", None), ("GET", "/examples/", None)]

SERVER_XML = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by test/integration/tomcat.py for node {route}. -->
<Server port="{shutdown_port}" address="127.0.0.1" shutdown="{shutdown_word}">
  <Listener className="org.apache.catalina.startup.VersionLoggerListener" />
  <Listener className="org.apache.catalina.core.JreMemoryLeakPreventionListener" />
  <Listener className="org.apache.catalina.core.ThreadLocalLeakPreventionListener" />
  <Service name="Catalina">
    <Connector port="{http_port}" address="127.0.0.1" protocol="HTTP/1.1"
               connectionTimeout="20000" maxParameterCount="1000" />
    <Connector protocol="AJP/1.3" address="127.0.0.1" port="{ajp_port}"
               secretRequired="true" secret="{secret}" packetSize="{packet_size}"
               connectionTimeout="60000" keepAliveTimeout="300000"
               maxParameterCount="1000" />
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

SETENV_ADDITION = f"""
# Added by test/integration/tomcat.py.
set +e   # tomcat-locate-java.sh runs "set -e", which would leak into catalina.sh
CATALINA_OPTS="$CATALINA_OPTS {JAVA_OPTS}"
"""

_running = set()          # nodes with a live JVM, for the atexit safety net
_running_lock = threading.Lock()


@atexit.register
def _stop_leftovers():
    with _running_lock:
        nodes = list(_running)
    for n in nodes:
        n.stop(timeout=10)


class TomcatError(RuntimeError):
    pass


class TomcatNode:
    """One CATALINA_BASE with its own ports, secret and jvmRoute."""

    def __init__(self, root, index, packet_size=8192, server_xml=None):
        self.index = index
        self.route = f"node{index}"
        self.base = Path(root) / self.route
        self.secret = secrets.token_hex(12)
        self.shutdown_word = "SHUTDOWN-" + secrets.token_hex(8)
        self.packet_size = packet_size
        self.server_xml = server_xml  # optional f(node, text) -> text, see _write_server_xml
        self.http_port = self.ajp_port = self.shutdown_port = None
        self.proc = None
        self.started_once = False
        self.last_start_seconds = None

    def __repr__(self):
        return f"<TomcatNode {self.route} ajp={self.ajp_port} pid={self.pid}>"

    # -- creation
    def create(self):
        self._pick_ports()
        out = subprocess.run(
            [str(INSTANCE_CREATE), "-p", str(self.http_port), "-c", str(self.shutdown_port),
             "-w", self.shutdown_word, str(self.base)],
            stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if out.returncode != 0:
            raise TomcatError(f"tomcat10-instance-create {self.base} failed:\n"
                              f"{out.stdout}{out.stderr}")
        self._write_server_xml()
        with open(self.base / "bin" / "setenv.sh", "a") as f:
            f.write(SETENV_ADDITION)
        ctx = self.base / "conf" / "Catalina" / "localhost"
        ctx.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLES_XML, ctx / "examples.xml")
        app = self.base / "webapps" / "app"
        for rel, text in APP_FILES.items():
            path = app / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        if os.geteuid() == 0:
            # The JVM runs as nobody: it writes logs/, work/ (compiled JSPs), temp/.
            for dirpath, dirnames, filenames in os.walk(self.base):
                os.chown(dirpath, NOBODY, NOBODY)
                for name in filenames:
                    os.chown(os.path.join(dirpath, name), NOBODY, NOBODY)

    def _pick_ports(self):
        self.http_port, self.ajp_port, self.shutdown_port = free_ports(3)

    def _write_server_xml(self):
        text = SERVER_XML.format(
            route=self.route, shutdown_port=self.shutdown_port, shutdown_word=self.shutdown_word,
            http_port=self.http_port, ajp_port=self.ajp_port, secret=self.secret,
            packet_size=self.packet_size)
        if self.server_xml is not None:
            # The hook gets this node (ports, route) and our text; it must keep the node's ports.
            text = self.server_xml(self, text)
        (self.base / "conf" / "server.xml").write_text(text)

    # -- running
    @property
    def pid(self):
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    @property
    def running(self):
        return self.pid is not None

    @property
    def run_log(self):
        return self.base / "logs" / "run-foreground.out"

    def command(self):
        env = ["env", "-i", "PATH=/usr/bin:/bin", f"HOME={self.base}", "LANG=C.UTF-8",
               f"CATALINA_BASE={self.base}", f"CATALINA_HOME={CATALINA_HOME}",
               f"CATALINA_TMPDIR={self.base / 'temp'}", str(CATALINA_SH), "run"]
        if os.geteuid() == 0:
            return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] + env
        return env

    def spawn(self):
        """Starts the JVM in the background (does not wait)."""
        if self.running:
            return
        with open(self.run_log, "ab") as out:
            out.write(f"\n==== start {time.strftime('%H:%M:%S')} ====\n".encode())
            out.flush()
            # setpriv -> env -> catalina.sh -> exec java: this pid is the JVM's.
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self._spawned_at = time.monotonic()
        self._log_offset = self.run_log.stat().st_size
        with _running_lock:
            _running.add(self)

    def wait_ready(self, timeout=90):
        """Waits until the AJP port answers a CPING with a CPONG (the connector started)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise TomcatError(f"{self.route}: the JVM exited "
                                  f"({None if self.proc is None else self.proc.returncode}):\n"
                                  + self.log_tail())
            if fake_ajp.cping("127.0.0.1", self.ajp_port, timeout=2):
                self.last_start_seconds = time.monotonic() - self._spawned_at
                self.started_once = True
                return self.last_start_seconds
            if "Address already in use" in self._log_since_spawn():
                # A connector could not bind: Tomcat keeps running without it, never ready.
                raise TomcatError(f"{self.route}: a port is taken:\n{self.log_tail()}")
            time.sleep(0.1)
        raise TomcatError(f"{self.route}: no CPONG on 127.0.0.1:{self.ajp_port} after "
                          f"{timeout} s:\n{self.log_tail()}")

    def start(self, timeout=90):
        """Starts the node and waits for CPONG. On its first start a port taken in the meantime
        is replaced by another; later starts keep the ports (the httpd config names them)."""
        for attempt in range(3):
            self.spawn()
            try:
                return self.wait_ready(timeout)
            except TomcatError:
                port_taken = "Address already in use" in self._log_since_spawn()
                self.stop()
                if self.started_once or attempt == 2 or not port_taken:
                    raise
                self._pick_ports()
                self._write_server_xml()

    def stop(self, timeout=30):
        """SIGTERM to the JVM; SIGKILL to the same pid if it has not exited after `timeout`."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self.proc = None
        with _running_lock:
            _running.discard(self)

    def kill(self):
        """SIGKILL (a crash: no graceful connector shutdown)."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        self.proc = None
        with _running_lock:
            _running.discard(self)

    # -- talking to it
    def cping(self, timeout=2):
        return fake_ajp.cping("127.0.0.1", self.ajp_port, timeout)

    def ajp(self, timeout=10):
        """A fake_ajp.AjpClient connected to this node's AJP port (send secret=node.secret)."""
        return fake_ajp.AjpClient("127.0.0.1", self.ajp_port, timeout, self.packet_size)

    def http(self, method, path, body=None, headers=None, timeout=30):
        """A request straight to the HTTP connector: (status, headers dict, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def warm_up(self):
        """Compiles every JSP of /app (and loads /examples) through the HTTP connector."""
        for method, path, body in WARM_UP:
            status, _, data = self.http(method, path, body)
            if status >= 500 or (path.startswith("/app/echo") and status != 200):
                raise TomcatError(f"{self.route}: warm-up {method} {path} -> {status}:\n"
                                  f"{data[:2000].decode(errors='replace')}\n{self.log_tail()}")

    def log_text(self):
        """The foreground output (stdout+stderr of catalina.sh run, all starts)."""
        try:
            return self.run_log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _log_since_spawn(self):
        try:
            with open(self.run_log, "rb") as f:
                f.seek(self._log_offset)
                return f.read().decode(errors="replace")
        except (OSError, AttributeError):
            return ""

    def log_tail(self, n=4000):
        return self.log_text()[-n:]

    def access_log_text(self):
        return "".join(p.read_text(errors="replace")
                       for p in sorted((self.base / "logs").glob("localhost_access_log*")))


class TomcatCluster:
    """N nodes (node1..nodeN) under one temporary directory."""

    def __init__(self, count=2, root=None, packet_size=8192, server_xml=None):
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="mca-tomcat-"))
        self.root.chmod(0o755)  # nobody must reach the bases
        self.nodes = [TomcatNode(self.root, i + 1, packet_size, server_xml)
                      for i in range(count)]
        self.timings = {}

    def node(self, route):
        for n in self.nodes:
            if n.route == route:
                return n
        raise KeyError(route)

    def create(self):
        t0 = time.monotonic()
        for n in self.nodes:
            n.create()
        self.timings["create"] = time.monotonic() - t0

    def start(self, nodes=None, warm_up=True, timeout=90):
        """Starts nodes (default all) in parallel; waits for every CPONG, then warms up."""
        nodes = self.nodes if nodes is None else nodes
        t0 = time.monotonic()
        errors = []

        def run(n):
            try:
                n.start(timeout)
                if warm_up:
                    n.warm_up()
            except Exception as e:  # noqa: BLE001  (reported below, with the node)
                errors.append(f"{n.route}: {e}")

        threads = [threading.Thread(target=run, args=(n,)) for n in nodes if not n.running]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise TomcatError("\n".join(errors))
        self.timings.setdefault("first_start", time.monotonic() - t0)
        return time.monotonic() - t0

    def ensure_running(self):
        """Starts the nodes a test left stopped (without warm-up: their JSPs are compiled)."""
        down = [n for n in self.nodes if not n.running]
        if down:
            self.start(down, warm_up=False)

    def stop(self, nodes=None):
        """Stops nodes (default all) in parallel."""
        nodes = self.nodes if nodes is None else nodes
        threads = [threading.Thread(target=n.stop) for n in nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def cleanup(self):
        self.stop()
        if os.environ.get("MCA_KEEP_TMP") == "1":
            print(f"kept Tomcat cluster directory {self.root}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)


def session_cookie_route(set_cookie_values, name="JSESSIONID"):
    """The route suffix of the session cookie among Set-Cookie values, or None."""
    for v in set_cookie_values:
        m = re.match(rf"\s*{name}=([^;]*)", v)
        if m:
            sid = m.group(1)
            return sid.partition(".")[2] or None
    return None
