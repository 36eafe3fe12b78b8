"""AppTest for the image page's spatial section: beta, the neighbourhood and the noise in the
URL, the plain mixture and HMRF-EM side by side as emlib.cases.image makes them, a beta change
refitting HMRF-EM alone, the replay never refitting, and the phantom's live scores."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app_pages.image_segmentation.fit_code import image_data_code, image_fit_matrix
from dashboard.app_pages.image_segmentation.spatial_run import run_phantom, run_plain, run_spatial
from dashboard.components.segmentation import PixelSpec, run_segmentation
from emlib import GaussianMixtureEM, SpatialMixtureEM
from emlib.cases.image import Damage, Spatial, segment_image, segment_phantom, segment_spatial
from emlib.datasets import load_image
from tests.dashboard.apptest import charts, open_page, tables

PAGE = "app_pages/image_segmentation/page.py"
#: A noisy CT slice with three classes: where the prior has speckle to remove.
NOISY_CT = {"img": "ct", "k": "3", "rnoise": "1.0"}


def image_page(query=None) -> AppTest:
    return open_page(PAGE, query)


def captions(at: AppTest) -> list[str]:
    return [c for image in at.get("image") for c in image.captions]


def caption_starting(at: AppTest, start: str) -> str:
    (found,) = [c for c in captions(at) if c.startswith(start)]
    return found


def texts(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture
def fits(monkeypatch):
    """The beta of every SpatialMixtureEM and the K of every GaussianMixtureEM fitted during
    the test, the page's caches cleared first (so a fit shows up once, when it really runs)."""
    for runner in (run_plain, run_spatial, run_phantom, run_segmentation):
        runner.clear()
    seen = {"spatial": [], "plain": []}
    spatial_fit, mixture_fit = SpatialMixtureEM.fit, GaussianMixtureEM.fit

    def spatial(self, image, y=None):
        seen["spatial"].append(self.beta)
        return spatial_fit(self, image, y)

    def mixture(self, X, y=None):
        seen["plain"].append(self.n_components)
        return mixture_fit(self, X, y)

    monkeypatch.setattr(SpatialMixtureEM, "fit", spatial)
    monkeypatch.setattr(GaussianMixtureEM, "fit", mixture)
    yield seen
    for runner in (run_plain, run_spatial, run_phantom, run_segmentation):
        runner.clear()


# ------------------------------------------------------------------------------ the phantom
def test_the_phantom_shows_its_truth_and_both_accuracies_at_the_defaults():
    at = image_page({"img": "phantom"})
    expected = segment_phantom(0.5, Spatial(0.7, 8))
    assert metrics(at) == {
        "Plain mixture: accuracy": "69.1%",
        "HMRF-EM: accuracy": "99.5%",
        "Gained by the prior": "+30.4 points",
    }
    assert f"{expected.plain_scores.accuracy:.1%}" == "69.1%"
    assert {"Ground truth", "The noisy phantom that is segmented"} <= set(captions(at))
    table = tables(at)[0].value
    assert list(table.index) == ["Plain mixture", "HMRF-EM"]
    assert not at.dataframe  # no data grid on the phantom: its first chart waits for no grid
    np.testing.assert_allclose(
        table[["Dice background", "Dice tissue", "Dice lesion"]].to_numpy(),
        [expected.plain_scores.dice, expected.scores.dice],
    )
    assert "Zhang, M. Brady and S. Smith" in " ".join(m.value for m in at.markdown)
    assert at.slider(key="img_pnoise").value == 0.5
    assert at.selectbox(key="img_img").value == "phantom"


