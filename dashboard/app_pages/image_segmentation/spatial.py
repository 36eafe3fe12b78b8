"""The image page's spatial section: the plain mixture against HMRF-EM (EM with a Potts prior
on the labels), side by side with their uncertainty maps; the label field replayed iteration by
iteration (those two drawn by ``spatial_maps``); on the phantom, the truth and both methods'
scores."""

from __future__ import annotations

import streamlit as st

from dashboard.app_pages.image_segmentation.figures import enlarged, scores_frame
from dashboard.app_pages.image_segmentation.run import BETA_CHOICES, ESTIMATE, FAMILY_NAMES
from dashboard.app_pages.image_segmentation.spatial_maps import replay, side_by_side
from dashboard.app_pages.image_segmentation.spatial_run import (
    PhantomSettings,
    SpatialRun,
    run_phantom,
)
from dashboard.components.pictures import label_picture
from dashboard.components.tables import number_table

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
    side_by_side(result)
    plain, spatial = result.plain_scores, result.scores
    left, right, gain = st.columns(3)
    left.metric("Plain mixture: accuracy", f"{plain.accuracy:.1%}")
    right.metric("HMRF-EM: accuracy", f"{spatial.accuracy:.1%}")
    gained = "Gained by the prior" if phantom.family == "gaussian" else "Gained by HMRF-EM (t)"
    gain.metric(gained, f"{100 * (spatial.accuracy - plain.accuracy):+.1f} points")
    number_table(scores_frame(plain, spatial), default="%.3f")  # two rows: static (issue 21)
    st.caption(
        f"Accuracy: the share of pixels labelled with their true tissue. Dice per class: "
        f"2 |true ∩ labelled| / (|true| + |labelled|). Both fits took "
        f"{result.seconds['both']:.2f} s."
    )
    replay(result, repr(phantom))
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
    side_by_side(result)
    replay(result, run_id)
    with st.expander("What the Potts prior does, and when it helps", expanded=True):
        st.markdown(POTTS_TEXT)


def _usable(run: SpatialRun) -> bool:
    if run.error:
        st.error(run.error)
        return False
    for note in run.result.notes:
        st.info(note)
    return True
