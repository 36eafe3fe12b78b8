"""Shared test configuration: hypothesis profiles (a larger one on CI), and how pytest-xdist
shares the tests between its workers (`make test` runs ``-n 2 --dist loadgroup``)."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# The CI profile is derandomized, so it has no example database. The dev profile keeps the
# default one (.hypothesis/examples), which two workers may share: Hypothesis writes each
# example to its own file through a rename, and every test runs on one worker.
settings.register_profile(
    "dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# The class database of every test (and of the browser tests' server, which inherits the
# environment) is a fresh SQLite file in a temporary folder, never one in the repository.
_DATABASE_DIR = Path(tempfile.mkdtemp(prefix="emlab-db-"))
atexit.register(shutil.rmtree, _DATABASE_DIR, True)
os.environ["EMLAB_DATABASE_URL"] = str(_DATABASE_DIR / "classes.db")

#: The browser tests' folder, relative to the root (node ids start there).
E2E = "tests/e2e/"


# tryfirst: before xdist's own hook, which would pick its scheduler; optionalhook: -p no:xdist
@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``--dist loadgroup`` with this project's groups, which it derives from the node ids.

    - Every browser test (tests/e2e) is in one group, on one worker: the session-scoped
      fixtures start one Streamlit server and one Chromium per worker, and two of each at once
      on two cores make the browser tests slow enough to time out. The group is handed out
      first, as it is the longest; the other worker runs the rest meanwhile.
    - Any other test file is a group of its own (as ``--dist loadfile``), so a module-scoped
      fixture is built once: tests/test_packaging.py builds and installs a wheel once, and the
      case studies fit their data set once.
    - An ``xdist_group`` mark is honoured when xdist can see it. xdist 3.8.0 cannot under
      pytest 9.2 (it writes the group into ``item._nodeid``, which pytest 9.2 no longer reads:
      pytest-dev/pytest-xdist#1386), which is why the groups above come from paths.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ProjectGroups(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            if scope != nodeid:  # an xdist_group mark xdist could read
                return scope
            path = nodeid.split("::", 1)[0]
            return E2E if path.startswith(E2E) else path

        def _assign_work_unit(self, node) -> None:
            if E2E in self.workqueue:  # the longest group first
                self.workqueue.move_to_end(E2E, last=False)
            super()._assign_work_unit(node)

    return ProjectGroups(config, log)


@pytest.fixture(autouse=True)
def keep_main_module():
    """Put ``sys.modules["__main__"]`` back after each test. Streamlit's AppTest leaves it set
    to the script it ran (for ``from_function``, a temporary file calling ``f(*__args)``), and
    a process that multiprocessing's spawn starts later in the same worker (dask's
    LocalCluster workers) re-runs ``__main__``'s file first: the workers died with "NameError:
    name '__args' is not defined" (clean-clone CI, 2026-12-04)."""
    import sys

    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main
