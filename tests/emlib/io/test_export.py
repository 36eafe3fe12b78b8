"""Exports of a fit: JSON and CSV read back to the same numbers, labels and imputations
match the estimator, and the exported scripts, run in a subprocess, reproduce the fit's
log-likelihood (emlib always; scikit-learn where it can)."""

import io
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from emlib import ConjugatePrior, GaussianMixtureEM
from emlib.datasets import load_faithful, make_synthetic
from emlib.em import estimator_params_of
from emlib.io import export
from emlib.missing import simulate_missing
from emlib.params import COVARIANCE_TYPES

ROOT = Path(__file__).resolve().parents[3]
FAITHFUL_CODE = "from emlib.datasets import load_faithful\n\nX = load_faithful().X"
# The step page's defaults: Old Faithful, K = 2, full, random data points as means, seed 0.
STEP_DEFAULTS = dict(
    n_components=2,
    covariance_type="full",
    init_params="random_from_data",
    random_state=0,
    max_iter=100,
    keep_responsibilities=True,
)
MISSING_CODE = (
    "import numpy as np\n"
    "from emlib.datasets import make_synthetic\n"
    "from emlib.missing import simulate_missing\n\n"
    "X = simulate_missing(make_synthetic(3, 2.5, 200, 4).X, 0.3, 'MAR', "
    "np.random.default_rng(5))"
)


def missing_data() -> np.ndarray:
    return simulate_missing(make_synthetic(3, 2.5, 200, 4).X, 0.3, "MAR", np.random.default_rng(5))


def fit(X, **params) -> GaussianMixtureEM:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a capped max_iter warns; the history is what counts
        return GaussianMixtureEM(**params).fit(X)


def run_script(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"script failed:\n{code}\n--- stderr ---\n{done.stderr}"
    return done.stdout


def printed_log_likelihood(stdout: str) -> float:
    (line,) = [s for s in stdout.splitlines() if s.startswith("log-likelihood ")]
    return float(line.split()[1])


# --------------------------------------------------------------------------- JSON and CSV
@pytest.fixture(scope="module", params=COVARIANCE_TYPES)
def fitted(request):
    X = load_faithful().X
    return fit(X, n_components=3, covariance_type=request.param, random_state=1, max_iter=8)


def test_params_json_reads_back_to_the_same_parameters(fitted):
    params = fitted.params_
    text = export.params_json(params, feature_names=["a", "b"], extra={"log_likelihood": 1.5})
    data = json.loads(text)
    assert data["feature_names"] == ["a", "b"]
    assert data["log_likelihood"] == 1.5
    back = export.params_from_dict(data)
    assert back.covariance_type == params.covariance_type
    for name in ("weights", "means", "covariances"):
        np.testing.assert_array_equal(getattr(back, name), getattr(params, name))


def test_history_json_holds_every_iteration_with_its_numbers(fitted):
    history = fitted.history_
    data = json.loads(export.history_json(history, ["eruptions", "waiting"]))
    assert data["n_iterations"] == fitted.n_iter_ == len(history) - 1
    assert [it["iteration"] for it in data["iterations"]] == list(range(len(history)))
    for step, item in zip(history, data["iterations"], strict=True):
        assert item["log_likelihood"] == step.log_likelihood
        assert item["objective"] == step.objective
        np.testing.assert_array_equal(item["params"]["means"], step.params.means)


def test_history_csv_has_one_row_per_iteration_and_named_columns(fitted):
    history = fitted.history_
    table = pd.read_csv(io.StringIO(export.history_csv(history, ["eruptions", "waiting"])))
    assert len(table) == len(history)
    assert list(table.columns[:4]) == ["iteration", "log_likelihood", "log_prior", "objective"]
    assert "weight_3" in table and "mean_2_waiting" in table
    kind = fitted.covariance_type
    expected = {
        "full": "cov_1_eruptions_waiting",
        "tied": "cov_eruptions_waiting",
        "diag": "var_3_waiting",
        "spherical": "var_2",
    }[kind]
    assert expected in table
    np.testing.assert_array_equal(table["log_likelihood"], [s.log_likelihood for s in history])
    columns = export.param_columns(history[0].params, ["eruptions", "waiting"])
    for step, (_, row) in zip(history, table.iterrows(), strict=True):
        back = export.params_from_values(row[columns].to_numpy(), kind, 3, 2)
        np.testing.assert_array_equal(export.param_values(back), export.param_values(step.params))
        # the upper triangle is exact; the lower one mirrors it (EM's may differ by 1 ulp)
        np.testing.assert_allclose(back.covariances, step.params.covariances, rtol=1e-14)


def test_assignments_csv_matches_the_estimator_with_missing_values():
    X = missing_data()
    model = fit(X, n_components=3, random_state=0)
    table = pd.read_csv(io.StringIO(export.assignments_csv(X, model.params_, ["u", "v"])))
    assert list(table.columns) == [
        "u", "v", "label", "max_responsibility", "resp_1", "resp_2", "resp_3",
    ]  # fmt: skip
    np.testing.assert_array_equal(table[["u", "v"]].isna(), np.isnan(X))
    resp = table[["resp_1", "resp_2", "resp_3"]].to_numpy()
    np.testing.assert_allclose(resp, model.predict_proba(X), rtol=1e-12, atol=1e-300)
    np.testing.assert_array_equal(table["label"], model.predict(X) + 1)
    np.testing.assert_allclose(table["max_responsibility"], resp.max(axis=1))


def test_table_assignments_keep_row_ids_and_text_columns_to_join_back():
    X = missing_data()
    model = fit(X, n_components=3, random_state=0)
    n = len(X)
    X_all = np.vstack([X, [[np.nan, np.nan]]])  # a last row with neither modelled value
    kinds = ["=cmd" if i == 0 else None if i == 1 else f"kind {i % 4}" for i in range(n + 1)]
    table = {"u": X_all[:, 0], "kind": kinds, "v": X_all[:, 1], "label": list(range(n + 1))}
    fitted = np.arange(n + 1) % 5 != 0
    text = export.table_assignments_csv(table, X_all, model.params_, fitted=fitted)
    back = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""])
    assert list(back.columns) == [
        "row_id", "u", "kind", "v", "label", "in_fit", "emlab_label", "max_responsibility",
        "resp_1", "resp_2", "resp_3",
    ], "the table's own 'label' column is kept; the fit's is renamed"  # fmt: skip
    assert list(back["row_id"]) == list(range(1, n + 2))
    assert back["kind"][0] == "'=cmd" and pd.isna(back["kind"][1]) and back["kind"][2] == "kind 2"
    np.testing.assert_array_equal(back[["u", "v"]].isna(), np.isnan(X_all))
    np.testing.assert_array_equal(back["in_fit"], fitted.astype(int))
    np.testing.assert_array_equal(back["emlab_label"][:n], model.predict(X) + 1)
    resp = back[["resp_1", "resp_2", "resp_3"]].to_numpy()
    np.testing.assert_allclose(resp[:n], model.predict_proba(X), rtol=1e-12, atol=1e-300)
    assert back.iloc[n][["emlab_label", "max_responsibility", "resp_1"]].isna().all()
    with pytest.raises(ValueError, match="expected 2 values"):
        export.table_assignments_csv({"a": [1]}, X_all[:2], model.params_, fitted=[1, 1])


