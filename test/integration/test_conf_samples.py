"""The files under conf-samples/ are true.

  * Every *.conf for mod_cluster_ajp passes `apachectl -t` with the module (and the auth modules
    the manager samples use); the commented-out Debian sample passes once uncommented.
  * The "before" side of each migration passes with the modules it replaces, without ours:
    migrate/mod_proxy_ajp-before.conf with httpd's mod_proxy + mod_proxy_balancer +
    mod_proxy_ajp, migrate/from-mod_jk/mod_jk.conf (+ workers.properties) with mod_jk. The
    "after" side says the same thing: from-mod_proxy_ajp.conf is the "before" file with one
    LoadModule line instead of five (and quotes it in its comments); from-mod_jk/cluster_ajp.conf
    has one member per mod_jk worker with the same address, route, factor, secret and timeouts.
  * tomcat/server-ajp-snippet.xml, spliced into Debian's stock server.xml as its comments tell,
    starts two real Tomcat 10.1 nodes that answer CPing, refuse AJP requests without the secret
    and put their jvmRoute into session ids. Against those two nodes, the guide's cluster.conf
    and all four migration configurations (ours, stock mod_proxy_ajp, mod_jk) serve /examples,
    spread new sessions over both nodes and keep each session on its node; the guide's manager
    asks for a password.

Files under conf-samples/ that none of this covers fail test_every_sample_file_is_checked:
add a check when adding a sample.
"""

import base64
import hashlib
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import httpd_util
import tomcat

ROOT = Path(__file__).resolve().parents[2]
SAMPLES_DIR = ROOT / "conf-samples"
MIGRATE = SAMPLES_DIR / "migrate"
JK_DIR = MIGRATE / "from-mod_jk"
GUIDE = SAMPLES_DIR / "guide" / "cluster.conf"
DEBIAN_CONF = SAMPLES_DIR / "debian" / "cluster_ajp.conf"
SNIPPET = SAMPLES_DIR / "tomcat" / "server-ajp-snippet.xml"
PROXY_BEFORE = MIGRATE / "mod_proxy_ajp-before.conf"
PROXY_AFTER = MIGRATE / "from-mod_proxy_ajp.conf"
JK_CONF = JK_DIR / "mod_jk.conf"
JK_WORKERS = JK_DIR / "workers.properties"
JK_AFTER = JK_DIR / "cluster_ajp.conf"

# Samples for the modules mod_cluster_ajp replaces: checked with those modules, never with ours.
STOCK_SAMPLES = {PROXY_BEFORE, JK_CONF}
SAMPLES = sorted(p for p in SAMPLES_DIR.rglob("*.conf") if p not in STOCK_SAMPLES)
# The other files, and where they are checked.
OTHER_FILES = {
    SAMPLES_DIR / "debian" / "cluster_ajp.load": "test_install.py",
    SNIPPET: "test_tomcat_snippet_in_debian_server_xml",
    JK_WORKERS: "test_mod_jk_sample_passes_with_mod_jk_and_maps_to_ours",
}

MODS = Path(httpd_util.modules_dir())
AUTH_MODULES = "".join(
    f"LoadModule {name}_module {MODS}/mod_{name}.so\n"
    for name in ("auth_basic", "authn_core", "authn_file", "authz_user", "authz_host"))
# Debian's stock server.xml, which the snippet's comments tell to edit.
TOMCAT_STOCK_SERVER_XML = Path("/usr/share/tomcat10/skel/conf/server.xml")
SECRET = "CHANGE-ME"  # the secret of every sample, on both sides
SESSION_PAGE = "/examples/servlets/servlet/SessionExample"
LOAD_OURS = re.compile(r"^LoadModule\s+cluster_ajp_module\s+\S+$", re.M)


# ---- helpers --------------------------------------------------------------------------------

def directives(text):
    """The non-empty, non-comment lines of a config, stripped."""
    return [ln.strip() for ln in text.splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]


def commented_lines(text):
    """The comment lines of a config with their '# ' taken off, stripped, empty ones dropped."""
    out = []
    for ln in text.splitlines():
        s = ln.strip()
        if s.startswith("#") and s[1:].strip():
            out.append(s[1:].strip())
    return out


def contains_run(lines, run):
    """True when `run` occurs in `lines` as consecutive items."""
    return any(lines[i:i + len(run)] == run for i in range(len(lines) - len(run) + 1))


