"""`make -f Makefile.apxs install` puts the module where Debian's httpd finds it, with
mods-available/cluster_ajp.load and .conf; then the command that cluster_ajp.load documents,
`a2dismod lbmethod_byrequests proxy_balancer proxy_ajp proxy && a2enmod cluster_ajp`, turns a
configuration that used mod_proxy_ajp (as the guides set it up) into one that passes
`apache2 -t` with the guide's sample enabled through `a2enconf`.

Everything happens in throwaway places, never on this machine's own httpd:
  * make runs with BUILD and DESTDIR in a temporary directory. BUILD holds a copy of the module
    under test, which make is told not to rebuild (-o), so build/ is never touched and an
    MCA_ASAN=1 run installs the ASan build.
  * a2enmod, a2dismod and a2enconf (Debian's perl scripts) work on a copy of /etc/apache2:
    they read APACHE_CONFDIR for the configuration and APACHE_STATE_DIRECTORY for the state
    they otherwise record under /var/lib/apache2 (which packages' maintainer scripts read).
  * apache2 runs with -d on that copy, after the copy's envvars (APACHE_RUN_USER, ...), and
    with the copy's cluster_ajp.load pointing into DESTDIR, since nothing was really installed.
/etc/apache2, /var/lib/apache2 and the module directory are compared before and after.
"""

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import httpd_util

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "conf-samples"
ETC = Path("/etc/apache2")
STATE = Path("/var/lib/apache2")

pytestmark = pytest.mark.skipif(
    not (ETC / "apache2.conf").exists() or shutil.which("a2enmod") is None
    or shutil.which("apxs") is None,
    reason="not a Debian-style apache2 installation with apxs (apache2, apache2-dev)")


def tree_digest(path):
    """SHA-256 over a directory tree's names, link targets, modes and file contents."""
    h = hashlib.sha256()
    path = Path(path)
    if not path.exists():
        return "absent"
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        for name in sorted(filenames + dirnames):
            p = Path(dirpath) / name
            st = p.lstat()
            h.update(f"{p}\0{st.st_mode:o}\0".encode())
            if p.is_symlink():
                h.update(os.readlink(p).encode())
            elif p.is_file():
                h.update(p.read_bytes())
    return h.hexdigest()


def documented_commands():
    """The a2dismod ... && a2enmod cluster_ajp line of conf-samples/debian/cluster_ajp.load."""
    text = (SAMPLES / "debian" / "cluster_ajp.load").read_text()
    m = re.search(r"^#\s+(a2dismod [\w ]+?) && (a2enmod cluster_ajp)\s*$", text, re.M)
    assert m, "cluster_ajp.load no longer says how to switch from mod_proxy"
    return m.group(1).split(), m.group(2).split()


class Copy:
    """A copy of /etc/apache2 that Debian's tools and apache2 work on."""

    def __init__(self, tmp):
        self.dir = tmp / "etc-apache2"
        shutil.copytree(ETC, self.dir, symlinks=True)
        self.state = tmp / "var-lib-apache2"
        self.state.mkdir()
        self.env = dict(os.environ, APACHE_CONFDIR=str(self.dir),
                        APACHE_STATE_DIRECTORY=str(self.state))
        self.env.pop("APACHE_ENVVARS", None)

    def tool(self, *cmd):
        """a2enmod/a2dismod/a2enconf on the copy: (exit code, output)."""
        r = subprocess.run(list(cmd), env=self.env, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL)
        return r.returncode, r.stdout + r.stderr

    def ok(self, *cmd):
        rc, out = self.tool(*cmd)
        assert rc == 0, f"{' '.join(cmd)}:\n{out}"
        return out

    def enabled(self):
        return sorted(p.name for p in (self.dir / "mods-enabled").iterdir())

    def apache2(self, *flags):
        """apache2 on the copy, with its envvars; with MCA_ASAN=1 the sanitizer runtime."""
        env = dict(httpd_util.httpd_env(), APACHE_CONFDIR=str(self.dir))
        script = f'. "{self.dir}/envvars" && exec {httpd_util.APACHE2} -d "{self.dir}" "$@"'
        r = subprocess.run(["sh", "-c", script, "apache2", *flags], env=env,
                           capture_output=True, text=True, timeout=60)
        return r.returncode, r.stdout + r.stderr


@pytest.fixture
def machine_untouched():
    """Fails the test if it changed this machine's httpd configuration, state or modules."""
    libexec = httpd_util.modules_dir()
    paths = (ETC, STATE, libexec)
    before = {p: tree_digest(p) for p in paths}
    yield
    changed = [str(p) for p in paths if tree_digest(p) != before[p]]
    assert not changed, f"the test changed {changed}"