def test_the_phantoms_scores_follow_the_noise_beta_and_hidden_pixels():
    at = image_page({"img": "phantom", "hide": "0.3", "pattern": "block"})
    at.slider(key="img_pnoise").set_value(1.0)
    at.button(key="img_apply").click()
    at.run()
    at.select_slider(key="img_beta").set_value(1.0).run()
    assert not at.exception
    expected = segment_phantom(1.0, Spatial(1.0, 8), hidden_share=0.3, hiding="patches")
    assert metrics(at)["Plain mixture: accuracy"] == f"{expected.plain_scores.accuracy:.1%}"
    assert metrics(at)["HMRF-EM: accuracy"] == f"{expected.scores.accuracy:.1%}"
    table = tables(at)[0].value
    assert table.loc["HMRF-EM", "accuracy on hidden pixels"] == pytest.approx(
        expected.scores.hidden_accuracy
    )
    assert (at.query_params["pnoise"], at.query_params["beta"]) == ("1.0", "1.0")
    assert "pixels hidden" in caption_starting(at, "The noisy phantom")


def test_student_t_intensities_beat_heavy_tailed_noise_and_go_in_the_url():
    """The phantom with t(2) noise at sigma 0.3: the Gaussian HMRF's classes are dragged by
    the outliers; choosing Student-t intensities refits HMRF-EM alone and does better."""
    at = image_page({"img": "phantom", "pnoise": "0.3", "ptail": "t"})
    gaussian = segment_phantom(0.3, Spatial(0.7, 8), noise_dof=2.0)
    assert metrics(at)["HMRF-EM: accuracy"] == f"{gaussian.scores.accuracy:.1%}"
    assert "heavy-tailed noise" in " ".join(m.value for m in at.markdown)
    at.radio(key="img_fam").set_value("t").run()
    assert not at.exception
    t = segment_phantom(0.3, Spatial(0.7, 8, "t"), noise_dof=2.0)
    assert metrics(at)["HMRF-EM: accuracy"] == f"{t.scores.accuracy:.1%}"
    assert "Gained by HMRF-EM (t)" in metrics(at)  # the prior and the t family together
    assert t.scores.accuracy >= gaussian.scores.accuracy + 0.02
    assert caption_starting(at, "HMRF-EM (β = 0.7, 8 neighbours, Student-t)")
    assert (at.query_params["fam"], at.query_params["ptail"]) == ("t", "t")
    again = image_page({"img": "phantom", "pnoise": "0.3", "ptail": "t", "fam": "t"})
    assert again.radio(key="img_fam").value == "t"
    assert metrics(again)["HMRF-EM: accuracy"] == f"{t.scores.accuracy:.1%}"


# ------------------------------------------------------------------------------ scans
def test_a_noisy_scan_shows_the_plain_mixture_and_hmrf_em_side_by_side():
    at = image_page(NOISY_CT)
    expected = segment_spatial(
        load_image("ct"), 3, spatial=Spatial(0.7, 8), damage=Damage(relative_noise=1.0)
    )
    shown = captions(at)
    assert "Plain mixture (β = 0): labels" in shown and "Plain mixture: 1 - max r" in shown
    assert "HMRF-EM (β = 0.7, 8 neighbours): labels" in shown and "HMRF-EM: 1 - max q" in shown
    assert f"HMRF-EM gave {expected.changed:.1%} of the pixels" in texts(at)
    assert f"HMRF-EM in {len(expected.history) - 1} iterations" in texts(at)
    # the noise is the pipeline's, in units of the intensity spread
    pipeline = segment_image(
        load_image("ct"), 3, position_weight=1.0, damage=Damage(relative_noise=1.0)
    )
    assert metrics(at)["Noise RMSE"] == f"{pipeline.noise_rmse:.1f}"
    assert caption_starting(at, "Damaged: ") == "Damaged: noise 1.0 x the intensity spread"


