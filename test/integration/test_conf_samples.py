"""Every conf-sample passes `apachectl -t`: ours with the module (and the httpd modules they
name), the "before" side of each migration sample with the stock modules it replaces (httpd's
mod_proxy_ajp, mod_jk), and the Tomcat server.xml snippet starts a real Tomcat 10.1 that serves
through the module with the snippet's secret and jvmRoute."""

import pathlib
import re
import shutil
import tempfile
import urllib.request

import pytest

import httpd_util
import tomcat

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLES_DIR = ROOT / "conf-samples"
# Samples for the modules mod_cluster_ajp replaces: tested below with those modules instead.
STOCK_SAMPLES = {SAMPLES_DIR / "migrate" / "mod_proxy_ajp-before.conf",
                 SAMPLES_DIR / "migrate" / "from-mod_jk" / "mod_jk.conf"}
SAMPLES = sorted(p for p in SAMPLES_DIR.rglob("*.conf") if p not in STOCK_SAMPLES)
MODS = pathlib.Path(httpd_util.modules_dir())
AUTH_MODULES = "".join(
    f"LoadModule {name}_module {MODS}/mod_{name}.so\n"
    for name in ("auth_basic", "authn_core", "authn_file", "authz_user", "authz_host"))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_conf_sample_passes_configtest(sample, httpd_factory):
    text = sample.read_text()
    h = httpd_factory(extra_conf=AUTH_MODULES + text)
    rc, out = h.config_test()
    assert rc == 0, out


def test_mod_proxy_ajp_before_sample_passes_with_the_stock_modules(httpd_factory):
    text = (SAMPLES_DIR / "migrate" / "mod_proxy_ajp-before.conf").read_text()
    text = text.replace(" modules/", f" {MODS}/")
    h = httpd_factory(extra_conf=AUTH_MODULES + text, load_module=False, log_level="warn")
    rc, out = h.config_test()
    assert rc == 0, out
    # The migration changes the LoadModule lines and nothing else.
    after = (SAMPLES_DIR / "migrate" / "from-mod_proxy_ajp.conf").read_text()
    directives = [ln.strip() for ln in text.splitlines()
                  if ln.strip() and not ln.lstrip().startswith(("#", "LoadModule"))]
    assert directives == [ln.strip() for ln in after.splitlines()
                          if ln.strip() and not ln.lstrip().startswith("#")]


@pytest.mark.skipif(not (MODS / "mod_jk.so").exists(), reason="libapache2-mod-jk not installed")
def test_mod_jk_before_sample_passes_with_mod_jk(httpd_factory):
    text = (SAMPLES_DIR / "migrate" / "from-mod_jk" / "mod_jk.conf").read_text()
    h = httpd_factory(load_module=False, log_level="warn")
    text = text.replace("@SAMPLES@", str(SAMPLES_DIR)).replace("@RUNTIME@", str(h.run_dir))
    text = text.replace("/usr/lib/apache2/modules/", f"{MODS}/")
    h.extra_conf = AUTH_MODULES + text
    h.write_conf()
    rc, out = h.config_test()
    assert rc == 0, out
    # Every worker of workers.properties has its member in cluster_ajp.conf, same route.
    props = (SAMPLES_DIR / "migrate" / "from-mod_jk" / "workers.properties").read_text()
    ours = (SAMPLES_DIR / "migrate" / "from-mod_jk" / "cluster_ajp.conf").read_text()
    for name, port in re.findall(r"^worker\.(\w+)\.port=(\d+)", props, re.M):
        route = re.search(rf"^worker\.{name}\.route=(\S+)", props, re.M).group(1)
        assert re.search(rf"BalancerMember \"ajp://127\.0\.0\.1:{port}\" route={route} ", ours)


@pytest.mark.skipif(bool(tomcat.missing_requirements()), reason="Tomcat packages missing")
def test_tomcat_snippet_serves_through_the_module(httpd_factory):
    """The server.xml snippet, with this test's ports and a secret, is a working node1."""
    # Not pytest's tmp_path: its parents are mode 0700 and Tomcat runs as nobody under root.
    base = pathlib.Path(tempfile.mkdtemp(prefix="mca-snippet-"))
    base.chmod(0o755)
    node = tomcat.TomcatNode(base, 1)
    node.create()
    snippet = (SAMPLES_DIR / "tomcat" / "server-ajp-snippet.xml").read_text()
    xml = (snippet.replace('port="8005"', f'port="{node.shutdown_port}"')
           .replace('port="8080"', f'port="{node.http_port}"')
           .replace('port="8009"', f'port="{node.ajp_port}"')
           .replace("CHANGE-ME", node.secret))
    (node.base / "conf" / "server.xml").write_text(xml)
    try:
        node.start()
        h = httpd_factory(extra_conf=(
            "<Proxy balancer://testcluster stickysession=JSESSIONID>\n"
            f"  BalancerMember ajp://127.0.0.1:{node.ajp_port} route=node1 secret={node.secret}\n"
            "</Proxy>\nProxyPass /examples balancer://testcluster/examples\n"))
        h.start()
        url = f"http://127.0.0.1:{h.port}/examples/servlets/servlet/SessionExample"
        with urllib.request.urlopen(url, timeout=30) as r:
            assert r.status == 200
            cookie = r.headers.get("Set-Cookie") or ""
        assert re.search(r"JSESSIONID=[0-9A-F]+\.node1", cookie), cookie
    finally:
        node.stop()
        shutil.rmtree(base, ignore_errors=True)