def test_label_map_csv_gives_each_pixel_its_position_and_segment():
    labels = np.array([[0, 1, 2], [2, 2, 0]])
    uncertainty = np.array([[0.0, 0.25, 0.5], [0.125, 1 / 3, 0.0]], dtype=np.float32)
    back = pd.read_csv(io.StringIO(export.label_map_csv(labels, uncertainty)))
    assert list(back.columns) == ["x", "y", "segment", "uncertainty"]
    assert back[["x", "y", "segment"]].values.tolist() == [
        [0, 0, 1], [1, 0, 2], [2, 0, 3], [0, 1, 3], [1, 1, 3], [2, 1, 1],
    ]  # fmt: skip
    np.testing.assert_allclose(back["uncertainty"], uncertainty.ravel(), rtol=5e-6)  # 6 digits
    assert list(pd.read_csv(io.StringIO(export.label_map_csv(labels))).columns) == [
        "x", "y", "segment",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="height, width"):
        export.label_map_csv(labels.ravel())


def test_imputed_csv_fills_each_gap_with_the_conditional_mean():
    X = missing_data()
    model = fit(X, n_components=3, random_state=0)
    table = pd.read_csv(io.StringIO(export.imputed_csv(X, model.params_, ["u", "v"])))
    np.testing.assert_allclose(table[["u", "v"]].to_numpy(), model.impute(X), rtol=1e-12)
    assert list(table.columns) == ["u", "v", "imputed_v"]  # only column v had gaps
    np.testing.assert_array_equal(table["imputed_v"], np.isnan(X[:, 1]).astype(int))


def test_csv_defuses_text_that_a_spreadsheet_would_run_as_a_formula():
    X = np.array([[-1.5, 2.0], [3.0, -4.25]])
    model = fit(X.repeat(5, axis=0) + np.arange(10)[:, None] * 0.1, n_components=1)
    text = export.assignments_csv(X, model.params_, ["=HYPERLINK(1)", "@cmd"])
    header, first = text.splitlines()[:2]
    assert header.startswith("'=HYPERLINK(1),'@cmd,")
    assert first.startswith("-1.5,2.0,1,")  # numbers stay numbers, minus signs included