def test_turning_beta_up_refits_hmrf_em_once_and_changes_its_map(fits):
    at = image_page({**NOISY_CT, "beta": "0.0"})
    assert fits["spatial"] == [0.0]  # at beta = 0, HMRF-EM is the plain fit
    assert "HMRF-EM gave 0.0% of the pixels another label" in texts(at)
    assert "HMRF-EM (β = 0: the plain mixture, 8 neighbours): labels" in captions(at)
    main_fits = len(fits["plain"])
    at.select_slider(key="img_beta").set_value(1.0).run()
    assert not at.exception
    assert fits["spatial"] == [0.0, 1.0] and len(fits["plain"]) == main_fits
    expected = segment_spatial(
        load_image("ct"), 3, spatial=Spatial(1.0, 8), damage=Damage(relative_noise=1.0)
    )
    assert expected.changed > 0.05
    assert f"HMRF-EM gave {expected.changed:.1%} of the pixels" in texts(at)
    assert at.query_params["beta"] == "1.0"
    done = len(fits["spatial"])  # the page's and the expected result's own
    at.radio(key="img_nb").set_value(4).run()
    assert fits["spatial"][done:] == [1.0] and at.query_params["nb"] == "4"
    assert "HMRF-EM (β = 1.0, 4 neighbours): labels" in captions(at)


def test_the_replay_steps_through_the_label_field_without_refitting(fits):
    at = image_page(NOISY_CT)
    expected = segment_spatial(
        load_image("ct"), 3, spatial=Spatial(0.7, 8), damage=Damage(relative_noise=1.0)
    )
    history = expected.history
    final = caption_starting(at, "Final E-step")
    assert final.endswith(f"β = 0.70 · F = {history[-1].objective:,.1f}")
    drawn = [c.figure for c in charts(at)]
    (chart,) = [c for c in drawn if c["data"][0].get("meta", {}).get("role") == "free_energy"]
    np.testing.assert_allclose(chart["data"][0]["y"], [s.objective for s in history])
    before = {k: list(v) for k, v in fits.items()}
    at.button(key="img_hmrf_back").click().run()
    at.button(key="img_hmrf_back").click().run()
    assert not at.exception
    t = len(history) - 2  # two half-steps back from the final E-step: E-step t + 1 at theta_t
    step = caption_starting(at, f"E-step {t + 1}")
    assert f"θ_{t}" in step and step.endswith(f"F = {history[t].objective:,.1f}")
    assert fits == before, "the replay never refits"
    assert at.query_params["sstep"] == str(2 * len(history) - 3)


def test_spatial_settings_come_back_from_the_url_and_bad_ones_fall_back():
    at = image_page({"img": "mr", "beta": "estimate", "nb": "4", "rnoise": "0.5"})
    assert at.select_slider(key="img_beta").value == "estimate"
    assert at.radio(key="img_nb").value == 4
    assert at.slider(key="img_rnoise").value == 0.5
    expected = segment_spatial(
        load_image("mr"), 4, spatial=Spatial("estimate", 4), damage=Damage(relative_noise=0.5)
    )
    assert f"HMRF-EM (β = estimated {expected.beta:.2f}, 4 neighbours): labels" in captions(at)
    at = image_page({"img": "mr", "beta": "3", "nb": "5", "rnoise": "9", "pnoise": "-1"})
    assert at.select_slider(key="img_beta").value == 0.7
    assert at.radio(key="img_nb").value == 8
    assert at.slider(key="img_rnoise").value == 0.0
    assert "pnoise" not in at.query_params  # the phantom's noise: no setting of a photo's


def test_a_big_image_is_fitted_on_a_strided_grid_and_says_so():
    at = image_page({"img": "camera", "k": "3"})
    assert any("every 2nd pixel of every 2nd row (256 x 256 pixels)" in i.value for i in at.info)


def test_the_downloaded_code_makes_the_noisy_pixels_the_mixture_was_fitted_to():
    settings = {"space": "rgb", "pos": 1.0, "hide": 0.1, "pattern": "random", "rnoise": 0.8}
    spec = PixelSpec.from_settings({**settings, "seed": 4})
    assert spec.damage() == Damage(0.1, "random", 0.0, 4, relative_noise=0.8)
    code = image_data_code(spec, "mr")
    assert "relative_noise=0.8" in code
    scope = {}
    exec(code, scope)
    np.testing.assert_array_equal(scope["X"], image_fit_matrix("mr", load_image("mr"), spec))