def for_our_module(text, module):
    """A sample for our module: its own `LoadModule cluster_ajp_module` (if any) now loads the
    module under test. Returns (text, whether the sample loads the module itself)."""
    own = bool(LOAD_OURS.search(text))
    return LOAD_OURS.sub(f'LoadModule cluster_ajp_module "{module}"', text), own


def for_stock_modules(text):
    """A sample for httpd's own modules, with their paths on this machine."""
    return (text.replace(" modules/", f" {MODS}/")
            .replace("/usr/lib/apache2/modules/", f"{MODS}/"))


def uncommented_debian_sample(text):
    """The commented-out configuration of debian/cluster_ajp.conf, from its <IfModule> on."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("# <IfModule"))
    return "\n".join(ln[2:] if ln.startswith("# ") else ln.lstrip("#")
                     for ln in lines[start:]) + "\n"


def jk_workers(text):
    """workers.properties -> {worker: {property: value}} (worker.list under key "")."""
    out = {}
    for ln in text.splitlines():
        m = re.match(r"\s*worker\.(\w+)\.(\w+)\s*=\s*(.*?)\s*$", ln)
        if m:
            out.setdefault(m.group(1), {})[m.group(2)] = m.group(3)
        m = re.match(r"\s*worker\.list\s*=\s*(.*?)\s*$", ln)
        if m:
            out.setdefault("", {})["list"] = m.group(1)
    return out


def member_params(text):
    """BalancerMember lines -> {"host:port": {key: value}}."""
    out = {}
    for m in re.finditer(r'^\s*BalancerMember\s+"?ajp://([^/"\s]+)"?((?:\s+\S+=\S*)*)\s*$',
                         text, re.M):
        out[m.group(1)] = dict(kv.split("=", 1) for kv in m.group(2).split())
    return out


def sha_htpasswd(path, user, password):
    """An htpasswd file in httpd's {SHA} format, readable by the httpd children."""
    digest = base64.b64encode(hashlib.sha1(password.encode()).digest()).decode()
    path.write_text(f"{user}:{{SHA}}{digest}\n")
    path.chmod(0o644)


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


# ---- apachectl -t ---------------------------------------------------------------------------

def test_every_sample_file_is_checked():
    files = {p for p in SAMPLES_DIR.rglob("*") if p.is_file()}
    unchecked = files - set(SAMPLES) - STOCK_SAMPLES - set(OTHER_FILES)
    assert not unchecked, f"conf-samples without a check: {sorted(map(str, unchecked))}"
    assert set(OTHER_FILES) <= files


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_conf_sample_passes_configtest(sample, httpd_factory, module):
    text, own_load = for_our_module(sample.read_text(), module)
    h = httpd_factory(extra_conf=AUTH_MODULES + text, load_module=not own_load)
    rc, out = h.config_test()
    assert rc == 0, out
    assert "Syntax OK" in out


def test_debian_conf_sample_uncommented_passes_configtest(httpd_factory):
    text = uncommented_debian_sample(DEBIAN_CONF.read_text())
    assert len(member_params(text)) == 2, text  # the sample itself, not an empty file
    rc, out = httpd_factory(extra_conf=text).config_test()
    assert rc == 0, out


def test_guide_sample_also_passes_with_stock_modules(httpd_factory):
    """The guide's lines mean the same to mod_proxy: switching is a matter of LoadModule."""
    stock = for_stock_modules("".join(ln + "\n" for ln in directives(PROXY_BEFORE.read_text())
                                      if ln.startswith("LoadModule")))
    h = httpd_factory(extra_conf=AUTH_MODULES + stock + GUIDE.read_text(), load_module=False,
                      log_level="warn")
    rc, out = h.config_test()
    assert rc == 0, out


def test_mod_proxy_ajp_before_sample_passes_with_the_stock_modules(httpd_factory):
    before = PROXY_BEFORE.read_text()
    h = httpd_factory(extra_conf=AUTH_MODULES + for_stock_modules(before), load_module=False,
                      log_level="warn")
    rc, out = h.config_test()
    assert rc == 0, out
    rc, out = h.loaded_modules()
    assert "proxy_ajp_module" in out and "cluster_ajp_module" not in out, out

    after = PROXY_AFTER.read_text()
    loads = [ln for ln in directives(before) if ln.startswith("LoadModule")]
    assert len(loads) == 5, loads
    assert [ln for ln in directives(after) if ln.startswith("LoadModule")] == [
        "LoadModule cluster_ajp_module modules/mod_cluster_ajp.so"]
    # Every other line stays as it was...
    rest = [ln for ln in directives(before) if not ln.startswith("LoadModule")]
    assert [ln for ln in directives(after) if not ln.startswith("LoadModule")] == rest
    # ...and the "before" configuration is quoted in full in the comments of the "after" one.
    assert contains_run(commented_lines(after), loads + rest), (
        "from-mod_proxy_ajp.conf's comments must quote mod_proxy_ajp-before.conf")