@pytest.fixture
def installed(tmp_path, module, machine_untouched):
    """make install of the module under test into DESTDIR: (DESTDIR, LIBEXECDIR, .so path)."""
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(module, build / "mod_cluster_ajp.so")
    dest = tmp_path / "root"
    r = subprocess.run(
        ["make", "-f", "Makefile.apxs", f"BUILD={build}", f"DESTDIR={dest}",
         "-o", f"{build}/mod_cluster_ajp.so", "install"],
        cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    libexec = httpd_util.modules_dir()
    return dest, libexec, dest / libexec.lstrip("/") / "mod_cluster_ajp.so"


def test_make_install_puts_the_module_where_debian_finds_it(installed, module):
    dest, libexec, so = installed
    assert libexec == "/usr/lib/apache2/modules"  # Debian's, which apache2 loads from
    assert so.read_bytes() == Path(module).read_bytes()
    avail = dest / "etc" / "apache2" / "mods-available"
    assert (avail / "cluster_ajp.load").read_text().splitlines()[-1] == (
        f"LoadModule cluster_ajp_module {libexec}/mod_cluster_ajp.so")
    assert (avail / "cluster_ajp.conf").read_text() == (
        SAMPLES / "debian" / "cluster_ajp.conf").read_text()
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert files == ["etc/apache2/mods-available/cluster_ajp.conf",
                     "etc/apache2/mods-available/cluster_ajp.load",
                     f"{libexec.lstrip('/')}/mod_cluster_ajp.so"]


# The modules enabled on a machine that followed the guides for mod_proxy_ajp.
OLD_SETUPS = {
    "proxy proxy_ajp proxy_balancer": ["proxy", "proxy_ajp", "proxy_balancer"],
    "and lbmethod_byrequests": ["proxy", "proxy_ajp", "proxy_balancer", "lbmethod_byrequests"],
}


@pytest.mark.parametrize("old", list(OLD_SETUPS.values()), ids=list(OLD_SETUPS))
def test_a2dismod_proxy_a2enmod_cluster_ajp_then_apache2_t(old, installed, tmp_path):
    dest, libexec, so = installed
    copy = Copy(tmp_path)
    avail = copy.dir / "mods-available"
    shutil.copy(dest / "etc/apache2/mods-available/cluster_ajp.conf", avail)
    # The copy's .load points into DESTDIR (nothing is in /usr/lib/apache2/modules).
    load = (dest / "etc/apache2/mods-available/cluster_ajp.load").read_text()
    (avail / "cluster_ajp.load").write_text(
        load.replace(f"{libexec}/mod_cluster_ajp.so", str(so)))

    # The old setup, working with the stock modules.
    copy.ok("a2enmod", *old)
    assert {f"{m}.load" for m in old} <= set(copy.enabled())
    rc, out = copy.apache2("-t")
    assert rc == 0, out

    # The switch, exactly as cluster_ajp.load says.
    dismod, enmod = documented_commands()
    copy.ok(*dismod)
    copy.ok(*enmod)
    enabled = copy.enabled()
    assert "cluster_ajp.load" in enabled and "cluster_ajp.conf" in enabled
    assert not [m for m in enabled if m.startswith(("proxy", "lbmethod_"))], enabled
    # The tools worked on the copy (and recorded their state beside it), not on the machine.
    assert (copy.dir / "mods-enabled" / "cluster_ajp.load").is_symlink()
    assert (copy.state / "module" / "enabled_by_admin" / "cluster_ajp").exists()

    # The guide's configuration, enabled as its comments say.
    shutil.copy(SAMPLES / "guide" / "cluster.conf", copy.dir / "conf-available" / "cluster.conf")
    copy.ok("a2enmod", "auth_basic", "authn_file", "authz_user")
    copy.ok("a2enconf", "cluster")
    rc, out = copy.apache2("-t")
    assert rc == 0 and "Syntax OK" in out, out
    rc, out = copy.apache2("-M")
    assert rc == 0, out
    assert "cluster_ajp_module" in out and "proxy_module" not in out, out
    rc, out = copy.apache2("-t", "-D", "DUMP_INCLUDES")
    assert "conf-enabled/cluster.conf" in out and "mods-enabled/cluster_ajp.conf" in out, out

    # mod_proxy enabled again beside it: apache2 refuses, and says what to disable.
    copy.ok("a2enmod", "proxy")
    rc, out = copy.apache2("-t")
    assert rc != 0 and "MCA0004" in out and "a2dismod" in out, out
