"""The arrows point one way: import-linter's contracts in pyproject.toml hold, and no page
script imports another page (the pages are scripts, not a package import-linter can see)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES_DIR = ROOT / "dashboard" / "app_pages"
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """Run import-linter on the project in ``cwd`` (it puts ``cwd`` first on sys.path)."""
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_import_contracts_hold():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("emlib/em.py", "import streamlit", "emlib never imports the dashboard"),
        ("emlib/params.py", "from dashboard import plots", "emlib never imports the dashboard"),
        ("emlib/params.py", "import plotly.graph_objects", "emlib never imports the dashboard"),
        ("emlib/mstep.py", "from emlib.io import export", "emlib's core never imports"),
        ("emlib/selection.py", "import emlib.cases.fraud", "emlib's core never imports"),
        ("emlib/em.py", "from emlib.teaching import local_optima", "emlib's core never imports"),
        ("emlib/params.py", "import emlib.teaching.exercises", "emlib's core never imports"),
        (
            "emlib/cases/fraud/run.py",
            "from emlib.io import export",
            "are independent of each other",
        ),
        (
            "emlib/cases/fraud/data.py",
            "from emlib.cases.fraud import run",
            "emlib has no import cycle",
        ),
        ("emlib/io/export.py", "from emlib.teaching import convergence", "are independent"),
        ("emlib/gaussian.py", "from emlib import em", "emlib has no import cycle"),
        ("emlib/fast.py", "import dask.array", "Only emlib.scale imports dask"),
        ("emlib/em.py", "from distributed import Client", "Only emlib.scale imports dask"),
        ("emlib/teaching/exercises/core.py", "from . import kinds", "emlib has no import cycle"),
        (
            "dashboard/app_pages/fraud_detection/run.py",
            "from dashboard.app_pages.your_data import run",
            "No page imports another page",
        ),
        (
            "dashboard/components/viewer.py",
            "from dashboard.app_pages.exercises import run",
            "dashboard layers",
        ),
        (
            "dashboard/uploads/tables.py",
            "from dashboard.components import share",
            "dashboard layers",
        ),
    ],
)
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, line, contract):
    """The contracts bite: the project, copied with one forbidden import added, fails."""
    for folder in ("emlib", "dashboard"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__py*"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / module).open("a") as file:
        file.write(f"\n{line}  # noqa\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0, done.stdout
    broken = done.stdout.split("Broken contracts")[-1]
    assert contract in broken, done.stdout


# ------------------------------------------------------------------------- pages are apart
def page_of(path: Path) -> str:
    """A page is a script app_pages/<page>.py or a folder app_pages/<page>/."""
    return path.relative_to(PAGES_DIR).parts[0].removesuffix(".py")


def imported_pages(source: str, page: str, pages: set[str]) -> set[str]:
    """The pages other than ``page`` that a file of ``page`` imports.

    Counted: ``dashboard.app_pages.X``, ``app_pages.X`` (Streamlit puts dashboard/ on
    sys.path), a bare ``X`` (a page folder's modules sit beside the page's script), ``from
    dashboard.app_pages import X`` and relative imports that leave the page's own folder.
    """
    targets: set[str] = set()
    in_folder = page in pages and not (PAGES_DIR / f"{page}.py").exists()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [(alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            if node.level == 0:
                modules = [(node.module or "", names)]
            elif node.level == 1 and in_folder:
                continue  # the page's own folder
            else:  # relative to app_pages/ (a script's ".", a folder's "..")
                modules = [(".".join(["app_pages", *filter(None, [node.module])]), names)]
        else:
            continue
        for module, names in modules:
            parts = module.split(".")
            if parts[:2] == ["dashboard", "app_pages"]:
                parts = parts[1:]
            if parts[0] == "app_pages":
                targets |= {parts[1]} if len(parts) > 1 else set(names) or {"app_pages"}
            elif parts[0] in pages:
                targets.add(parts[0])
    return targets - {page}


def test_no_page_imports_another_page():
    pages = {path.name for path in PAGES_DIR.iterdir() if (path / "page.py").exists()}
    assert len(pages) > 1
    offenders = {}
    for path in sorted(PAGES_DIR.glob("*/*.py")):
        found = imported_pages(path.read_text(), page_of(path), pages)
        if found:
            offenders[str(path.relative_to(ROOT))] = sorted(found)
    assert offenders == {}


@pytest.mark.parametrize(
    "line",
    [
        "from dashboard.app_pages.home import x",
        "import dashboard.app_pages.home",
        "from dashboard.app_pages import home",
        "import app_pages.home",
        "from app_pages import home",
        "import home",
        "from home import x",
        "from .. import home",
        "from ..home import x",
    ],
)
def test_the_page_check_sees_an_import_of_another_page(line):
    assert imported_pages(line, "step_by_step", {"home", "step_by_step"}) == {"home"}


def test_the_page_check_sees_an_import_of_the_pages_folder():
    assert imported_pages("import dashboard.app_pages", "home", {"home"}) == {"app_pages"}


def test_the_page_check_allows_the_dashboards_own_modules():
    source = (
        "import streamlit as st\nfrom dashboard.components.viewer import x\nfrom emlib import y"
    )
    assert imported_pages(source, "home", {"home", "step_by_step"}) == set()


def test_a_page_folder_may_import_its_own_modules_but_not_another_pages():
    source = "from .charts import x\nfrom . import texts\nfrom ..home import y"
    assert imported_pages(source, "retail", {"home", "retail"}) == {"home"}


# ------------------------------------------------------------------------- caches are bounded
CACHE_DECORATORS = {"cache_data", "cache_resource"}


def unbounded_caches(source: str) -> list[str]:
    """The functions in ``source`` cached by ``st.cache_data`` / ``st.cache_resource`` (as a
    decorator or as a call, ``st.cache_data(f)``) with neither ``max_entries`` nor ``ttl``.

    A server is shared by a class: an unbounded cache grows with every student's every
    setting (``dashboard/components/caching.py`` states the bounds and why).
    """

    def name(node: ast.AST) -> str | None:
        if isinstance(node, ast.Attribute):
            return node.attr
        return node.id if isinstance(node, ast.Name) else None

    def bounded(call: ast.Call) -> bool:
        return any(kw.arg in {"max_entries", "ttl"} for kw in call.keywords)

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            bare = [deco for deco in node.decorator_list if name(deco) in CACHE_DECORATORS]
            called = [
                deco
                for deco in node.decorator_list
                if isinstance(deco, ast.Call) and name(deco.func) in CACHE_DECORATORS
            ]
            if bare or any(not bounded(deco) for deco in called):
                found.append(node.name)
        elif (
            isinstance(node, ast.Call)
            and name(node.func) in CACHE_DECORATORS
            and node.args  # st.cache_data(f, ...): a call on a function
            and not bounded(node)
        ):
            found.append(ast.unparse(node.args[0]))
    return found


def test_every_cache_in_the_dashboard_states_a_bound():
    offenders = {}
    files = sorted((ROOT / "dashboard").rglob("*.py"))
    for path in files:
        found = unbounded_caches(path.read_text())
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}
    assert sum("cache_data" in path.read_text() for path in files) > 10  # the scan sees them


@pytest.mark.parametrize(
    "source",
    [
        "@st.cache_data\ndef f(x): ...",
        "@st.cache_resource\ndef f(): ...",
        "@st.cache_data(show_spinner=False)\ndef f(x): ...",
        "@streamlit.cache_resource()\ndef f(): ...",
        "from streamlit import cache_data\n@cache_data(show_spinner='...')\ndef f(x): ...",
        "def g(x): ...\nf = st.cache_data(g)",
    ],
)
def test_the_cache_check_sees_an_unbounded_cache(source):
    assert unbounded_caches(source)


@pytest.mark.parametrize(
    "source",
    [
        "@st.cache_data(max_entries=8)\ndef f(x): ...",
        "@st.cache_resource(ttl=60)\ndef f(): ...",
        "@st.cache_data(show_spinner=False, max_entries=caching.FIT, ttl=caching.UPLOAD_TTL)\n"
        "def f(x): ...",
        "def g(x): ...\nf = st.cache_data(g, max_entries=4)",
    ],
)
def test_the_cache_check_accepts_a_bounded_cache(source):
    assert unbounded_caches(source) == []


# ------------------------------------------------------------- one way to write the address
ADDRESS_WRITERS = {"query_params"}
ADDRESS_METHODS = {"clear", "pop", "update", "from_dict", "setdefault", "popitem"}


def address_writes(source: str) -> list[str]:
    """The statements in ``source`` that change ``st.query_params`` directly: an item set or
    deleted, or a changing method called.

    Pages write their address through ``dashboard.components.share.set_url_param``, which also
    records the write for the Share link (a run's ``st.query_params`` is the address its
    request carried, which can predate another fragment's move).
    """

    def is_query_params(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr in ADDRESS_WRITERS

    found = []
    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
            targets = node.targets if not isinstance(node, ast.AugAssign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Subscript) and is_query_params(target.value):
                found.append(ast.unparse(node))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ADDRESS_METHODS
            and is_query_params(node.func.value)
        ):
            found.append(ast.unparse(node))
    return found


def test_pages_write_their_address_only_through_share_set_url_param():
    offenders = {}
    for path in sorted((ROOT / "dashboard").rglob("*.py")):
        if path.relative_to(ROOT).as_posix() == "dashboard/components/share.py":
            continue
        found = address_writes(path.read_text())
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}
    assert address_writes((ROOT / "dashboard/components/share.py").read_text())  # scan sees


@pytest.mark.parametrize(
    "source",
    [
        "st.query_params['k'] = '2'",
        "del st.query_params[name]",
        "st.query_params.clear()",
        "st.query_params.update({'a': 'b'})",
        "st.query_params.pop('a', None)",
    ],
)
def test_the_address_check_sees_a_direct_write(source):
    assert address_writes(source)


def test_the_address_check_allows_reading_the_address():
    assert address_writes("x = st.query_params.get('k')\nd = st.query_params.to_dict()") == []


# A name with a leading underscore is its module's own: another module that needs it should
# find it public (and documented) instead.
PROJECT_PACKAGES = {"emlib", "dashboard", "bench"}


def private_imports(source: str) -> list[str]:
    """The ``_private`` names ``source`` imports from the project's modules (relative imports
    included); dunder names such as ``__version__`` are public."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        ours = node.level > 0 or (node.module or "").split(".")[0] in PROJECT_PACKAGES
        found += [
            f"{node.module or '.'}.{alias.name}"
            for alias in node.names
            if ours and alias.name.startswith("_") and not alias.name.startswith("__")
        ]
    return found


