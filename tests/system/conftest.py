# SPDX-License-Identifier: MIT
"""Fixtures for the system tests: each test gets its own station (directory,
config, simulated scale, fake shop, printer listener, daemon), stopped and
removed at teardown; a failing test shows the daemon's stderr."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402


def pytest_collection_modifyitems(config, items):
    missing = [b for b in ("retourd", "retourctl")
               if not os.access(helpers.binary(b), os.X_OK)]
    if not missing:
        return
    skip = pytest.mark.skip(reason="not built: %s (run make)" %
                            ", ".join(helpers.binary(b) for b in missing))
    for item in items:
        if "tests/system" in str(item.fspath) and \
           not str(item.fspath).endswith("test_cli_offline.py"):
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        item._retour_failed = True
    if rep.when == "call" and rep.failed:
        for i, st in enumerate(getattr(item, "_retour_stations", [])):
            rep.sections.append(("retourd log (station %d, %s)" % (i, st.dir),
                                 st.log()[-20000:]))


@pytest.fixture
def make_station(request):
    """make_station(**options) -> a started Station (see helpers.Station);
    start=False leaves the daemon to the test."""
    stations = []
    request.node._retour_stations = stations

    def make(start=True, **kw):
        st = helpers.Station(**kw)
        stations.append(st)
        if start:
            st.start()
        return st

    yield make
    for st in stations:
        st.close()
    failed = getattr(request.node, "_retour_failed", False)
    for st in stations:
        if not failed and not os.environ.get("RETOUR_KEEP"):
            st.cleanup()


@pytest.fixture
def station(make_station):
    """A started station with a clerk signed in, waiting for a parcel."""
    st = make_station()
    st.sign_in()
    return st
