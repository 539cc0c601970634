"""pytest fixtures for real Tomcat 10.1 nodes (see tomcat.py). A plugin module: register it with
`pytest_plugins = ["conftest_tomcat"]` (in conftest.py, or in a test module).

    tomcat_cluster   session scope: a TomcatCluster of 2 started nodes (node1, node2), created
                     and started once per test session, stopped (SIGTERM) at its end.
    tomcat_nodes     function scope: the cluster's nodes, all running (a node an earlier test
                     stopped or killed is started again first).

Without the Debian packages the fixtures skip, except under CI=true where they fail (CI installs
them with scripts/install-deps).

PYTEST_DONT_REWRITE
"""

import os
import time

import pytest

import tomcat

NODE_COUNT = 2
_report = []  # lines for the terminal summary


@pytest.fixture(scope="session")
def tomcat_cluster():
    missing = tomcat.missing_requirements()
    if missing:
        msg = (f"Tomcat 10.1 nodes need: {', '.join(missing)}; install the Debian packages "
               f"{tomcat.PACKAGES} (scripts/install-deps)")
        if os.environ.get("CI") == "true":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    t0 = time.monotonic()
    cluster = tomcat.TomcatCluster(NODE_COUNT)
    try:
        cluster.create()
        cluster.start()
    except Exception:
        cluster.cleanup()
        raise
    cluster.timings["session_setup"] = time.monotonic() - t0
    t = cluster.timings
    _report.append(
        f"Tomcat cluster ({NODE_COUNT} nodes, {cluster.root}): set up in "
        f"{t['session_setup']:.1f} s (create {t['create']:.1f} s, parallel start to CPONG "
        + ", ".join(f"{n.route} {n.last_start_seconds:.1f} s" for n in cluster.nodes)
        + f", JSP warm-up included: {t['first_start']:.1f} s)")
    print(_report[-1])
    yield cluster
    t1 = time.monotonic()
    cluster.cleanup()
    _report.append(f"Tomcat cluster stopped in {time.monotonic() - t1:.1f} s")


@pytest.fixture
def tomcat_nodes(tomcat_cluster):
    tomcat_cluster.ensure_running()
    return tomcat_cluster.nodes


def pytest_terminal_summary(terminalreporter):
    for line in _report:
        terminalreporter.write_line(line)