def test_no_module_imports_another_modules_private_name():
    offenders = {}
    for package in sorted(PROJECT_PACKAGES):
        for path in sorted((ROOT / package).rglob("*.py")):
            found = private_imports(path.read_text())
            if found:
                offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    [
        "from emlib.hmm import _dirichlet_mode",
        "from dashboard.components.figures import scatter_trace, _means_trace",
        "from .features import _to_rgb",
    ],
)
def test_the_private_import_check_sees_a_private_name(source):
    assert private_imports(source)


def test_the_private_import_check_allows_public_dunder_and_other_packages_names():
    source = (
        "from emlib.hmm import dirichlet_mode\nfrom emlib import __version__\n"
        "from sklearn.mixture._base import _check_shape\nfrom __future__ import annotations"
    )
    assert private_imports(source) == []


# Every chart goes through dashboard.components.charts (issue 21): one st.plotly_chart on a
# page would make the browser fetch Streamlit's 4.7 MB Plotly chunk besides the app's
# own 1.2 MB plotly.js bundle, and the first chart would wait for both.
def streamlit_plotly_calls(source: str, method: str = "plotly_chart") -> list[str]:
    """The calls of a ``plotly_chart`` method (``st.plotly_chart``, ``column.plotly_chart``)
    in ``source``; the app's own ``plotly_chart`` function is a plain name, not a method."""
    return [
        ast.unparse(node)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == method
    ]


def test_every_chart_is_drawn_by_the_apps_own_element():
    offenders = {}
    for path in sorted((ROOT / "dashboard").rglob("*.py")):
        found = streamlit_plotly_calls(path.read_text())
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    ["st.plotly_chart(fig)", "left.plotly_chart(fig, key='a')", "st.sidebar.plotly_chart(f)"],
)
def test_the_chart_check_sees_streamlits_plotly_chart(source):
    assert streamlit_plotly_calls(source)


def test_no_page_draws_st_code():
    """``st.code`` (any code box, even without a language) makes a fresh browser fetch and
    run Streamlit's 1.5 MB syntax highlighter before the first chart; links go in
    ``components.link_box``, code for download in a download button (issue 21)."""
    offenders = {}
    for path in sorted((ROOT / "dashboard").rglob("*.py")):
        found = streamlit_plotly_calls(path.read_text(), method="code")
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}
    assert streamlit_plotly_calls("st.sidebar.code(url)", method="code")


def test_the_chart_check_allows_the_apps_own_charts():
    assert streamlit_plotly_calls("plotly_chart(fig, key='a')\nplotly_chart_in(left, fig)") == []
