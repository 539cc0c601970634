"""The balancer manager in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven
by playwright-core from test/browser) logs in with HTTP Basic, sees both members healthy, disables
the second through its edit form and sees the page say so; then the traffic and the JSON agree.
Also, without a browser: the manager is behind Basic auth, the page escapes what the config
holds, and edits without the nonce or by GET are refused.

Needs chromium and test/browser/node_modules (scripts/install-deps installs both); skipped when
they are missing, except under CI=true where that is a failure. Screenshots go to
test-results/manager-before.png and manager-after.png at the repository root.
"""

import base64
import http.client
import json
import os
import shutil
import struct
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

import httpd_util
from test_balancing import MANY_CHILDREN, balancer_conf, load, named, served_by

pytest_plugins = ["fake_ajp"]

BROWSER_DIR = httpd_util.REPO_ROOT / "test" / "browser"
SCRIPT = BROWSER_DIR / "manager.mjs"
RESULTS_DIR = httpd_util.REPO_ROOT / "test-results"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

USER, PASSWORD = "admin", "s3cret-Pw"
AUTH_MODULES = ("auth_basic", "authn_file", "authn_core", "authz_user")  # authz_core: httpd_util


# ---- helpers -------------------------------------------------------------------------------------

def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


GOOD = basic(USER, PASSWORD)


def manager_conf(htpasswd):
    mods = httpd_util.modules_dir()
    lines = [f"LoadModule {m}_module {mods}/mod_{m}.so" for m in AUTH_MODULES]
    lines += [
        "<Location /balancer-manager>",
        "  SetHandler balancer-manager",
        "  AuthType Basic",
        "  AuthName manager",
        f'  AuthUserFile "{htpasswd}"',
        "  Require valid-user",
        "</Location>",
    ]
    return "\n".join(lines) + "\n"


def start(httpd_factory, members, name="mgr"):
    """Prefork httpd with several children, `members` in balancer://NAME at /app, and the manager
    behind Basic auth (an htpasswd file with USER's bcrypt hash)."""
    h = httpd_factory(extra_conf="", mpm="prefork")
    htpasswd = h.root / "htpasswd"
    subprocess.run(["htpasswd", "-bcB", str(htpasswd), USER, PASSWORD], check=True,
                   capture_output=True)
    htpasswd.chmod(0o644)  # the children run as nobody when the tests run as root
    h.extra_conf = MANY_CHILDREN["prefork"] + manager_conf(htpasswd) + balancer_conf(name, members)
    h.write_conf()
    h.start()
    deadline = time.monotonic() + 10
    while len(httpd_util.child_pids(h)) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    return h


def request(h, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=15)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.msg, r.read()
    finally:
        conn.close()


def balancer(h, name):
    status, _, body = request(h, "GET", "/balancer-manager?format=json", headers=GOOD)
    assert status == 200, body
    for b in json.loads(body)["balancers"]:
        if b["name"] == name:
            return b
    raise AssertionError(f"no balancer {name}")


def states(h, name):
    return [m["state"] for m in balancer(h, name)["members"]]


def png_size(path):
    """(width, height) of a PNG file, after checking its signature and IHDR chunk."""
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR", f"{path}: no IHDR chunk first"
    return struct.unpack(">II", data[16:24])


def browser_tools():
    """(node, None) when the browser test can run, else (None, what is missing)."""
    node = shutil.which("node")
    missing = []
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"chromium ({CHROMIUM})")
    if node is None:
        missing.append("node")
    if not (BROWSER_DIR / "node_modules" / "playwright-core" / "package.json").is_file():
        missing.append(f"{BROWSER_DIR / 'node_modules'} (npm ci in test/browser)")
    return node, (", ".join(missing) or None)


def require_browser():
    node, missing = browser_tools()
    if missing:
        why = f"browser test needs {missing}: run scripts/install-deps"
        if os.environ.get("CI") == "true":
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    return node


# ---- the browser ---------------------------------------------------------------------------------

