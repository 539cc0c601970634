"""The module loads into a real httpd, leaves it working, and installs the Debian way."""

import filecmp
import shutil
import subprocess
from pathlib import Path

import pytest

import httpd_util

INDEX = "<html><body>mod_cluster_ajp static file</body></html>\n"


def test_config_test_says_syntax_ok(httpd):
    rc, out = httpd.config_test()
    assert rc == 0, out
    assert "Syntax OK" in out

    rc, out = httpd.loaded_modules()
    assert rc == 0, out
    assert "cluster_ajp_module (shared)" in out


def test_config_test_fails_without_the_module_file(httpd_factory, tmp_path):
    # The check above must be able to fail: a LoadModule of a missing file is a syntax error.
    h = httpd_factory(module=tmp_path / "missing.so")
    rc, out = h.config_test()
    assert rc != 0
    assert "Cannot load" in out and "missing.so" in out


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_serves_static_file(httpd_factory, mpm):
    h = httpd_factory(mpm=mpm)
    h.write_file("htdocs/index.html", INDEX)
    h.start()

    status, _, body = h.get("/index.html")
    assert status == 200
    assert body.decode() == INDEX
    status, _, _ = h.get("/no-such-file.html")
    assert status == 404

    h.stop()
    log = h.error_log_text()
    assert httpd_util.log_lines_at_error(log) == [], log
    assert httpd_util.module_log_lines(log, ("emerg", "alert", "crit", "error", "warn")) == [], log
    # `LogLevel cluster_ajp:debug` reaches the module's own log lines (APLOG_USE_MODULE works).
    assert httpd_util.module_log_lines(log, ("debug",)), log


def test_keeps_serving_after_graceful_restart(httpd):
    # A graceful restart unloads and reloads the module and runs post_config again.
    httpd.write_file("htdocs/index.html", INDEX)
    httpd.start()
    httpd.graceful()

    status, _, body = httpd.get("/index.html")
    assert status == 200
    assert body.decode() == INDEX
    httpd.stop()
    log = httpd.error_log_text()
    assert httpd_util.log_lines_at_error(log) == [], log


def test_module_record_is_the_only_exported_symbol(module):
    out = subprocess.run(["nm", "-D", "--defined-only", str(module)], capture_output=True,
                         text=True, check=True).stdout
    symbols = sorted(line.split()[-1] for line in out.splitlines() if line.strip())
    assert symbols == ["cluster_ajp_module"]


def test_make_install_destdir(module, httpd_factory, tmp_path):
    destdir = tmp_path / "dest"
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy2(module, build / "mod_cluster_ajp.so")
    libexecdir = httpd_util.apxs_query("LIBEXECDIR", "/usr/lib/apache2/modules")
    sysconfdir = httpd_util.apxs_query("SYSCONFDIR", "/etc/apache2")
    # -o: install the module under test as it is; do not rebuild it into the scratch BUILD.
    so_target = f"{build}/mod_cluster_ajp.so"
    p = subprocess.run(["make", "-s", "-f", "Makefile.apxs", "install", f"DESTDIR={destdir}",
                        f"BUILD={build}", "-o", so_target], cwd=httpd_util.REPO_ROOT,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr

    installed = Path(f"{destdir}{libexecdir}/mod_cluster_ajp.so")
    assert installed.is_file()
    assert filecmp.cmp(installed, module, shallow=False)
    assert installed.stat().st_mode & 0o777 == 0o644

    if not Path(sysconfdir, "mods-available").is_dir():
        pytest.skip("not a Debian-style httpd: no mods-available")
    mods = Path(f"{destdir}{sysconfdir}/mods-available")
    load = mods / "cluster_ajp.load"
    conf = mods / "cluster_ajp.conf"
    assert load.is_file() and conf.is_file()
    load_text = load.read_text()
    assert f"LoadModule cluster_ajp_module {libexecdir}/mod_cluster_ajp.so" in load_text
    assert "@LIBEXECDIR@" not in load_text

    # The installed files, as a2enmod would enable them, in a throwaway ServerRoot. The .load
    # names the final path; point it at the DESTDIR copy (the only change made to it).
    h = httpd_factory(load_module=False)
    enabled = h.root / "mods-enabled"
    enabled.mkdir()
    (enabled / "cluster_ajp.load").write_text(
        load_text.replace(f"{libexecdir}/", f"{destdir}{libexecdir}/"))
    shutil.copy(conf, enabled / "cluster_ajp.conf")
    h.extra_conf = ('IncludeOptional "mods-enabled/*.load"\n'
                    'IncludeOptional "mods-enabled/*.conf"\n')
    h.write_conf()
    rc, out = h.config_test()
    assert rc == 0, out
    assert "Syntax OK" in out
    rc, out = h.loaded_modules()
    assert "cluster_ajp_module (shared)" in out, out