@pytest.mark.skipif(not (MODS / "mod_jk.so").exists(),
                    reason="mod_jk not installed (libapache2-mod-jk, scripts/install-deps)")
def test_mod_jk_sample_passes_with_mod_jk_and_maps_to_ours(httpd_factory):
    h = httpd_factory(load_module=False, log_level="warn")
    h.extra_conf = AUTH_MODULES + mod_jk_conf(h, JK_WORKERS.read_text())
    h.write_conf()
    rc, out = h.config_test()
    assert rc == 0, out
    rc, out = h.loaded_modules()
    assert "jk_module" in out and "cluster_ajp_module" not in out, out

    # cluster_ajp.conf says what workers.properties says, setting by setting.
    workers = jk_workers(JK_WORKERS.read_text())
    members = member_params(JK_AFTER.read_text())
    lbs = [w for w in workers[""]["list"].split(",") if workers[w]["type"] == "lb"]
    assert lbs == ["loadbalancer"]
    lb = workers["loadbalancer"]
    balanced = lb["balance_workers"].split(",")
    assert len(members) == len(balanced) == 2
    for name in balanced:
        w = workers[name]
        assert w["type"] == "ajp13"
        p = members[f"{w['host']}:{w['port']}"]
        assert p["route"] == w.get("route", name)
        assert p["loadfactor"] == w.get("lbfactor", "1")
        assert p["secret"] == w["secret"] == SECRET
        assert p["connectiontimeout"] == f"{w['socket_connect_timeout']}ms"
        assert int(p["timeout"]) * 1000 == int(w["reply_timeout"])
        if set(w.get("ping_mode", "")) & set("AP"):
            assert "ping" in p
    after = JK_AFTER.read_text()
    sticky = lb.get("sticky_session", "true").lower() in ("true", "1")
    assert ('stickysession=JSESSIONID' in after) == sticky
    method = {"R": "byrequests", "B": "bybusyness", "T": "bytraffic"}[lb.get("method", "R")[0]]
    assert f"lbmethod={method}" in after
    mounts = re.findall(r"^JkMount\s+(\S+)\s+(\S+)", JK_CONF.read_text(), re.M)
    for path, worker in mounts:
        if workers[worker]["type"] == "lb":
            prefix = path.removesuffix("/*")
            assert f'ProxyPass "{prefix}" "balancer://{worker}{prefix}"' in after
        else:
            assert workers[worker]["type"] == "status"
            assert "SetHandler balancer-manager" in after


def mod_jk_conf(h, workers_text, ports=None):
    """mod_jk.conf for the httpd h: workers file, shm and log in h's ServerRoot."""
    workers = h.root / "workers.properties"
    workers.write_text(localize(workers_text, ports) if ports else workers_text)
    text = for_stock_modules(JK_CONF.read_text())
    text = text.replace("/etc/libapache2-mod-jk/workers.properties", str(workers))
    return text.replace("/var/log/apache2/", f"{h.logs}/")


def test_manager_basic_auth_sample_asks_for_the_password(httpd_factory):
    """The sample works, and a password file httpd cannot read looks as its comment says: a
    prompt, then 500 and AH01620 in the log."""
    sample = (SAMPLES_DIR / "manager" / "balancer-manager-basic-auth.conf").read_text()
    h = httpd_factory()
    pwfile = h.root / "manager.htpasswd"
    sha_htpasswd(pwfile, "admin", "s3cret")
    h.extra_conf = AUTH_MODULES + sample.replace(
        "/etc/apache2/balancer-manager.htpasswd", str(pwfile))
    h.write_conf()
    h.start()
    assert h.get("/balancer-manager")[0] == 401
    assert h.get("/balancer-manager", headers=basic("admin", "wrong"))[0] == 401
    assert h.get("/balancer-manager", headers=basic("admin", "s3cret"))[0] == 200
    h.stop()
    if os.geteuid() == 0:
        pwfile.chmod(0o600)  # root's; the children run as nobody: they cannot read it now
    else:
        pwfile.unlink()  # the children run as this user: a wrong path instead
    h.start()
    assert h.get("/balancer-manager")[0] == 401
    assert h.get("/balancer-manager", headers=basic("admin", "s3cret"))[0] == 500
    assert "AH01620: Could not open password file" in h.error_log_text()


