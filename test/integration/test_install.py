"""`make -f Makefile.apxs install` puts the module where Debian's httpd finds it, with
mods-available/cluster_ajp.load and .conf; then `a2dismod proxy_ajp proxy_balancer proxy &&
a2enmod cluster_ajp` gives a configuration that passes `apache2 -t` with the guide's sample.
All of it in throwaway copies: the machine's own /etc/apache2 is never changed."""

import hashlib
import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not pathlib.Path("/etc/apache2/apache2.conf").exists() or shutil.which("a2enmod") is None,
    reason="not a Debian-style apache2 installation")


def tree_digest(path):
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(path)):
        dirnames.sort()
        for name in sorted(filenames + dirnames):
            p = pathlib.Path(dirpath) / name
            h.update(str(p).encode())
            if p.is_symlink():
                h.update(os.readlink(p).encode())
            elif p.is_file():
                h.update(p.read_bytes())
    return h.hexdigest()


def test_make_install_then_a2enmod_cluster_ajp(tmp_path):
    etc_before = tree_digest("/etc/apache2")
    dest = tmp_path / "root"
    out = subprocess.run(["make", "-f", "Makefile.apxs", f"DESTDIR={dest}", "install"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    libexec = subprocess.run(["apxs", "-q", "LIBEXECDIR"], capture_output=True,
                             text=True).stdout.strip()
    so = dest / libexec.lstrip("/") / "mod_cluster_ajp.so"
    assert so.exists()
    load = dest / "etc/apache2/mods-available/cluster_ajp.load"
    conf = dest / "etc/apache2/mods-available/cluster_ajp.conf"
    assert f"LoadModule cluster_ajp_module {libexec}/mod_cluster_ajp.so" in load.read_text()
    assert conf.exists()

    # A copy of this machine's /etc/apache2 with the installed files; the module path points
    # into DESTDIR since nothing was really installed.
    confdir = tmp_path / "apache2"
    shutil.copytree("/etc/apache2", confdir, symlinks=True)
    shutil.copy(conf, confdir / "mods-available" / "cluster_ajp.conf")
    (confdir / "mods-available" / "cluster_ajp.load").write_text(
        load.read_text().replace(f"{libexec}/mod_cluster_ajp.so", str(so)))
    env = dict(os.environ, APACHE_CONFDIR=str(confdir))

    def a2(*cmd):
        r = subprocess.run(list(cmd), env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout

    # As on a machine that followed the old guide: mod_proxy_ajp enabled.
    a2("a2enmod", "-q", "proxy", "proxy_ajp", "proxy_balancer")
    if (confdir / "mods-enabled" / "jk.load").exists():
        a2("a2dismod", "-q", "jk")
    a2("a2dismod", "-q", "proxy_ajp", "proxy_balancer", "proxy")
    a2("a2enmod", "-q", "cluster_ajp", "auth_basic", "authn_file", "authz_user")
    assert (confdir / "mods-enabled" / "cluster_ajp.load").is_symlink()
    assert not (confdir / "mods-enabled" / "proxy.load").exists()
    shutil.copy(ROOT / "conf-samples" / "guide" / "cluster.conf",
                confdir / "conf-enabled" / "cluster.conf")

    def apache2(*flags):
        return subprocess.run(
            ["bash", "-c", f'. "{confdir}/envvars" && exec apache2 -d "{confdir}" '
             + " ".join(flags)], env=env, capture_output=True, text=True)

    check = apache2("-t")
    assert check.returncode == 0 and "Syntax OK" in check.stdout + check.stderr, (
        check.stdout + check.stderr)
    modules = apache2("-M").stdout
    assert "cluster_ajp_module" in modules and "proxy_module" not in modules, modules

    # With mod_proxy still enabled, httpd refuses to start and says what to do.
    a2("a2enmod", "-q", "proxy")
    both = apache2("-t")
    assert both.returncode != 0 and "a2dismod" in both.stdout + both.stderr

    assert tree_digest("/etc/apache2") == etc_before
