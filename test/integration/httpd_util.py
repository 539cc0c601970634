"""A throwaway httpd for integration tests: its own ServerRoot in a temporary directory, never
/etc/apache2, with our module loaded.

    httpd = Httpd(extra_conf="...", mpm="prefork")
    rc, out = httpd.config_test()          # apache2 -t
    httpd.start()                          # -DFOREGROUND in the background, waits for the port
    status, headers, body = httpd.get("/index.html")
    httpd.stop()                           # graceful stop (SIGWINCH), waits for the exit
    httpd.sanitizer_reports()              # AddressSanitizer / UBSan lines, if any
    httpd.cleanup()

Environment:
    MCA_MODULE     the module to load (default: build/mod_cluster_ajp.so of the repository, or
                   build/asan/mod_cluster_ajp.so when MCA_ASAN=1)
    MCA_ASAN=1     the module is the ASan+UBSan build: httpd runs with LD_PRELOAD of the ASan
                   runtime and ASAN_OPTIONS=detect_leaks=0 (httpd does not free at exit)
    MCA_APACHE2    the httpd binary (default /usr/sbin/apache2)
    MCA_KEEP_TMP=1 keep the ServerRoot after the test (its path is printed)
"""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
APACHE2 = os.environ.get("MCA_APACHE2", "/usr/sbin/apache2")
MPMS = ("event", "worker", "prefork")

# Lines a sanitizer writes (ASan, UBSan's "file:line:col: runtime error: ...", LeakSanitizer).
SANITIZER_RE = re.compile(r"AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer")
# httpd's note that a child died of a signal (segfault, abort) instead of exiting: AH00052, or
# AH00051 "..., possible coredump in DIR" when the kernel wrote a core (ulimit -c, core_pattern).
CHILD_CRASH_RE = re.compile(r"AH0005[12]: child pid \d+ exit signal")
# An error-log line: [date] [module:level] [pid ...] ...
LOG_LEVEL_RE = re.compile(r"^\[[^\]]*\] \[(?P<module>[\w.-]*):(?P<level>\w+)\]")
ERROR_LEVELS = ("emerg", "alert", "crit", "error")
# GracefulShutdownTimeout in every config: how long a graceful stop may wait for busy children.
GRACEFUL_SHUTDOWN_TIMEOUT = 5


def asan_enabled():
    return os.environ.get("MCA_ASAN") == "1"


def module_path():
    """The module under test, as an absolute path (it may not exist: callers check)."""
    env = os.environ.get("MCA_MODULE")
    if env:
        return Path(env).resolve()
    sub = "build/asan/mod_cluster_ajp.so" if asan_enabled() else "build/mod_cluster_ajp.so"
    return REPO_ROOT / sub


def apxs_query(var, default):
    try:
        out = subprocess.run(["apxs", "-q", var], capture_output=True, text=True, check=True)
        return out.stdout.strip() or default
    except (OSError, subprocess.CalledProcessError):
        return default


def modules_dir():
    """Where httpd's own modules (MPMs, mod_authz_core) are installed."""
    return apxs_query("LIBEXECDIR", "/usr/lib/apache2/modules")


def asan_runtime():
    """Path of the ASan runtime g++ links against (to LD_PRELOAD into httpd)."""
    out = subprocess.run(["g++", "-print-file-name=libasan.so"], capture_output=True, text=True,
                         check=True).stdout.strip()
    path = Path(out).resolve()
    if not path.is_file():
        raise RuntimeError(f"ASan runtime not found (g++ -print-file-name=libasan.so: {out})")
    return str(path)


