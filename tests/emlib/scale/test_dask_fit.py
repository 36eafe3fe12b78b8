"""GaussianMixtureEM on dask arrays, on dask's threaded scheduler: the fit equals the
in-memory fit from the same start, chunk sizes whatever they are; starts on a sample; the
fused mode; lazy outputs; the checks; reading a folder of files; no dask in memory."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

da = pytest.importorskip("dask.array")

from emlib import GaussianMixtureEM, StudentMixtureEM  # noqa: E402
from emlib.exceptions import ConvergenceWarning  # noqa: E402
from emlib.scale import fit_dask, read_table_files  # noqa: E402

from .helpers import RELATIVE, three_clusters, worst_gap  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore::emlib.exceptions.ConvergenceWarning"),
    # dask's Parquet reader calls reset_index(inplace=True), deprecated in pandas 3.1
    pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The inplace keyword"),
]

COVARIANCES = ("full", "tied", "diag", "spherical")
#: (row chunks, NaN share, prior): ragged, single-chunk and tiny chunks across the variants
VARIANTS = {
    "complete": (137, 0.0, None),
    "nan": (64, 0.15, None),
    "prior": (500, 0.0, "default"),
    "nan+prior": ((100, 7, 250, 143), 0.15, "default"),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("covariance_type", COVARIANCES)
def test_dask_fit_equals_in_memory_fit_at_every_step(covariance_type, variant):
    chunks, missing, prior = VARIANTS[variant]
    X = three_clusters(missing=missing)
    # tol=0: ten iterations whatever the data, so every step of a long history is compared
    options = dict(covariance_type=covariance_type, prior=prior, max_iter=10, tol=0.0)
    in_memory = GaussianMixtureEM(3, random_state=0, **options).fit(X)
    on_dask = GaussianMixtureEM(3, random_state=0, **options).fit(
        da.from_array(X, chunks=(chunks, 3))
    )
    assert len(on_dask.history_) == 11
    assert worst_gap(on_dask, in_memory) < RELATIVE
    assert on_dask.dask_computes_ == 11  # 11 E-steps, one per compute
    assert on_dask.n_features_in_ == 3


def test_user_start_and_random_from_data_start_as_in_memory():
    X = three_clusters(missing=0.1)
    start = dict(
        weights_init=[0.2, 0.3, 0.5],
        means_init=X[[0, 1, 2]].copy(),
        precisions_init=np.stack([np.eye(3) / np.nanvar(X, axis=0)] * 3),
    )
    start["means_init"][np.isnan(start["means_init"])] = 0.0
    for options in (start, {"init_params": "random_from_data", "n_init": 2}):
        in_memory = GaussianMixtureEM(3, max_iter=6, random_state=4, **options).fit(X)
        on_dask = GaussianMixtureEM(3, max_iter=6, random_state=4, **options).fit(
            da.from_array(X, chunks=(90, 3))
        )
        assert worst_gap(on_dask, in_memory) < RELATIVE


def test_start_on_a_seeded_sample_then_the_same_fit_as_in_memory():
    X = three_clusters(n=1200)
    dX = da.from_array(X, chunks=(250, 3))
    for init in ("kmeans", "k-means++", "random", "random_from_data"):
        model = GaussianMixtureEM(3, init_params=init, n_init=2, max_iter=5, random_state=7)
        fit_dask(model, dX, sample_rows=300)
        again = fit_dask(
            GaussianMixtureEM(3, init_params=init, n_init=2, max_iter=5, random_state=7),
            dX,
            sample_rows=300,
        )
        assert worst_gap(again, model) == 0.0  # seeded: the same sample, the same fit
        start = model.history_[0].params
        in_memory = GaussianMixtureEM(
            3,
            max_iter=5,
            weights_init=start.weights,
            means_init=start.means,
            precisions_init=start.precisions(),
        ).fit(X)
        assert worst_gap(model, in_memory) < RELATIVE


def test_fused_iterations_give_the_same_fit_in_fewer_computes():
    X = three_clusters(missing=0.1)
    dX = da.from_array(X, chunks=(120, 3))
    options = dict(max_iter=30, tol=1e-6, random_state=2, prior="default")
    one = fit_dask(GaussianMixtureEM(3, **options), dX, iterations_per_compute=1)
    assert one.dask_computes_ == len(one.history_)
    for batch in (3, 4):
        fused = fit_dask(GaussianMixtureEM(3, **options), dX, iterations_per_compute=batch)
        assert worst_gap(fused, one) == 0.0
        assert fused.dask_computes_ == -(-len(one.history_) // batch) < one.dask_computes_


def test_missing_drop_fits_the_complete_rows_as_in_memory():
    X = three_clusters(missing=0.05)
    options = dict(missing="drop", max_iter=6, random_state=3)
    in_memory = GaussianMixtureEM(3, **options).fit(X)
    on_dask = GaussianMixtureEM(3, **options).fit(da.from_array(X, chunks=(77, 3)))
    assert worst_gap(on_dask, in_memory) < RELATIVE


def test_outputs_are_lazy_with_the_input_row_chunks():
    X = three_clusters(missing=0.1)
    model = GaussianMixtureEM(3, max_iter=5, random_state=0).fit(X)
    dX = da.from_array(X, chunks=((100, 150, 250), 3))
    for method in ("predict", "predict_proba", "score_samples", "impute"):
        lazy = getattr(model, method)(dX)
        assert isinstance(lazy, da.Array), method
        assert lazy.chunks[0] == dX.chunks[0], method
        expected = getattr(model, method)(X)
        np.testing.assert_allclose(lazy.compute(), expected, rtol=1e-12, atol=1e-300)
    assert model.score(dX) == pytest.approx(model.score(X), rel=1e-12)
    assert model.bic(dX) == pytest.approx(model.bic(X), rel=1e-12)
    assert model.aic(dX) == pytest.approx(model.aic(X), rel=1e-12)
    fitted_on_dask = GaussianMixtureEM(3, max_iter=5, random_state=0).fit(dX)
    np.testing.assert_array_equal(fitted_on_dask.fit_predict(dX).compute(), model.predict(X))


def test_bad_dask_input_is_refused_with_a_clear_message():
    X = three_clusters(missing=0.1)
    with pytest.raises(ValueError, match=r"NaN \(missing values\) in columns .*missing='error'"):
        GaussianMixtureEM(2, missing="error").fit(da.from_array(X, chunks=(100, 3)))
    bad = X.copy()
    bad[7, 2] = np.inf
    with pytest.raises(ValueError, match="inf or -inf in column 2"):
        GaussianMixtureEM(2).fit(da.from_array(bad, chunks=(100, 3)))
    bad[7] = np.nan
    with pytest.raises(ValueError, match=r"1 row \(7\) have no observed value"):
        GaussianMixtureEM(2).fit(da.from_array(np.where(np.isinf(bad), 0, bad), chunks=100))
    with pytest.raises(ValueError, match="expected a 2-D array"):
        GaussianMixtureEM(2).fit(da.ones(10, chunks=5))
    with pytest.raises(ValueError, match="expected numbers only"):
        GaussianMixtureEM(2).fit(da.from_array(np.array([["a", "b"]] * 4), chunks=2))
    with pytest.raises(ValueError, match="StudentMixtureEM does not fit dask arrays"):
        StudentMixtureEM(2).fit(da.from_array(X, chunks=100))
    with pytest.raises(ValueError, match="X has 2 features, but GaussianMixtureEM is expecting 3"):
        GaussianMixtureEM(2, max_iter=2).fit(X).predict(da.ones((4, 2), chunks=2))


def test_read_table_files_from_parquet_and_csv(tmp_path):
    X = three_clusters(missing=0.05)
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(name="x")
    for fmt in ("parquet", "csv"):
        folder = tmp_path / fmt
        folder.mkdir()
        for i, part in enumerate(np.array_split(np.arange(len(X)), 3)):
            piece = frame.iloc[part]
            if fmt == "parquet":
                piece.to_parquet(folder / f"part{i}.parquet", index=False)
            else:
                piece.to_csv(folder / f"part{i}.csv", index=False)
        with pytest.raises(ValueError, match=r"\['name'\] are not numeric"):
            read_table_files(folder)
        dX = read_table_files(folder, columns=["a", "b", "c"])
        assert dX.shape == X.shape and len(dX.chunks[0]) == 3
        np.testing.assert_allclose(dX.compute(), X, rtol=1e-15)
        in_memory = GaussianMixtureEM(3, max_iter=4, random_state=0).fit(X)
        assert worst_gap(GaussianMixtureEM(3, max_iter=4, random_state=0).fit(dX), in_memory) < (
            RELATIVE
        )
    with pytest.raises(ValueError, match=r"no \.parquet, \.pq or \.csv file"):
        read_table_files(tmp_path)


def test_the_in_memory_path_never_imports_dask():
    code = (
        "import sys, numpy as np, emlib\n"
        "X = np.random.default_rng(0).normal(size=(200, 2)); X[3, 1] = np.nan\n"
        "m = emlib.GaussianMixtureEM(2, max_iter=5, random_state=0, prior='default').fit(X)\n"
        "m.predict(X); m.predict_proba(X); m.score_samples(X); m.impute(X); m.bic(X)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('dask', 'distributed')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_no_convergence_warns_as_in_memory():
    dX = da.from_array(three_clusters(), chunks=100)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = GaussianMixtureEM(3, max_iter=2, tol=0.0, random_state=0).fit(dX)
    assert not model.converged_
    assert any(issubclass(w.category, ConvergenceWarning) for w in caught)