def test_exports_refuse_mismatched_names_and_data_in_plain_words(fitted):
    with pytest.raises(ValueError, match="expected 2 names"):
        export.history_csv(fitted.history_, ["only one"])
    with pytest.raises(ValueError, match="expected shape"):
        export.assignments_csv(np.zeros((4, 3)), fitted.params_)
    with pytest.raises(ValueError, match="takes no n_clusters"):
        export.python_code({"n_clusters": 2}, FAITHFUL_CODE)


# ------------------------------------------------------------------------------ the code
def test_emlib_code_writes_every_non_default_setting_and_the_seed():
    code = export.python_code({"n_components": 3, "random_state": 7}, FAITHFUL_CODE)
    assert "random_state=7" in code
    assert "covariance_type" not in code  # the default is not spelled out
    assert "keep_responsibilities" not in code  # changes memory only, never the fit
    prior = ConjugatePrior(shrinkage=0.05, dof=6.0)
    code = export.python_code({"n_components": 2, "prior": prior}, FAITHFUL_CODE)
    assert "ConjugatePrior(shrinkage=0.05, dof=6.0)" in code
    assert "from emlib.priors import ConjugatePrior" in code


def test_estimator_params_of_is_get_params_less_memory_settings_and_writes_only_changes():
    start = make_synthetic(2, 3.0, 60, 1).truth
    model = GaussianMixtureEM(
        2, covariance_type="diag", means_init=start.means, prior=ConjugatePrior(shrinkage=0.5),
        max_iter=7, random_state=3, keep_responsibilities=True,
    )  # fmt: skip
    arguments = estimator_params_of(model)
    expected = model.get_params(deep=False)
    del expected["keep_responsibilities"]
    assert arguments.keys() == expected.keys()
    assert all(arguments[k] is expected[k] for k in expected)
    code = export.python_code(arguments, FAITHFUL_CODE)
    for written in ("covariance_type='diag'", "max_iter=7", "random_state=3", "means_init="):
        assert written in code
    for default in ("tol=", "n_init=", "weights_init=", "reg_covar=", "keep_responsibilities"):
        assert default not in code


def test_emlib_code_reproduces_the_step_page_default_fit():
    model = fit(load_faithful().X, **STEP_DEFAULTS)
    code = export.python_code(
        STEP_DEFAULTS, FAITHFUL_CODE, expected_log_likelihood=model.log_likelihood_
    )
    out = run_script(code)
    assert printed_log_likelihood(out) == pytest.approx(model.log_likelihood_, rel=1e-8)
    assert "Matches the log-likelihood" in out


def test_emlib_code_reproduces_a_map_fit_with_missing_values():
    params = dict(
        n_components=3,
        covariance_type="diag",
        init_params="k-means++",
        random_state=3,
        prior=ConjugatePrior(shrinkage=0.1, scale_factor=2.0),
        max_iter=40,
    )
    model = fit(missing_data(), **params)
    assert model.log_prior_ != 0.0
    code = export.python_code(params, MISSING_CODE, expected_log_likelihood=model.log_likelihood_)
    assert printed_log_likelihood(run_script(code)) == pytest.approx(
        model.log_likelihood_, rel=1e-8
    )


def test_the_emlib_script_fails_loudly_when_the_fit_does_not_match():
    code = export.python_code(STEP_DEFAULTS, FAITHFUL_CODE, expected_log_likelihood=-1.0)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "differs from EM Lab's" in done.stderr


@pytest.mark.parametrize(
    "params",
    [
        STEP_DEFAULTS,
        dict(n_components=3, covariance_type="diag", init_params="kmeans", random_state=2),
    ],
    ids=["step-defaults", "kmeans-diag"],
)
def test_sklearn_code_reproduces_the_fit_from_emlibs_start(params):
    model = fit(load_faithful().X, **params)
    code = export.sklearn_code(
        params,
        FAITHFUL_CODE,
        history=model.history_,
        expected_log_likelihood=model.log_likelihood_,
    )
    assert "GaussianMixture(" in code and f"max_iter={model.n_iter_}" in code
    out = run_script(code)
    assert printed_log_likelihood(out) == pytest.approx(model.log_likelihood_, rel=1e-8)
    assert f"after {model.n_iter_} EM iterations" in out


def test_no_sklearn_code_for_a_prior_or_missing_values_and_the_reason_says_why():
    model = fit(load_faithful().X, n_components=2, prior="default", random_state=0)
    params = {"n_components": 2, "prior": "default", "random_state": 0}
    assert export.sklearn_code(params, FAITHFUL_CODE, history=model.history_) is None
    assert "no prior" in export.sklearn_unavailable_reason(params, has_missing=False)
    reason = export.sklearn_unavailable_reason({"n_components": 2}, has_missing=True)
    assert "missing values" in reason
    assert export.sklearn_unavailable_reason({"n_components": 2}, has_missing=False) is None
