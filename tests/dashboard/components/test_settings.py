"""The settings objects the cached runners take (issue 15): built from a page's URL settings,
hashed by ``st.cache_data`` by value, so an equal setting replays and a changed one refits."""

import dataclasses

import pytest

from dashboard.components import fits
from dashboard.components.fits import FitSettings, run_fit
from dashboard.components.settings import SyntheticSpec


def test_synthetic_spec_reads_the_generators_settings_and_defaults_the_rest():
    full = {"clusters": 4, "sep": 2, "n": 150, "dseed": 7, "k": 2}
    assert SyntheticSpec.from_settings(full) == SyntheticSpec(4, 2.0, 150, 7)
    assert isinstance(SyntheticSpec.from_settings(full).separation, float)
    assert SyntheticSpec.from_settings({"clusters": 2, "dseed": 1}) == SyntheticSpec(2, 3.0, 300, 1)


def test_settings_objects_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SyntheticSpec().clusters = 5


def test_an_equal_setting_replays_the_cached_fit_and_a_changed_one_refits(monkeypatch):
    fitted = []

    class Counting(fits.GaussianMixtureEM):
        def fit(self, X, y=None):
            fitted.append(self.n_components)
            return super().fit(X, y)

    monkeypatch.setattr(fits, "GaussianMixtureEM", Counting)
    run_fit.clear()
    settings = FitSettings("synthetic", SyntheticSpec(2, 3.0, 80, 5), 2, "full", "kmeans", 0, 20)
    run_fit(settings)
    run_fit(FitSettings.from_settings(step_settings(settings)))  # equal, built afresh
    assert len(fitted) == 1
    run_fit(dataclasses.replace(settings, data=SyntheticSpec(2, 3.0, 80, 6)))
    run_fit(dataclasses.replace(settings, k=3))
    assert fitted == [2, 2, 3]
    run_fit.clear()


def step_settings(settings: FitSettings) -> dict:
    """The step page's URL settings that make ``settings``."""
    spec = settings.data
    return {
        "data": settings.dataset,
        "clusters": spec.clusters,
        "sep": spec.separation,
        "n": spec.n_samples,
        "dseed": spec.seed,
        "k": settings.k,
        "cov": settings.covariance_type,
        "init": settings.init,
        "seed": settings.seed,
        "iters": settings.max_iter,
        "tol": settings.tol,
    }
