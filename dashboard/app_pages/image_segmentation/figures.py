"""Pure builders for the image segmentation page: pictures as uint8 arrays, figures as plotly.

Nothing here imports Streamlit. Label pictures use the same component colours as the shared
iteration viewer, so segment k has one colour everywhere on the page.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.components.densities import density_figure
from dashboard.components.pictures import as_rgb
from dashboard.components.style import MARGIN, legend_below
from emlib.params import GMMParams

#: Pixels outside a segment are drawn in this light grey in its mask.
OUTSIDE_COLOR = (235, 235, 235)


def uncertainty_picture(uncertainty: np.ndarray, n_components: int) -> np.ndarray:
    """1 - max responsibility from white (certain) to dark red (as uncertain as can be,
    1 - 1/K), (h, w, 3) uint8."""
    top = max(1.0 - 1.0 / max(n_components, 1), 1e-9)
    share = np.clip(uncertainty / top, 0.0, 1.0)[..., None]
    white, red = np.array([255.0, 255.0, 255.0]), np.array([140.0, 20.0, 20.0])
    return np.rint(white + share * (red - white)).astype(np.uint8)


def mask_picture(image: np.ndarray, mask: np.ndarray, max_side: int = 320) -> np.ndarray:
    """The segment's pixels in their own colours, the rest light grey, shrunk by striding so
    that its longer side is at most ``max_side`` pixels."""
    stride = max(1, int(np.ceil(max(mask.shape) / max_side)))
    picture = as_rgb(image)[::stride, ::stride].copy()
    picture[~mask[::stride, ::stride]] = OUTSIDE_COLOR
    return picture


def bic_figure(table: pd.DataFrame, chosen: int) -> go.Figure:
    """BIC against the number of components, lower is better, the chosen K marked."""
    fig = go.Figure(
        go.Scatter(
            x=table["n_components"],
            y=table["bic"],
            mode="lines+markers",
            line={"color": "#3b5bdb"},
            name="BIC",
            hovertemplate="K = %{x}<br>BIC %{y:.1f}<extra></extra>",
            meta={"role": "bic"},
        )
    )
    best = table.loc[table["n_components"] == chosen, "bic"]
    fig.add_trace(
        go.Scatter(
            x=[chosen],
            y=best.tolist(),
            mode="markers",
            marker={"size": 14, "color": "crimson", "symbol": "diamond"},
            name=f"chosen: K = {chosen}",
            meta={"role": "chosen"},
        )
    )
    fig.update_layout(
        title={"text": "BIC by number of components (lower is better)"},
        xaxis={"title": {"text": "number of components K"}, "dtick": 1},
        yaxis={"title": {"text": "BIC"}},
        legend=legend_below(-0.25),
        margin=MARGIN,
        height=320,
    )
    return fig


def histogram_figure(values: np.ndarray, params: GMMParams, name: str) -> go.Figure:
    """For one feature: the pixels' histogram (as a density) and each weighted component
    density pi_k N(x | mu_k, sigma_k^2), with their sum (``plots_yourdata.density_figure``)."""
    return density_figure(
        values,
        params,
        name,
        title=f"{name}: pixels and the fitted components",
        bins=64,
        data_name="pixels",
    )


def segment_caption(k: int, size: int, n_pixels: int, color: Sequence[int]) -> str:
    """ "Segment 2 · 12,345 px (4.5%) · mean colour #rrggbb"."""
    hex_color = "#{:02x}{:02x}{:02x}".format(*(int(c) for c in color))
    return f"Segment {k + 1} · {size:,} px ({100 * size / n_pixels:.1f}%) · mean colour {hex_color}"


#: Label and uncertainty maps are enlarged (each pixel a square block) to at least this side.
SHOWN_SIDE = 384
#: ... but never past this longer side (JPEG, which st.image sends, stops at 65,500 pixels).
SHOWN_MAX_SIDE = 4096


def enlarged(
    picture: np.ndarray, side: int = SHOWN_SIDE, max_side: int = SHOWN_MAX_SIDE
) -> np.ndarray:
    """A small picture with each pixel repeated as a square block, so that its shorter side is
    at least ``side`` pixels and the browser draws crisp pixels, not a blur; an elongated
    picture is enlarged less, so that its longer side stays within ``max_side`` (or as it was,
    if longer already)."""
    height, width = picture.shape[:2]
    factor = int(np.ceil(side / max(min(height, width), 1)))
    factor = max(1, min(factor, max_side // max(height, width, 1)))
    return picture.repeat(factor, axis=0).repeat(factor, axis=1) if factor > 1 else picture


def free_energy_figure(
    history: Sequence, betas: Sequence[float], current: int, current_label: str = ""
) -> go.Figure:
    """HMRF-EM's free energy F per iteration with the shown iteration marked, and beta on a
    second axis when it changes (``beta="estimate"``)."""
    iterations = [step.iteration for step in history]
    values = [step.objective for step in history]
    current = min(max(int(current), 0), len(history) - 1)
    fig = go.Figure(
        go.Scatter(
            x=iterations,
            y=values,
            mode="lines+markers",
            line={"color": "#3b5bdb"},
            marker={"size": 5},
            name="free energy F",
            hovertemplate="iteration %{x}<br>F %{y:.2f}<extra></extra>",
            meta={"role": "free_energy"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[iterations[current]],
            y=[values[current]],
            mode="markers",
            marker={"size": 13, "color": "crimson", "symbol": "diamond"},
            name=current_label or f"iteration {current}",
            hovertemplate="%{y:.2f}<extra>shown now</extra>",
            meta={"role": "current"},
        )
    )
    layout = {}
    if len(set(betas)) > 1:
        fig.add_trace(
            go.Scatter(
                x=iterations,
                y=list(betas),
                mode="lines",
                line={"color": "#e8590c", "dash": "dash"},
                name="beta (estimated)",
                yaxis="y2",
                hovertemplate="iteration %{x}<br>beta %{y:.3f}<extra></extra>",
                meta={"role": "beta"},
            )
        )
        layout["yaxis2"] = {
            "title": {"text": "beta"},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
            "tickformat": ".1f",
        }
    fig.add_vline(x=iterations[current], line={"color": "crimson", "width": 1, "dash": "dot"})
    fig.update_layout(
        title={"text": "Free energy F per iteration (never falls for a fixed beta)"},
        xaxis={"title": {"text": "iteration t"}},
        yaxis={"title": {"text": "free energy F"}},
        legend=legend_below(-0.25),
        margin={**MARGIN, "r": 60},
        height=340,
        **layout,
    )
    return fig


#: The phantom's classes, from the darkest level to the brightest.
TISSUES = ("background", "tissue", "lesion")


def scores_frame(plain, spatial) -> pd.DataFrame:
    """The phantom's scores (``PhantomScores``) of the plain mixture and HMRF-EM: accuracy,
    accuracy on the hidden pixels (when some are hidden) and Dice per class, one row each."""
    rows = {}
    for name, scores in (("Plain mixture", plain), ("HMRF-EM", spatial)):
        row = {"accuracy": scores.accuracy}
        if scores.hidden_accuracy is not None:
            row["accuracy on hidden pixels"] = scores.hidden_accuracy
        row.update(
            {f"Dice {tissue}": float(d) for tissue, d in zip(TISSUES, scores.dice, strict=True)}
        )
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index")