# ---- the Tomcat snippet, and every sample against the same two nodes ------------------------

def parse_xml(text):
    """ElementTree of an XML text, comments kept."""
    return ET.fromstring(text, parser=ET.XMLParser(target=ET.TreeBuilder(insert_comments=True)))


def snippet_parts():
    """(Server, HTTP Connector, AJP Connector, Engine) elements of the snippet."""
    server = parse_xml(SNIPPET.read_text())
    service = server.find("Service")
    return (server, service.find("Connector[@protocol='HTTP/1.1']"),
            service.find("Connector[@protocol='AJP/1.3']"), service.find("Engine"))


def splice_snippet(node, _generated):
    """Debian's stock server.xml with the snippet's changes, as its comments tell, for node K:
    the AJP Connector added (this node's port), jvmRoute="nodeK" on the Engine, and this
    node's own ports: shutdown port unique on node1 and -1 on node2 (the two choices the
    snippet gives), HTTP connector on the snippet's address."""
    s_server, s_http, s_ajp, s_engine = snippet_parts()
    root = parse_xml(TOMCAT_STOCK_SERVER_XML.read_text())
    service = root.find("Service[@name='Catalina']")
    assert service.find("Connector[@protocol='AJP/1.3']") is None  # commented out in stock
    engine = service.find("Engine")
    service.insert(list(service).index(engine),
                   ET.Element("Connector", dict(s_ajp.attrib, port=str(node.ajp_port))))
    engine.set("jvmRoute", node.route)
    http = service.find("Connector[@protocol='HTTP/1.1']")
    http.set("port", str(node.http_port))
    http.set("address", s_http.get("address"))
    root.set("port", str(node.shutdown_port) if node.index == 1 else "-1")
    root.set("shutdown", node.shutdown_word)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def localize(text, ports):
    """A sample with its Tomcat ports (8009, 8019) replaced by the test nodes'."""
    return re.sub(r"\b(8009|8019)\b", lambda m: str(ports[m.group(1)]), text)


@pytest.fixture(scope="module")
def snippet_cluster():
    """Two Tomcat nodes whose server.xml is Debian's with the snippet spliced in."""
    missing = tomcat.missing_requirements()
    if not TOMCAT_STOCK_SERVER_XML.exists():
        missing.append(f"{TOMCAT_STOCK_SERVER_XML} (tomcat10-user)")
    if missing:
        msg = f"Tomcat 10.1 nodes need: {', '.join(missing)} (scripts/install-deps)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    cluster = tomcat.TomcatCluster(2, server_xml=splice_snippet)
    try:
        cluster.create()
        cluster.start(warm_up=False)
        n1, n2 = cluster.nodes
        cluster.ports = {"8009": n1.ajp_port, "8019": n2.ajp_port}
        yield cluster
    finally:
        cluster.cleanup()


def test_tomcat_snippet_in_debian_server_xml(snippet_cluster):
    s_server, s_http, s_ajp, s_engine = snippet_parts()
    # The snippet is node1's, with the values every sample on the httpd side uses.
    assert s_ajp.attrib == {"protocol": "AJP/1.3", "address": "127.0.0.1", "port": "8009",
                            "secretRequired": "true", "secret": SECRET}
    assert s_engine.get("jvmRoute") == "node1"
    for node in snippet_cluster.nodes:
        xml = parse_xml((node.base / "conf" / "server.xml").read_text())
        assert xml.find(".//Realm[@className='org.apache.catalina.realm.LockOutRealm']") \
            is not None  # the rest of Debian's file is there
        assert xml.find(".//Engine").get("jvmRoute") == node.route
        assert node.cping()  # the connector runs (start() waited for it, too)
        with node.ajp() as c:
            refused = c.request(uri=SESSION_PAGE, headers=[("Host", "localhost")])
        assert refused.status == 403, "Tomcat served an AJP request without the secret"
        with node.ajp() as c:
            ok = c.request(uri=SESSION_PAGE, headers=[("Host", "localhost")], secret=SECRET)
        assert ok.status == 200, ok
        cookie = ok.header("Set-Cookie") or ""
        assert re.match(rf"JSESSIONID=[0-9A-F]+\.{node.route};", cookie), cookie