def httpd_env():
    """Environment for every apache2 run: with MCA_ASAN=1, the sanitizer runtime and options."""
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    if asan_enabled():
        env["LD_PRELOAD"] = asan_runtime()
        # httpd frees its pools, not its process: leak reports at exit would be noise.
        env["ASAN_OPTIONS"] = "detect_leaks=0:" + env.get("ASAN_OPTIONS", "")
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:" + env.get("UBSAN_OPTIONS", "")
    return env


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def live_children(pid):
    """Pids of PID's child processes that have not exited yet (Linux /proc)."""
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    live = []
    for kid in kids:
        try:
            # /proc/N/stat: "N (comm) STATE ..."; comm may hold spaces or parentheses.
            state = Path(f"/proc/{kid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            live.append(int(kid))
    return live


def child_pids(httpd):
    """The set of live child processes of a started Httpd (its main pid's children)."""
    return set(live_children(httpd.pid()))


def log_lines_at_error(text):
    """Error-log lines at level error or worse, from any module."""
    out = []
    for line in text.splitlines():
        m = LOG_LEVEL_RE.match(line)
        if m and m.group("level") in ERROR_LEVELS:
            out.append(line)
    return out


def module_log_lines(text, levels=None):
    """Error-log lines our module wrote (`[cluster_ajp:level]`), optionally only some levels."""
    out = []
    for line in text.splitlines():
        m = LOG_LEVEL_RE.match(line)
        if m and m.group("module") == "cluster_ajp" and (levels is None or m.group("level") in levels):
            out.append(line)
    return out


class Httpd:
    """One httpd with its own ServerRoot, config, DocumentRoot, logs and port."""

    def __init__(self, extra_conf="", mpm="event", module=None, load_module=True,
                 log_level="warn cluster_ajp:debug"):
        if mpm not in MPMS:
            raise ValueError(f"mpm must be one of {MPMS}")
        self.mpm = mpm
        self.module = Path(module) if module else module_path()
        self.load_module = load_module
        self.extra_conf = extra_conf
        self.log_level = log_level
        # Not pytest's tmp_path: its parents are mode 0700 and the children run as nobody.
        self.root = Path(tempfile.mkdtemp(prefix="mca-httpd-"))
        self.root.chmod(0o755)
        self.docroot = self.root / "htdocs"
        self.logs = self.root / "logs"
        self.run_dir = self.root / "run"
        for d in (self.docroot, self.logs, self.run_dir):
            d.mkdir(mode=0o755)
        self.conf = self.root / "httpd.conf"
        self.error_log = self.logs / "error.log"
        self.pid_file = self.run_dir / "httpd.pid"
        self.stderr_file = self.logs / "stderr.log"  # what httpd says before its log is open
        self.port = free_port()
        self.proc = None
        self.write_conf()

    # ---- configuration ------------------------------------------------------------------------
    def write_conf(self):
        mods = modules_dir()
        lines = [
            f'ServerRoot "{self.root}"',
            f'DefaultRuntimeDir "{self.run_dir}"',
            f'PidFile "{self.pid_file}"',
            f'ErrorLog "{self.error_log}"',
            f"LogLevel {self.log_level}",
            f"Listen 127.0.0.1:{self.port}",
            f"ServerName 127.0.0.1:{self.port}",
            f"LoadModule mpm_{self.mpm}_module {mods}/mod_mpm_{self.mpm}.so",
            f"LoadModule authz_core_module {mods}/mod_authz_core.so",
        ]
        if os.geteuid() == 0:
            # mod_unixd is compiled in; as root the children must switch to an unprivileged user.
            lines += ["User nobody", "Group nogroup"]
        lines += [
            f"GracefulShutdownTimeout {GRACEFUL_SHUTDOWN_TIMEOUT}",
        ]
        # Small and quick to start and stop: one child, few threads.
        if self.mpm == "prefork":
            lines += ["StartServers 1", "MinSpareServers 1", "MaxSpareServers 2",
                      "MaxRequestWorkers 10"]
        else:
            lines += ["StartServers 1", "ThreadsPerChild 10", "MinSpareThreads 10",
                      "MaxSpareThreads 20", "MaxRequestWorkers 40"]
        lines += [
            f'DocumentRoot "{self.docroot}"',
            f'<Directory "{self.docroot}">',
            "    Require all granted",
            "</Directory>",
        ]
        if self.load_module:
            lines.append(f'LoadModule cluster_ajp_module "{self.module}"')
        lines += ["", "# ---- test configuration ----", self.extra_conf, ""]
        self.conf.write_text("\n".join(lines))

    def write_file(self, relpath, content, mode=0o644):
        """Writes a file under the ServerRoot (e.g. htdocs/index.html) and returns its path."""
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        path.chmod(mode)
        return path

    # ---- running apache2 ----------------------------------------------------------------------
    def command(self, *args):
        return [APACHE2, "-d", str(self.root), "-f", str(self.conf), *args]

    def run(self, *args, timeout=60):
        """Runs apache2 with our ServerRoot/config and ARGS; returns (exit code, stdout+stderr)."""
        p = subprocess.run(self.command(*args), env=httpd_env(), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=timeout)
        return p.returncode, p.stdout

    def config_test(self):
        """`apache2 -t`: (exit code, output); output says "Syntax OK" when the config is good."""
        return self.run("-t")

    def loaded_modules(self):
        """`apache2 -M`: (exit code, output) listing the loaded modules."""
        return self.run("-M")

    def start(self, timeout=30):
        """Starts httpd in the background and waits until it answers HTTP on its port."""
        for attempt in range(3):
            if attempt:
                # The port was taken between free_port() and httpd's bind: pick another.
                self.port = free_port()
                self.write_conf()
            self._spawn()
            if self._wait_ready(timeout):
                return
            self._reap()
            if "Address already in use" not in self.logs_text():
                break
        raise RuntimeError(f"httpd did not start (mpm {self.mpm}, port {self.port}):\n"
                           + self.logs_text()[-4000:])

    def _spawn(self):
        with open(self.stderr_file, "ab") as err:
            # Own session so nothing of ours (e.g. a terminal's Ctrl-C) reaches it but our signals.
            self.proc = subprocess.Popen(self.command("-DFOREGROUND"), env=httpd_env(),
                                         stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                         start_new_session=True)

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("HEAD", "/")
                conn.getresponse().read()
                conn.close()
                return True
            except OSError:
                time.sleep(0.1)
        return False

    def pid(self):
        """The main httpd's pid from the pid file, or None."""
        try:
            return int(self.pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def graceful(self, timeout=30):
        """Graceful restart (SIGUSR1 to the main process); waits until it serves again."""
        pid = self.pid()
        assert pid, "no pid file"
        generation_lines = self.error_log_text().count("resuming normal operations")
        os.kill(pid, signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.error_log_text().count("resuming normal operations") > generation_lines:
                if self._wait_ready(timeout):
                    return
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError("httpd did not come back after a graceful restart:\n"
                           + self.logs_text()[-4000:])

    def stop(self, timeout=30, graceful=True):
        """Stops httpd (the pid in the pid file: ours, we started it) and waits for the exit.

        graceful (default): SIGWINCH, then SIGTERM to the parent once every child has exited.
        A plain SIGTERM makes each event/worker child run close_worker_sockets() in its main
        thread while a worker thread may be in close_connection() destroying that very socket's
        pool: the child segfaults in apr_os_sock_get (httpd's race, not ours; about 1 stop in 60
        when the stop follows a request, with or without our module loaded). A graceful stop
        never touches another thread's socket. The SIGTERM afterwards only spares the parent's
        one-second wait before it notices its children are gone; children still busy after
        GracefulShutdownTimeout are stopped by httpd itself, and _reap's SIGKILL is the last
        resort. Any crash is still reported (crash_reports): nothing is filtered.
        """
        if self.proc is None:
            return
        if self.proc.poll() is None:
            pid = self.pid() or self.proc.pid
            try:
                if graceful:
                    os.kill(pid, signal.SIGWINCH)
                    self._wait_children_exited(pid, GRACEFUL_SHUTDOWN_TIMEOUT + 5)
                if self.proc.poll() is None:
                    os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        self._reap(timeout)

    def _wait_children_exited(self, pid, timeout):
        """Waits until the parent PID has no child that is still running (zombies count as
        exited: the parent reaps them, and logs how they died, while it shuts down)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if not live_children(pid):
                return
            time.sleep(0.02)

    def _reap(self, timeout=30):
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            # Last resort, still only what we started: the session httpd leads.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(10)
        self.proc = None

    # ---- requests -------------------------------------------------------------------------------
    def get(self, path, headers=None, method="GET", body=None, timeout=10):
        """One request on a new connection: (status, headers dict (lower-case names), body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    # ---- logs -----------------------------------------------------------------------------------
    def error_log_text(self):
        try:
            return self.error_log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def logs_text(self):
        """Error log plus what httpd wrote to stderr before opening it."""
        try:
            early = self.stderr_file.read_text(errors="replace")
        except FileNotFoundError:
            early = ""
        return early + self.error_log_text()

    def sanitizer_reports(self):
        """ASan/UBSan lines from the error log and httpd's stderr (empty list if none)."""
        return [line for line in self.logs_text().splitlines() if SANITIZER_RE.search(line)]

    def crash_reports(self):
        """Error-log lines saying a child process died of a signal (e.g. SIGSEGV)."""
        return [line for line in self.error_log_text().splitlines() if CHILD_CRASH_RE.search(line)]

    def cleanup(self):
        self.stop()
        if os.environ.get("MCA_KEEP_TMP") == "1":
            print(f"kept httpd ServerRoot {self.root}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)