def test_disabling_a_member_in_a_real_browser(httpd_factory, fake_ajp_factory):
    node = require_browser()
    a, b = fake_ajp_factory(handler=named("a")), fake_ajp_factory(handler=named("b"))
    h = start(httpd_factory, [f"{a.url()} route=a", f"{b.url()} route=b"])

    # No credentials, or a wrong password: 401 with a challenge, for the page and for an edit.
    status, msg, _ = request(h, "GET", "/balancer-manager")
    assert status == 401 and msg["WWW-Authenticate"] == 'Basic realm="manager"', status
    assert request(h, "GET", "/balancer-manager", headers=basic(USER, "wrong"))[0] == 401
    assert request(h, "GET", "/balancer-manager?format=json",
                   headers=basic("nobody", "x"))[0] == 401
    nonce = balancer(h, "mgr")["nonce"]
    form = urllib.parse.urlencode({"b": "mgr", "w": b.url(), "w_status_D": "1", "nonce": nonce})
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert request(h, "POST", "/balancer-manager", body=form, headers=form_headers)[0] == 401
    assert states(h, "mgr") == ["active", "active"]

    RESULTS_DIR.mkdir(exist_ok=True)
    shots = {k: RESULTS_DIR / f"manager-{k}.png" for k in ("before", "after")}
    for p in shots.values():
        p.unlink(missing_ok=True)
    config = {
        "baseUrl": f"http://127.0.0.1:{h.port}",
        "path": "/balancer-manager",
        "user": USER,
        "password": PASSWORD,
        "balancer": "mgr",
        "member": 1,
        "members": 2,
        "screenshotBefore": str(shots["before"]),
        "screenshotAfter": str(shots["after"]),
        "chromium": CHROMIUM,
    }
    env = dict(os.environ, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1")
    env.pop("LD_PRELOAD", None)
    t0 = time.monotonic()
    try:
        p = subprocess.run([node, str(SCRIPT), json.dumps(config)], cwd=BROWSER_DIR, env=env,
                           capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"manager.mjs did not finish in 90 s:\n{e.stdout}\n{e.stderr}", pytrace=False)
    took = time.monotonic() - t0
    assert p.returncode == 0, f"manager.mjs exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    summary = json.loads(p.stdout.strip().splitlines()[-1])
    assert summary["ok"] is True
    print(f"manager.mjs: {took:.1f} s, Chromium {summary['browser']}, "
          f"{len(summary['requests'])} requests")

    for k, path in shots.items():
        assert path.is_file(), f"no {k} screenshot"
        width, height = png_size(path)
        assert width >= 1000 and height >= 300, (k, width, height)
        assert path.stat().st_size > 10_000, (k, path.stat().st_size)
    assert shots["before"].read_bytes() != shots["after"].read_bytes()

    # The server agrees with the page: JSON, the log naming the user, and the traffic.
    assert states(h, "mgr") == ["active", "disabled"]
    assert f"changed by {USER} from 127.0.0.1" in h.error_log_text()
    assert load(h, [f"/app/r{i}" for i in range(40)]).count(200) == 40
    assert served_by([a, b]) == [40, 0]
    assert not h.crash_reports()


# ---- no browser: escaping and CSRF --------------------------------------------------------------

def test_the_page_escapes_routes_and_refuses_edits_without_nonce_or_by_get(httpd_factory,
                                                                           fake_ajp_factory):
    a, b = fake_ajp_factory(handler=named("a")), fake_ajp_factory(handler=named("b"))
    h = start(httpd_factory, [f"{a.url()} route=<script>x</script>",
                              f"{b.url()} route=q\"'&z"], name="esc")
    routes = [m["route"] for m in balancer(h, "esc")["members"]]
    assert routes == ["<script>x</script>", "q\"'&z"], routes  # accepted by the config as is

    status, msg, page = request(h, "GET", "/balancer-manager", headers=GOOD)
    assert status == 200 and msg["Content-Type"].startswith("text/html")
    html = page.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script" not in html.lower()  # the page has no script of its own either
    assert "q&quot;&#39;&amp;z" in html
    assert "q\"'&z" not in html

    # CSRF: the right fields without the nonce (POST), or with it but by GET: 403, no change.
    nonce = balancer(h, "esc")["nonce"]
    assert nonce and nonce in html
    fields = {"b": "esc", "w": b.url(), "w_status_D": "1"}
    form_headers = dict(GOOD, **{"Content-Type": "application/x-www-form-urlencoded"})
    status, _, body = request(h, "POST", "/balancer-manager",
                              body=urllib.parse.urlencode(fields), headers=form_headers)
    assert status == 403, body
    assert states(h, "esc") == ["active", "active"]
    query = urllib.parse.urlencode(dict(fields, nonce=nonce))
    status, _, body = request(h, "GET", "/balancer-manager?" + query, headers=GOOD)
    assert status == 403, body
    assert states(h, "esc") == ["active", "active"]
    # The same fields with the nonce, by POST, are what the form sends: accepted.
    status, msg, body = request(h, "POST", "/balancer-manager",
                              body=urllib.parse.urlencode(dict(fields, nonce=nonce)),
                              headers=form_headers)
    # Post/redirect/get: 303 back to the page, which then says "Saved.".
    assert status == 303 and msg["Location"].endswith("/balancer-manager?saved=1"), body
    assert states(h, "esc") == ["active", "disabled"]
