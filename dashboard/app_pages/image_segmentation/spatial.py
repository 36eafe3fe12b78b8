"""The image page's spatial section: the plain mixture against HMRF-EM (EM with a Potts prior
on the labels), side by side with their uncertainty maps; the label field replayed iteration by
iteration; on the phantom, the truth and both methods' scores."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.image_segmentation.figures import (
    enlarged,
    free_energy_figure,
    scores_frame,
    uncertainty_picture,
)
from dashboard.app_pages.image_segmentation.run import BETA_CHOICES, ESTIMATE, FAMILY_NAMES
from dashboard.app_pages.image_segmentation.spatial_run import (
    PhantomSettings,
    SpatialRun,
    run_phantom,
)
from dashboard.components.charts import plotly_chart_in
from dashboard.components.halfsteps import HalfStep
from dashboard.components.pictures import label_picture
from dashboard.components.replay import replay_viewer
from emlib.cases.image import SpatialSegmentation

POTTS_TEXT = (
    "**What the Potts prior does.** The plain mixture labels every pixel from its own colour "
    "alone, so noise turns into speckle. HMRF-EM puts a Potts prior on the label map: a "
    "labelling is more probable by a factor e^β for every pair of neighbours that share a "
    "label. The E-step can then no longer take the pixels one by one; it uses mean field: a "
    "pixel's log-responsibility for class k is log π_k plus its log-density plus β times the "
    "summed responsibilities of its neighbours for k, swept over the image a few times per "
    "iteration. The M-step moves the means and spreads as the mixture's does, with those "
    "responsibilities (and fits the weights π with the prior).\n\n"
    "**What β means.** β is how much one agreeing neighbour counts, in log-odds: β = 0 is the "
    "plain mixture; at β = 0.7 with 8 neighbours, a pixel whose neighbours all say k gets "
    "k's odds raised by e^(0.7 · 8) ≈ 270, far more than one pixel's colour can say against "
    "it when the noise is as large as the gap between two classes. "
    "“estimate” chooses β by maximising the pseudo-likelihood in each M-step.\n\n"
    "**When it helps, and when it hurts.** It helps where the regions are larger than the "
    "noise's grain: noisy scans, and hidden pixels, which take their neighbours' labels. It "
    "hurts thin structures (vessels, one-pixel lines, fine texture): their pixels have few "
    "neighbours of their own class, so a large β erases them and rounds corners. This is "
    "the model of FSL FAST: Y. Zhang, M. Brady and S. Smith, “Segmentation of brain MR "
    "images through a hidden Markov random field model and the expectation-maximization "
    "algorithm”, *IEEE Transactions on Medical Imaging* 20(1), 45-57, 2001."
)


def beta_name(beta) -> str:
    return "estimate (pseudo-likelihood)" if beta == ESTIMATE else f"{beta:.1f}"


def controls() -> None:
    """The beta, neighbourhood and intensity controls (applied at once: only the spatial fits
    rerun)."""
    beta, neighbours, family = st.columns([3, 2, 2])
    beta.select_slider(
        "Spatial smoothing (beta)",
        BETA_CHOICES,
        format_func=beta_name,
        key="img_beta",
        help="0 is the plain mixture; each agreeing neighbour multiplies a label's odds by "
        "e^beta. At the right end, beta is estimated from the image.",
    )
    neighbours.radio(
        "Neighbours",
        (4, 8),
        format_func=lambda n: f"{n} ({'sides' if n == 4 else 'sides and corners'})",
        key="img_nb",
        horizontal=True,
    )
    family.radio(
        "Intensities",
        tuple(FAMILY_NAMES),
        format_func=FAMILY_NAMES.get,
        key="img_fam",
        horizontal=True,
        help="Each class's intensities in HMRF-EM: Gaussian, or Student-t, whose heavy tails "
        "let outlying pixels (hot pixels, impulse noise) count less in their class's mean "
        "and spread; its degrees of freedom are estimated per class.",
    )


def phantom_section(settings: dict) -> None:
    """The phantom: its truth, the noisy scan, both segmentations and their scores."""
    phantom = PhantomSettings.from_settings(settings)
    st.subheader("The phantom: a noisy scan whose truth is known")
    st.markdown(
        "Three tissues as nested ellipses, intensities 0 (background), 1 (tissue) and 2 "
        "(lesion), plus "
        + (
            f"Gaussian noise with a standard deviation of {phantom.sigma:.2f} level spacings"
            if phantom.tails == "gaussian"
            else f"heavy-tailed noise, {phantom.sigma:.2f} level spacings times a Student-t "
            "variate with 2 degrees of freedom (infinite variance: many outliers)"
        )
        + f" (seed {phantom.seed}). Both methods fit K = 3 "
        "classes from the same start; their labels are matched to the tissues by their "
        "means and scored against the truth."
    )
    controls()
    run = run_phantom(phantom)
    if not _usable(run):
        return
    result = run.result
    truth, noisy = st.columns(2)
    truth.image(enlarged(label_picture(result.truth, 3)), caption="Ground truth", width="stretch")
    hidden = int(result.hidden.sum())
    noisy.image(
        enlarged(result.picture),
        caption="The noisy phantom that is segmented"
        + (f" ({hidden:,} pixels hidden, magenta)" if hidden else ""),
        width="stretch",
    )
    _side_by_side(result)
    plain, spatial = result.plain_scores, result.scores
    left, right, gain = st.columns(3)
    left.metric("Plain mixture: accuracy", f"{plain.accuracy:.1%}")
    right.metric("HMRF-EM: accuracy", f"{spatial.accuracy:.1%}")
    gained = "Gained by the prior" if phantom.family == "gaussian" else "Gained by HMRF-EM (t)"
    gain.metric(gained, f"{100 * (spatial.accuracy - plain.accuracy):+.1f} points")
    st.dataframe(scores_frame(plain, spatial).style.format("{:.3f}"), width="stretch")
    st.caption(
        f"Accuracy: the share of pixels labelled with their true tissue. Dice per class: "
        f"2 |true ∩ labelled| / (|true| + |labelled|). Both fits took "
        f"{result.seconds['both']:.2f} s."
    )
    _replay(result, repr(phantom))
    st.markdown(POTTS_TEXT)


def image_section(run: SpatialRun, run_id: str) -> None:
    """The spatial comparison on a scan or a picture (``run`` from ``run.run_spatial``)."""
    if not _usable(run):
        return
    result = run.result
    seconds = result.seconds
    st.caption(
        f"Both fit the colours alone (HMRF-EM's prior takes the place of position features), "
        f"K = {result.n_components}, from the same start: the plain mixture in "
        f"{seconds['plain']:.2f} s, HMRF-EM in {len(result.history) - 1} iterations and "
        f"{seconds['spatial']:.2f} s. HMRF-EM gave {result.changed:.1%} of the pixels "
        "another label than the plain mixture."
    )
    _side_by_side(result)
    _replay(result, run_id)
    with st.expander("What the Potts prior does, and when it helps", expanded=True):
        st.markdown(POTTS_TEXT)


def _usable(run: SpatialRun) -> bool:
    if run.error:
        st.error(run.error)
        return False
    for note in run.result.notes:
        st.info(note)
    return True


def _side_by_side(result: SpatialSegmentation) -> None:
    """The plain and HMRF-EM label maps, each beside its uncertainty map."""
    k = result.n_components
    beta = result.spatial.beta
    shown = "0: the plain mixture" if beta == 0 else (
        f"estimated {result.beta:.2f}" if beta == ESTIMATE else f"{beta:.1f}"
    )  # fmt: skip
    columns = st.columns(4)
    pictures = (
        (label_picture(result.plain_labels, k), "Plain mixture (β = 0): labels"),
        (uncertainty_picture(result.plain_uncertainty, k), "Plain mixture: 1 - max r"),
        (
            label_picture(result.labels, k),
            f"HMRF-EM (β = {shown}, {result.spatial.neighbourhood} neighbours"
            + (", Student-t" if result.spatial.family == "t" else "")
            + "): labels",
        ),
        (uncertainty_picture(result.uncertainty, k), "HMRF-EM: 1 - max q"),
    )
    for column, (picture, caption) in zip(columns, pictures, strict=True):
        column.image(enlarged(picture), caption=caption, width="stretch")
    st.caption(
        "Colours number the classes from the darkest mean to the brightest, in both maps. "
        "Uncertainty 1 - the largest responsibility: white sure, dark red torn."
    )


def _replay(result: SpatialSegmentation, run_id: str) -> None:
    """HMRF-EM's label field, iteration by iteration (replayed, never refitted)."""
    st.markdown("**HMRF-EM at work: the label field settling, iteration by iteration**")
    k = result.n_components

    def draw(hs: HalfStep, history) -> None:
        t = hs.params_index
        step = history[t]
        picture, curve = st.columns([2, 3])
        picture.image(
            enlarged(label_picture(result.label_history[t], k)),
            caption=f"{hs.label}: the labels of the E-step at θ_{step.iteration} · "
            f"β = {result.beta_history[t]:.2f} · F = {step.objective:,.1f}",
            width="stretch",
        )
        plotly_chart_in(
            curve,
            free_energy_figure(history, result.beta_history, t, hs.label),
            key="img_hmrf_curve",
            width="stretch",
        )

    replay_viewer(
        result.history,
        draw,
        key="img_hmrf",
        run_id=run_id,
        query_key="sstep",
        opens_at="final",
    )
