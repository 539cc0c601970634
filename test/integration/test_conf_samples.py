"""Every conf-sample passes `apachectl -t` with the module (and the httpd modules it names)."""

import pathlib

import pytest

import httpd_util

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "conf-samples").rglob("*.conf"))
MODS = httpd_util.modules_dir()
AUTH_MODULES = "".join(
    f"LoadModule {name}_module {MODS}/mod_{name}.so\n"
    for name in ("auth_basic", "authn_core", "authn_file", "authz_user", "authz_host"))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_conf_sample_passes_configtest(sample, httpd_factory):
    text = sample.read_text()
    h = httpd_factory(extra_conf=AUTH_MODULES + text)
    rc, out = h.config_test()
    assert rc == 0, out