def sessions_stick(h, path=SESSION_PAGE, url_sessions=False):
    """New sessions land on both nodes, and each one's requests stay on its node (the cookie,
    or with url_sessions also ;jsessionid= in the URL). Returns {route: session id}."""
    sessions = {}
    for _ in range(4):
        status, headers, body = h.get(path)
        assert status == 200, body[:300]
        m = re.match(r"JSESSIONID=([0-9A-F]+\.(\w+));", headers.get("set-cookie", ""))
        assert m, headers
        sessions.setdefault(m.group(2), m.group(1))
    assert set(sessions) == {"node1", "node2"}, sessions
    for sid in sessions.values():
        tries = [{"headers": {"Cookie": f"JSESSIONID={sid}"}}] * 3
        if url_sessions:
            tries += [{"path": f"{path};jsessionid={sid}"}] * 3
        for t in tries:
            # A request on the other node would not find the session: a new one, a new cookie.
            status, headers, body = h.get(t.get("path", path), headers=t.get("headers"))
            assert status == 200 and "set-cookie" not in headers, (t, headers)
            assert sid in body.decode(errors="replace")
    return sessions


def test_guide_sample_serves_the_snippet_cluster(snippet_cluster, httpd_factory):
    h = httpd_factory()
    pwfile = h.root / "balancer-manager.htpasswd"
    sha_htpasswd(pwfile, "admin", "s3cret")
    conf = localize(GUIDE.read_text(), snippet_cluster.ports).replace(
        "/etc/apache2/balancer-manager.htpasswd", str(pwfile))
    h.extra_conf = AUTH_MODULES + conf
    h.write_conf()
    h.start()
    sessions_stick(h, url_sessions=True)
    assert h.get("/balancer-manager")[0] == 401
    status, _, body = h.get("/balancer-manager?format=json", headers=basic("admin", "s3cret"))
    assert status == 200
    for port in snippet_cluster.ports.values():
        assert f"ajp://127.0.0.1:{port}" in body.decode()


MIGRATIONS = {
    "mod_proxy_ajp-before (stock mod_proxy_ajp)": "proxy-before",
    "from-mod_proxy_ajp (ours)": "proxy-after",
    "from-mod_jk/mod_jk.conf (mod_jk)": "jk-before",
    "from-mod_jk/cluster_ajp.conf (ours)": "jk-after",
}


@pytest.mark.parametrize("which", list(MIGRATIONS.values()), ids=list(MIGRATIONS))
def test_migration_samples_serve_the_snippet_cluster(which, snippet_cluster, httpd_factory,
                                                      module):
    """Before and after of each migration do the same with the same two Tomcat nodes."""
    ports = snippet_cluster.ports
    if which == "jk-before" and not (MODS / "mod_jk.so").exists():
        pytest.skip("mod_jk not installed (libapache2-mod-jk, scripts/install-deps)")
    if which == "proxy-before":
        text = localize(for_stock_modules(PROXY_BEFORE.read_text()), ports)
        h = httpd_factory(extra_conf=AUTH_MODULES + text, load_module=False, log_level="warn")
        status_page = "/balancer-manager"
    elif which == "proxy-after":
        text, _ = for_our_module(localize(PROXY_AFTER.read_text(), ports), module)
        h = httpd_factory(extra_conf=AUTH_MODULES + text, load_module=False)
        status_page = "/balancer-manager"
    elif which == "jk-before":
        h = httpd_factory(load_module=False, log_level="warn")
        h.extra_conf = AUTH_MODULES + mod_jk_conf(h, JK_WORKERS.read_text(), ports)
        h.write_conf()
        status_page = "/jkstatus?mime=txt"
    else:
        h = httpd_factory(extra_conf=AUTH_MODULES + localize(JK_AFTER.read_text(), ports))
        status_page = "/balancer-manager"
    h.start()
    sessions_stick(h)
    status, _, body = h.get(status_page)
    assert status == 200, body[:500]
    text = body.decode(errors="replace")
    for port in ports.values():
        assert str(port) in text, text[:2000]
