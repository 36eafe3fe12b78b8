"""The house style every chart shares, and the small helpers the charts are built from: margins,
the legend below the plot, one colour per component and the colour a point's
responsibilities blend to, the 1- and 2-sigma ellipse outline of a 2 x 2 covariance, where
rows with gaps are drawn, and figures made of plain dicts without plotly's validation.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from emlib.missing import mean_filled

#: The house layout every chart shares: its margins (room for the axis titles and the title)
#: and a horizontal legend under the plot. Figures take ``margin=MARGIN`` and
#: ``legend=legend_below(y)`` and set only what is their own.
MARGIN = {"l": 60, "r": 20, "t": 50, "b": 40}


#: The ring that marks one chosen point (the inspected point, the replayed start).
HIGHLIGHT_RING = {"symbol": "circle-open", "size": 18, "color": "crimson", "line": {"width": 3}}


def legend_below(y: float = -0.15) -> dict:
    """A horizontal legend under the plot, its top at ``y`` (a fraction of the plot's height)."""
    return {"orientation": "h", "yanchor": "top", "y": y, "x": 0}


#: One colour per component (up to eight, then they repeat): colour-blind friendly (Okabe-Ito).
COMPONENT_COLORS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#8C6D31",
    "#000000",
)
#: Points before the first E-step have no responsibilities yet: they are drawn in this grey.
UNASSIGNED_COLOR = "rgb(150,150,150)"
#: Up to this many points, each marker has a thin white outline that parts overlapping
#: points; beyond, the points go without: among so many it barely shows, and it costs the
#: browser a stroke on every point in every frame (the Image segmentation page's instant
#: scrub, 1000 points: 103 ms a click with it, 85 ms without, in alternating blocks).
OUTLINE_MAX_POINTS = 500


def point_outline(n_points: int) -> dict:
    """The markers' outline for a chart of ``n_points`` points (``OUTLINE_MAX_POINTS``)."""
    return {"width": 0.5 if n_points <= OUTLINE_MAX_POINTS else 0, "color": "white"}


TRUTH_COLOR = "rgb(90,90,90)"
SIGMA = "\N{GREEK SMALL LETTER SIGMA}"
#: The t distribution's degrees of freedom, as texts and tables name them.
NU = "\N{GREEK SMALL LETTER NU}"


def component_color(k: int) -> str:
    """The hex colour of component ``k``."""
    return COMPONENT_COLORS[k % len(COMPONENT_COLORS)]


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """``"#0072B2"`` -> ``(0, 114, 178)``."""
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def blend_colors(resp: np.ndarray) -> list[str]:
    """Each point's colour: the component colours mixed in RGB, weighted by its responsibilities.

    Parameters
    ----------
    resp : ndarray of shape (n_samples, n_components)
        Rows sum to one.

    Returns
    -------
    list of ``"rgb(r,g,b)"`` strings, one per point.
    """
    return [f"rgb({r},{g},{b})" for r, g, b in mixed_rgb(resp)]


def mixed_rgb(resp: np.ndarray) -> np.ndarray:
    """Each point's colour as integer (r, g, b), shape (n_samples, 3): sum_k r_nk c_k over the
    component colours c_k (``component_color``), rounded (``blend_colors`` formats it)."""
    resp = np.asarray(resp, dtype=float)
    palette = np.array([hex_to_rgb(component_color(k)) for k in range(resp.shape[1])], float)
    return np.clip(np.rint(resp @ palette), 0, 255).astype(int)


def ellipse_points(
    mean: np.ndarray, cov: np.ndarray, n_sigma: float = 1.0, n_points: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """The closed curve {mean + n_sigma * Sigma^(1/2) u : |u| = 1} of a 2-D Gaussian.

    Sigma = V diag(lambda) V^T (eigendecomposition), so the curve's half-axes point along the
    eigenvectors with lengths n_sigma * sqrt(lambda). Returns x and y, each of length
    ``n_points + 1`` (the first point is repeated to close the curve).
    """
    eigvals, eigvecs = np.linalg.eigh(np.asarray(cov, dtype=float))
    radii = n_sigma * np.sqrt(np.clip(eigvals, 0.0, None))
    angle = np.linspace(0.0, 2.0 * np.pi, n_points + 1)
    circle = np.vstack([np.cos(angle), np.sin(angle)])
    curve = eigvecs @ (radii[:, None] * circle) + np.asarray(mean, dtype=float)[:, None]
    return curve[0], curve[1]


def axis_range(values: np.ndarray, pad: float = 0.08) -> list[float]:
    """[low, high] of ``values`` widened by ``pad`` of their span on each side."""
    low, high = float(np.min(values)), float(np.max(values))
    span = high - low or 1.0
    return [low - pad * span, high + pad * span]


def missing_rows(X: np.ndarray) -> np.ndarray:
    """Indices of the rows of X holding NaN, in the order of ``EMStep.imputed``."""
    return np.flatnonzero(np.isnan(np.asarray(X, dtype=float)).any(axis=1))


def filled_positions(X: np.ndarray, imputed: np.ndarray | None = None) -> np.ndarray:
    """X with its rows holding NaN replaced by ``imputed`` (one row per such row, in order);
    without ``imputed``, each NaN becomes its column's observed mean (the start's fill)."""
    X = np.asarray(X, dtype=float)
    rows = missing_rows(X)
    if len(rows) == 0:
        return X
    if imputed is None:
        return mean_filled(X)
    shown = X.copy()
    shown[rows] = np.asarray(imputed, dtype=float)
    return shown


def scatter_trace(**props) -> dict:
    """A scatter trace as a plain dict (see ``plain_figure``)."""
    return {"type": "scatter", **props}


def plain_figure(data: list[dict], layout: dict) -> go.Figure:
    """A ``go.Figure`` of plain trace and layout dicts, built without plotly's validation.

    Plotly checks every property on building a trace, on adding it to a figure and on every
    ``update_layout`` (and every point's colour string one by one): most of a viewer step's
    server time (issue 21), for figures these builders make from known-good values. The
    figure is the one the validated calls build (``tests/dashboard/components/test_figures``
    rebuilds each with validation and compares the dicts), and it checks again from here
    on: a caller's ``add_trace`` or ``update_layout`` is validated as usual.
    """
    fig = go.Figure({"data": data, "layout": layout}, _validate=False)
    fig._validate = fig.layout._validate = True
    return fig
