"""GaussianMixtureEM on a dask.distributed LocalCluster of two worker processes: the fit
equals the in-memory fit, its chunk tasks ran on both workers, the outputs compute there, and
the README's "Fitting on a cluster" snippet runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")

from emlib import GaussianMixtureEM  # noqa: E402
from emlib.scale import fit_dask  # noqa: E402

from .helpers import RELATIVE, three_clusters, worst_gap  # noqa: E402

README = Path(__file__).resolve().parents[3] / "README.md"
pytestmark = pytest.mark.filterwarnings("ignore::emlib.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.mark.parametrize(
    ("covariance_type", "missing", "prior"),
    [("full", 0.15, "default"), ("tied", 0.0, None)],
)
def test_fit_on_two_worker_processes_equals_in_memory(client, covariance_type, missing, prior):
    X = three_clusters(missing=missing)
    options = dict(covariance_type=covariance_type, prior=prior, max_iter=4, random_state=0)
    in_memory = GaussianMixtureEM(3, **options).fit(X)
    dX = da.from_array(X, chunks=(90, 3))
    with distributed.get_task_stream(client) as stream:
        on_dask = GaussianMixtureEM(3, **options).fit(dX)
    assert worst_gap(on_dask, in_memory) < RELATIVE
    names = [t["key"] if isinstance(t["key"], str) else t["key"][0] for t in stream.data]
    estep = [t for t, name in zip(stream.data, names, strict=True) if "chunk_expectations" in name]
    # every chunk's E-step ran as its own task, on both workers, one iteration per compute
    assert len(estep) == len(dX.chunks[0]) * on_dask.dask_computes_
    assert len({t["worker"] for t in estep}) == 2


def test_a_persisted_array_fits_fused_as_in_memory(client):
    """A persisted array's graph is futures: the fused iterations reuse its chunks (cloning
    them failed with "lost dependencies")."""
    X = three_clusters(missing=0.1)
    dX = da.from_array(X, chunks=(90, 3)).persist()
    options = dict(max_iter=9, tol=0.0, random_state=0)
    on_dask = fit_dask(GaussianMixtureEM(3, **options), dX, iterations_per_compute=4)
    assert on_dask.dask_computes_ < len(on_dask.history_)  # fused
    assert worst_gap(on_dask, GaussianMixtureEM(3, **options).fit(X)) < RELATIVE


def test_outputs_compute_on_the_cluster(client):
    X = three_clusters(missing=0.1)
    dX = da.from_array(X, chunks=(130, 3))
    model = GaussianMixtureEM(3, max_iter=4, random_state=0).fit(dX)
    np.testing.assert_array_equal(model.predict(dX).compute(), model.predict(X))
    np.testing.assert_allclose(model.impute(dX).compute(), model.impute(X), rtol=1e-12)


def test_the_readme_cluster_snippet_runs():
    text = README.read_text(encoding="utf-8")
    section = text.split("## Fitting on a cluster", 1)[1].split("\n## ", 1)[0]
    code = re.findall(r"```python\n(.*?)```", section, flags=re.S)[0]
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["model"].converged_ in (True, False)
    assert namespace["labels"].shape == (namespace["X"].shape[0],)
