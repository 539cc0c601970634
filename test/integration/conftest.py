"""Fixtures for integration tests against a real httpd (see httpd_util.py for the environment).

    def test_x(httpd_factory):
        h = httpd_factory(extra_conf="...", mpm="prefork")   # not started yet
        h.start()

At teardown every httpd made by the factory is stopped (graceful stop: see Httpd.stop) and its
logs are searched for AddressSanitizer / UBSan ("runtime error:") reports and for children that
died of a signal (AH00051/AH00052): any such line fails the test, and that httpd's ServerRoot is
kept for reading.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpd_util  # noqa: E402  (the path above)

pytest_plugins = ["fake_ajp", "conftest_tomcat"]


@pytest.fixture(scope="session")
def module():
    """Absolute path of the module under test; the test errors out if it was not built."""
    path = httpd_util.module_path()
    if not path.is_file():
        target = "asan" if httpd_util.asan_enabled() else "all"
        pytest.fail(f"module {path} not found: build it (make -f Makefile.apxs {target}) or set "
                    "MCA_MODULE", pytrace=False)
    if httpd_util.asan_enabled():
        httpd_util.asan_runtime()  # raises now, not in the middle of a test
    return path


@pytest.fixture
def httpd_factory(module):
    made = []

    def make(**kwargs):
        kwargs.setdefault("module", module)
        h = httpd_util.Httpd(**kwargs)
        made.append(h)
        return h

    yield make

    reports = []
    for h in made:
        h.stop()
        found = h.sanitizer_reports() + h.crash_reports()
        reports += [f"{h.root}: {line}" for line in found]
        if found:
            # Keep the evidence: the log with the full report stays on disk.
            print(f"sanitizer/crash report in {h.root}; ServerRoot kept")
        else:
            h.cleanup()
    if reports:
        pytest.fail("sanitizer or crash reports in the httpd logs:\n" + "\n".join(reports[:40]),
                    pytrace=False)


@pytest.fixture
def httpd(httpd_factory):
    """An httpd (event MPM) with our module and a default config, not started."""
    return httpd_factory()
