"""Bundled real data sets and seeded synthetic generators with ground truth."""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from numbers import Real
from pathlib import Path

import numpy as np
import pandas as pd

from emlib.params import GMMParams


def _data_dir() -> Path:
    """The folder of bundled data: the repository's ``datasets/``, wherever it was put.

    An installed copy (a wheel, ``pip install .``) carries ``datasets/`` as the package data
    ``emlib/_data`` (``[tool.setuptools.package-dir]`` in pyproject.toml). An editable install
    imports emlib from the checkout, where ``datasets/`` sits next to ``emlib/``. pip always
    unpacks a wheel into folders, so the package's resources are real files.
    """
    package = Path(str(resources.files("emlib")))
    installed = package / "_data"
    return installed if installed.is_dir() else package.parent / "datasets"


#: The bundled data: emlib/_data in an installed copy, datasets/ in an editable checkout.
DATA_DIR = _data_dir()


@dataclass(frozen=True)
class Dataset:
    """A data matrix with its column names, and the true mixture when it is known.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
    feature_names : tuple of str
    name : str
    source : str
        Origin and attribution, to show wherever the data are shown.
    truth : GMMParams or None
        The mixture the data were drawn from (synthetic data only).
    labels : ndarray of shape (n_samples,) or None
        The true component of each row (synthetic data only).
    """

    X: np.ndarray
    feature_names: tuple[str, ...]
    name: str
    source: str
    truth: GMMParams | None = None
    labels: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class TableDataset:
    """A table of mixed columns (categorical and numeric), with its attribution.

    Attributes
    ----------
    frame : DataFrame of shape (n_samples, n_columns)
        Categorical columns have pandas ``category`` dtype (``frame[c].cat.codes`` gives the
        integer codes 0..n_levels-1, -1 for a missing value; ``frame[c].cat.categories`` the
        levels); numeric columns are float. NaN marks a missing value.
    categorical : tuple of str
        The categorical columns, in the frame's order.
    numeric : tuple of str
        The numeric columns, in the frame's order.
    name : str
    source : str
        Origin and attribution, to show wherever the data are shown.
    labels : Series of shape (n_samples,) or None
        A known class of each row, kept out of ``frame`` (named, on the frame's index).
    """

    frame: pd.DataFrame
    categorical: tuple[str, ...]
    numeric: tuple[str, ...]
    name: str
    source: str
    labels: pd.Series | None = None


def load_faithful() -> Dataset:
    """Old Faithful geyser: 272 eruptions, duration (min) and waiting time to the next (min)."""
    frame = pd.read_csv(DATA_DIR / "classic" / "faithful.csv")
    return Dataset(
        X=frame.to_numpy(dtype=float),
        feature_names=("eruptions (min)", "waiting (min)"),
        name="Old Faithful",
        source=(
            "Old Faithful geyser data (Yellowstone), from R's datasets package "
            "(Härdle 1991; Azzalini & Bowman 1990)."
        ),
    )


def load_airquality(columns: tuple[str, ...] = ("Ozone", "Solar.R", "Wind", "Temp")) -> Dataset:
    """New York air quality, May to September 1973 (153 days), with its real missing values.

    Ozone (ppb) is missing on 37 days and Solar.R (Langley) on 7; Wind (mph) and Temp (deg F)
    are complete. NaN marks a missing value.
    """
    frame = pd.read_csv(DATA_DIR / "classic" / "airquality.csv", na_values=["NA"])
    unknown = sorted(set(columns) - set(frame.columns))
    if unknown:
        raise ValueError(f"columns: {unknown} not in airquality; pick from {list(frame.columns)}")
    return Dataset(
        X=frame[list(columns)].to_numpy(dtype=float),
        feature_names=tuple(columns),
        name="New York air quality (1973)",
        source=(
            "New York air quality measurements, May to September 1973, from R's datasets "
            "package (Chambers, Cleveland, Kleiner & Tukey 1983)."
        ),
    )


def synthetic_truth(
    n_clusters: int, separation: float, rng: np.random.Generator, covariance_type: str = "full"
) -> GMMParams:
    """A random 2-D mixture whose means lie ``separation`` standard deviations apart.

    Means are spread on a jittered circle of radius chosen so that neighbouring means are
    about ``separation`` (in units of the components' typical standard deviation, 1) apart;
    covariances are random rotations of axis lengths in [0.5, 1.5]; weights are drawn from a
    Dirichlet(5) so that no cluster is tiny.
    """
    if n_clusters < 1:
        raise ValueError(f"n_clusters: expected an integer >= 1, got {n_clusters}")
    if not separation > 0:
        raise ValueError(f"separation: expected a positive number, got {separation}")
    angles = 2 * np.pi * (np.arange(n_clusters) + rng.uniform(-0.15, 0.15, n_clusters)) / n_clusters
    radius = 0.0 if n_clusters == 1 else separation / (2 * np.sin(np.pi / n_clusters))
    means = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    covs = np.empty((n_clusters, 2, 2))
    for k in range(n_clusters):
        theta = rng.uniform(0, np.pi)
        rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        axes = rng.uniform(0.5, 1.5, size=2) ** 2
        covs[k] = rot @ np.diag(axes) @ rot.T
    weights = rng.dirichlet(np.full(n_clusters, 5.0))
    return GMMParams(weights, means, covs, "full")


def make_synthetic(
    n_clusters: int = 3, separation: float = 3.0, n_samples: int = 300, seed: int = 0
) -> Dataset:
    """Draw ``n_samples`` 2-D points from a random mixture of ``n_clusters`` Gaussians.

    The same arguments give the same data; ``truth`` and ``labels`` hold the ground truth.
    """
    if n_samples < 1:
        raise ValueError(f"n_samples: expected an integer >= 1, got {n_samples}")
    rng = np.random.default_rng(seed)
    truth = synthetic_truth(n_clusters, separation, rng)
    labels = rng.choice(n_clusters, size=n_samples, p=truth.weights)
    chol = np.linalg.cholesky(truth.covariances)
    noise = rng.standard_normal((n_samples, 2))
    X = truth.means[labels] + np.einsum("nij,nj->ni", chol[labels], noise)
    return Dataset(
        X=X,
        feature_names=("x1", "x2"),
        name=f"Synthetic: {n_clusters} cluster{'s' * (n_clusters != 1)}",
        source=(
            f"Synthetic: {n_clusters} Gaussian cluster{'s' * (n_clusters != 1)}, "
            f"separation {separation}, seed {seed}."
        ),
        truth=truth,
        labels=labels,
    )


def make_collapse(seed: int = 0, n_identical: int = 8) -> Dataset:
    """Three separated 2-D clusters plus ``n_identical`` copies of one point beyond them.

    Maximum likelihood is unbounded here: a component that settles on the identical points
    shrinks to zero width. The teaching case for priors (MAP).
    """
    base = make_synthetic(3, 4.0, 200, seed)
    centre = base.X.mean(axis=0)
    outer = base.X[np.argmax(np.linalg.norm(base.X - centre, axis=1))]
    direction = (outer - centre) / np.linalg.norm(outer - centre)
    spot = np.round(outer + 3.0 * direction, 2)
    return Dataset(
        X=np.vstack([base.X, np.repeat(spot[None], n_identical, axis=0)]),
        feature_names=base.feature_names,
        name=f"Collapse: 3 clusters + {n_identical} identical points",
        source=(
            f"Synthetic: 3 Gaussian clusters (separation 4, 200 points, seed {seed}) plus "
            f"{n_identical} copies of the point ({spot[0]:g}, {spot[1]:g})."
        ),
        truth=base.truth,
        labels=np.concatenate([base.labels, np.full(n_identical, 3)]),
    )


# ------------------------------------------------------------------------------------ images
@dataclass(frozen=True)
class ImageInfo:
    """A bundled image: its file under datasets/images, a title and the attribution to show."""

    file: str
    title: str
    source: str


#: Bundled images by the short name used in URLs (see datasets/README.md).
IMAGES = {
    "china": ImageInfo(
        "china.jpg",
        "China (temple, 640x427 colour)",
        "china.jpg by danielbuechele (Flickr), CC BY 2.0; a scikit-learn sample image.",
    ),
    "flower": ImageInfo(
        "flower.jpg",
        "Flower (640x427 colour)",
        "flower.jpg by vultilion (Flickr), CC BY 2.0; a scikit-learn sample image.",
    ),
    "coffee": ImageInfo(
        "coffee.png",
        "Coffee (600x400 colour)",
        "coffee.png by Rachel Michetti, CC0; a scikit-image sample image.",
    ),
    "camera": ImageInfo(
        "camera.png",
        "Cameraman (512x512 grey)",
        "camera.png by Lav Varshney, CC0; a scikit-image sample image.",
    ),
    "coins": ImageInfo(
        "coins.png",
        "Greek coins (384x303 grey)",
        "coins.png: Greek coins from Pompeii, Brooklyn Museum collection (no known "
        "copyright restrictions); a scikit-image sample image.",
    ),
    "ct": ImageInfo(
        "CT_small_minmax8bit.png",
        "CT slice (128x128 grey)",
        "CT_small: a test scan shipped with pydicom, from the NEMA WG04 DICOM samples; "
        "converted to 8 bits by min-max scaling.",
    ),
    "mr": ImageInfo(
        "MR_small_minmax8bit.png",
        "MR slice (64x64 grey)",
        "MR_small: a test scan shipped with pydicom, from the NEMA WG04 DICOM samples; "
        "converted to 8 bits by min-max scaling.",
    ),
}


def load_image(name: str) -> np.ndarray:
    """A bundled image as uint8 pixels: (height, width) for grey, (height, width, 3) for colour."""
    from PIL import Image

    if name not in IMAGES:
        raise ValueError(f"Unknown image {name!r}; choose one of {', '.join(IMAGES)}.")
    with Image.open(DATA_DIR / "images" / IMAGES[name].file) as image:
        grey = image.mode in ("L", "I", "I;16", "1")
        return np.asarray(image.convert("L" if grey else "RGB"), dtype=np.uint8)


# ----------------------------------------------------------------------------- transactions
#: Attribution of the ULB card-fraud sample, shown wherever it is used.
CREDITCARD_SOURCE = (
    "Credit card transactions of European cardholders, September 2013, from the Machine "
    "Learning Group of ULB and Worldline (Kaggle “Credit Card Fraud Detection”), ODbL 1.0 / "
    "DbCL 1.0. Dal Pozzolo, Caelen, Johnson & Bontempi, “Calibrating Probability with "
    "Undersampling for Unbalanced Classification”, IEEE SSCI 2015. This sample holds all 492 "
    "frauds and 1,230 of the 284,315 legitimate transactions."
)
CREDIT_APPROVAL_SOURCE = (
    "Credit Approval (Quinlan), UCI Machine Learning Repository, CC BY 4.0: 690 anonymised "
    "Australian credit-card applications with their real missing values."
)
#: The numeric columns of crx.data (crx.names), by position.
CREDIT_APPROVAL_NUMERIC = {"A2": 1, "A3": 2, "A8": 7, "A11": 10, "A14": 13, "A15": 14}


def load_creditcard() -> Dataset:
    """The ULB card-fraud sample: 1,722 real transactions, 492 of them fraud.

    ``X`` holds Time (seconds from the first transaction of the full data), V1..V28 (PCA
    scores) and Amount (euros); ``labels`` holds Class (1 = fraud). Fraud is 28.6% here
    against 0.172% in the full data (284,315 legitimate, 492 fraud).
    """
    frame = pd.read_csv(DATA_DIR / "fraud" / "creditcard_ulb_sample.csv", index_col=0)
    features = ["Time", *(f"V{i}" for i in range(1, 29)), "Amount"]
    return Dataset(
        X=frame[features].to_numpy(dtype=float),
        feature_names=tuple(features),
        name="Card transactions (ULB, 2013)",
        source=CREDITCARD_SOURCE,
        labels=frame["Class"].to_numpy(dtype=int),
    )


def _read_crx() -> pd.DataFrame:
    """crx.data as read: 690 rows, 16 unnamed columns (0..15), `?` read as NaN."""
    return pd.read_csv(
        DATA_DIR / "fraud" / "crx.data", header=None, na_values="?", keep_default_na=False
    )


def load_credit_approval() -> Dataset:
    """UCI Credit Approval: 690 applications, the six numeric columns, `?` read as NaN.

    ``labels`` is 1 for class "+" and 0 for "-". A2 has 12 missing values and A14 13 (the
    other 42 missing cells of the file are in categorical columns, which are not loaded; see
    `load_credit_approval_frame` for all 15 attributes).
    """
    frame = _read_crx()
    numeric = frame.iloc[:, list(CREDIT_APPROVAL_NUMERIC.values())].astype(float)
    return Dataset(
        X=numeric.to_numpy(dtype=float),
        feature_names=tuple(CREDIT_APPROVAL_NUMERIC),
        name="Credit approval (UCI)",
        source=CREDIT_APPROVAL_SOURCE,
        labels=(frame.iloc[:, 15] == "+").to_numpy(dtype=int),
    )


#: The categorical columns of crx.data (crx.names), by position.
CREDIT_APPROVAL_CATEGORICAL = {
    "A1": 0,
    "A4": 3,
    "A5": 4,
    "A6": 5,
    "A7": 6,
    "A9": 8,
    "A10": 9,
    "A12": 11,
    "A13": 12,
}
#: The levels of each categorical column that occur in crx.data, in the order crx.names lists
#: them (A4's level "t" is listed there but never occurs), except the binary t/f fields, which
#: are ordered ("f", "t") so that their codes are 0 = f and 1 = t.
CREDIT_APPROVAL_LEVELS = {
    "A1": ("b", "a"),
    "A4": ("u", "y", "l"),
    "A5": ("g", "p", "gg"),
    "A6": ("c", "d", "cc", "i", "j", "k", "m", "r", "q", "w", "x", "e", "aa", "ff"),
    "A7": ("v", "h", "bb", "j", "n", "z", "dd", "ff", "o"),
    "A9": ("f", "t"),
    "A10": ("f", "t"),
    "A12": ("f", "t"),
    "A13": ("g", "p", "s"),
}


def load_credit_approval_frame() -> TableDataset:
    """UCI Credit Approval with all 15 attributes: 690 applications, `?` read as NaN.

    ``frame`` holds A1..A15 in the file's order. The nine categorical attributes are pandas
    ``category`` columns whose levels are those that occur (`CREDIT_APPROVAL_LEVELS`):

    ========  ======  ===========================================================
    column    levels  values (in category order)
    ========  ======  ===========================================================
    A1        2       b, a
    A4        3       u, y, l (crx.names also lists t, which never occurs)
    A5        3       g, p, gg
    A6        14      c, d, cc, i, j, k, m, r, q, w, x, e, aa, ff
    A7        9       v, h, bb, j, n, z, dd, ff, o
    A9        2       f, t (binary)
    A10       2       f, t (binary)
    A12       2       f, t (binary)
    A13       3       g, p, s
    ========  ======  ===========================================================

    A9, A10 and A12 are the binary (t/f) fields, complete, coded 0 = f and 1 = t. The six
    numeric attributes A2, A3, A8, A11, A14, A15 are float (the same values as
    `load_credit_approval`). ``labels`` is the Series "approved": 1 for class "+" (307
    applications) and 0 for "-" (383).

    Missing values: 67 cells in 37 rows, all as crx.names says: A1 12, A2 12, A4 6, A5 6,
    A6 9, A7 9, A14 13. A4 and A5 are one field written twice: u, y, l in A4 are always g, p,
    gg in A5, and both are missing on the same 6 rows; use one of them in a model, or it
    counts the same evidence twice.

    Raises
    ------
    ValueError
        If a categorical column of the file holds a value that crx.names does not list.
    """
    raw = _read_crx()
    columns = {}
    for position in range(15):
        column = f"A{position + 1}"
        values = raw.iloc[:, position]
        if column in CREDIT_APPROVAL_LEVELS:
            levels = CREDIT_APPROVAL_LEVELS[column]
            unknown = sorted(set(values.dropna()) - set(levels))
            if unknown:
                raise ValueError(f"crx.data: column {column} holds unknown levels {unknown}")
            columns[column] = pd.Categorical(values, categories=list(levels))
        else:
            columns[column] = values.astype(float)
    frame = pd.DataFrame(columns, index=raw.index)
    return TableDataset(
        frame=frame,
        categorical=tuple(c for c in frame.columns if c in CREDIT_APPROVAL_LEVELS),
        numeric=tuple(c for c in frame.columns if c in CREDIT_APPROVAL_NUMERIC),
        name="Credit approval (UCI), all attributes",
        source=CREDIT_APPROVAL_SOURCE,
        labels=(raw.iloc[:, 15] == "+").astype(int).rename("approved"),
    )


# ----------------------------------------------------------------------------------- retail
#: Attribution of the CDNOW purchases, shown wherever they are used.
CDNOW_SOURCE = (
    "CDNOW data, Fader & Hardie (2001): 69,659 purchases by the 23,570 customers who first "
    "bought at the CD retailer CDNOW in January to March 1997, up to 30 June 1998, as shipped "
    "in the lifetimes package."
)


def load_cdnow() -> pd.DataFrame:
    """The CDNOW purchases: one row per purchase line, columns customer_id (str, as in the
    file: "00001"), date (str, yyyymmdd), quantity (number of CDs) and amount (dollars)."""
    frame = pd.read_csv(
        DATA_DIR / "retail" / "CDNOW_master.txt",
        sep=r"\s+",
        dtype={"customer_id": str, "date": str},
    )
    return frame.rename(columns={"number_of_cds": "quantity", "dollar_value": "amount"})


# ---------------------------------------------------------------------------- discrete data
#: Citation of the two-coin example, shown wherever it is used.
TWO_COINS_SOURCE = (
    "Do, C. B. & Batzoglou, S. “What is the expectation maximization algorithm?” Nature "
    "Biotechnology 26, 897-899 (2008), figure 1. doi:10.1038/nbt1406"
)
#: The five sets of ten tosses of figure 1, H for heads and T for tails, in the paper's order.
TWO_COINS_SEQUENCES = (
    "HTTTHHTHTH",
    "HHHHTHHHHH",
    "HTHHHHHTHH",
    "HTHTTTHHTT",
    "THHHTHHHTH",
)


@dataclass(frozen=True, eq=False)
class TwoCoins:
    """The two-coin experiment of Do & Batzoglou (2008), figure 1, with the paper's numbers.

    Five times, one of two coins (A or B) is picked and tossed ten times. In part (a) the coin
    of each set is known; in part (b) it is hidden and EM estimates both biases. The arrays
    are read-only.

    Attributes
    ----------
    sequences : tuple of str
        The five sets of ten tosses, "H" for heads and "T" for tails.
    tosses : ndarray of shape (5, 10), bool
        The same tosses, True for heads.
    heads : ndarray of shape (5,), int
        Heads in each set: [5, 9, 8, 4, 7].
    trials : int
        Tosses in each set: 10.
    coins : tuple of str
        The coin of each set in part (a), the complete data: ("B", "A", "A", "B", "A").
    theta_complete : tuple of float
        (theta_A, theta_B) by maximum likelihood on the complete data, computed from ``heads``
        and ``coins``: coin A tossed sets 2, 3 and 5, 9 + 8 + 7 = 24 heads in 30 tosses, 0.80;
        coin B sets 1 and 4, 5 + 4 = 9 heads in 20 tosses, 0.45. These match the figure.
    theta_start : tuple of float
        EM's starting values in part (b), (theta_A, theta_B) = (0.60, 0.50).
    responsibilities_first : tuple of float
        P(coin A | set) in the first E-step, as printed: (0.45, 0.80, 0.73, 0.35, 0.65).
    theta_first : tuple of float
        (theta_A, theta_B) after one iteration, as printed: (0.71, 0.58).
    theta_final : tuple of float
        (theta_A, theta_B) after ``iterations_final`` iterations, as printed: (0.80, 0.52).
    iterations_final : int
        10.
    name : str
    source : str
        The citation, to show wherever the data are shown.

    Notes
    -----
    The printed numbers are rounded to two decimals; EM with binomial likelihoods from
    ``theta_start`` reproduces them (0.7130 / 0.5813 after one iteration, 0.7967 / 0.5197
    after ten).
    """

    sequences: tuple[str, ...]
    tosses: np.ndarray
    heads: np.ndarray
    trials: int
    coins: tuple[str, ...]
    theta_complete: tuple[float, float]
    theta_start: tuple[float, float]
    responsibilities_first: tuple[float, ...]
    theta_first: tuple[float, float]
    theta_final: tuple[float, float]
    iterations_final: int
    name: str
    source: str


def load_two_coins() -> TwoCoins:
    """The five sets of ten coin tosses of Do & Batzoglou (2008), with the paper's numbers.

    See `TwoCoins` for the fields; ``heads`` is counted from the sequences.
    """
    tosses = np.array([[toss == "H" for toss in sequence] for sequence in TWO_COINS_SEQUENCES])
    heads = tosses.sum(axis=1)
    trials = tosses.shape[1]
    coins = ("B", "A", "A", "B", "A")
    is_a = np.array(coins) == "A"
    theta_a = heads[is_a].sum() / (trials * is_a.sum())
    theta_b = heads[~is_a].sum() / (trials * (~is_a).sum())
    tosses.setflags(write=False)
    heads.setflags(write=False)
    return TwoCoins(
        sequences=TWO_COINS_SEQUENCES,
        tosses=tosses,
        heads=heads,
        trials=trials,
        coins=coins,
        theta_complete=(float(theta_a), float(theta_b)),
        theta_start=(0.60, 0.50),
        responsibilities_first=(0.45, 0.80, 0.73, 0.35, 0.65),
        theta_first=(0.71, 0.58),
        theta_final=(0.80, 0.52),
        iterations_final=10,
        name="Two coins (Do & Batzoglou 2008)",
        source=TWO_COINS_SOURCE,
    )


#: Attribution of the handwritten digits, shown wherever they are used.
DIGITS_SOURCE = (
    "Optical Recognition of Handwritten Digits (Alpaydin & Kaynak 1998), UCI Machine Learning "
    "Repository, CC BY 4.0: the 1,797 8x8 images bundled with scikit-learn "
    "(sklearn.datasets.load_digits)."
)


def load_binary_digits(threshold: float = 8) -> Dataset:
    """Handwritten digits as 0/1 pixels: 1,797 images of 8x8, for Bernoulli mixtures.

    The images are those bundled with scikit-learn (`sklearn.datasets.load_digits`, no
    download): each pixel counts the ink in a 4x4 block of a 32x32 bitmap, 0..16. A pixel is
    1.0 where that count is above ``threshold`` and 0.0 elsewhere.

    Parameters
    ----------
    threshold : float, default 8
        A pixel is on where its value (0..16) is greater than this; 0 <= threshold < 16.

    Returns
    -------
    Dataset
        ``X`` of shape (1797, 64), float 0.0/1.0, row-major (pixel r, c is column 8 r + c);
        ``feature_names`` "pixel_r_c"; ``labels`` the true digit 0..9 (int).

    Raises
    ------
    ValueError
        If ``threshold`` is not a number in [0, 16).
    """
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, Real)
        or math.isnan(threshold)
        or not 0 <= threshold < 16
    ):
        raise ValueError(
            f"threshold: expected a number with 0 <= threshold < 16 (pixels are 0..16), "
            f"got {threshold!r}"
        )
    from sklearn.datasets import load_digits

    digits = load_digits()
    return Dataset(
        X=(digits.data > threshold).astype(float),
        feature_names=tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8)),
        name=f"Handwritten digits, binarised (pixel > {threshold:g})",
        source=DIGITS_SOURCE,
        labels=digits.target.astype(int),
    )


#: Attribution of the 1996 election survey, shown wherever it is used.
ANES96_SOURCE = (
    "American National Election Studies, 1996 Time Series Study (www.electionstudies.org; "
    "public domain): 944 respondents, as shipped in statsmodels (statsmodels.datasets.anes96)."
)
#: The survey items for a latent class model of the 1996 electorate (all categorical).
ANES96_LATENT_CLASS_COLUMNS = ("PID", "selfLR", "ClinLR", "DoleLR", "vote")
_LEFT_RIGHT = (
    "Extremely liberal",
    "Liberal",
    "Slightly liberal",
    "Moderate",
    "Slightly conservative",
    "Conservative",
    "Extremely conservative",
)
#: Names of the levels of the latent-class items, in category order (statsmodels' codebook).
ANES96_LEVEL_NAMES = {
    "PID": (
        "Strong Democrat",
        "Weak Democrat",
        "Independent-Democrat",
        "Independent-Independent",
        "Independent-Republican",
        "Weak Republican",
        "Strong Republican",
    ),
    "selfLR": _LEFT_RIGHT,
    "ClinLR": _LEFT_RIGHT,
    "DoleLR": _LEFT_RIGHT,
    "vote": ("Clinton", "Dole"),
}
#: The codes of each categorical column of anes96.csv, in order.
ANES96_CODES = {
    "selfLR": tuple(range(1, 8)),
    "ClinLR": tuple(range(1, 8)),
    "DoleLR": tuple(range(1, 8)),
    "PID": tuple(range(7)),
    "educ": tuple(range(1, 8)),
    "income": tuple(range(1, 25)),
    "vote": (0, 1),
}


def load_anes96() -> TableDataset:
    """The 1996 American National Election Study: 944 respondents, a latent class example.

    Real survey answers with no missing value, as shipped in statsmodels. The categorical
    columns are pandas ``category`` columns whose categories are the survey's integer codes
    (`ANES96_CODES`; every code occurs), so ``frame[c].cat.codes`` counts from 0:

    - PID, party identification, 7 levels: 0 strong Democrat .. 3 independent .. 6 strong
      Republican (ordered).
    - selfLR, ClinLR, DoleLR, 7 levels each: where the respondent places themself, Bill
      Clinton and Bob Dole, 1 extremely liberal .. 4 moderate .. 7 extremely conservative
      (ordered).
    - vote, 2 levels: expected vote, 0 Clinton (551), 1 Dole (393).
    - educ, 7 levels (ordered): 1 = grade school .. 3 = high school graduate .. 7 = the
      highest; statsmodels names 5, 6, 7 "college degree", "master's degree", "PhD", which
      their counts (90, 227, 127) make doubtful, so show the codes, not those names.
    - income, 24 levels (ordered): household income bands, 1 = under $3,000 .. 24 = $105,000
      and over.

    The numeric columns are float: popul (population of the respondent's census place, in
    thousands), TVnews (days a week the respondent watches TV news, 0..7) and age (years).
    `ANES96_LATENT_CLASS_COLUMNS` names the five items of the classic exercise (party, three
    left-right placements, vote) and `ANES96_LEVEL_NAMES` their level names. ``labels`` is
    None: no true class is known.

    Raises
    ------
    ValueError
        If the file holds a code that the codebook does not list.
    """
    raw = pd.read_csv(DATA_DIR / "classic" / "anes96.csv", sep="\t")
    raw.columns = [column.strip("'") for column in raw.columns]
    columns = {}
    for column in raw.columns:
        if column in ANES96_CODES:
            codes = ANES96_CODES[column]
            unknown = sorted(set(raw[column]) - set(codes))
            if unknown:
                raise ValueError(f"anes96.csv: column {column} holds unknown codes {unknown}")
            columns[column] = pd.Categorical(
                raw[column], categories=list(codes), ordered=column != "vote"
            )
        else:
            columns[column] = raw[column].astype(float)
    frame = pd.DataFrame(columns, index=raw.index)
    return TableDataset(
        frame=frame,
        categorical=tuple(c for c in frame.columns if c in ANES96_CODES),
        numeric=tuple(c for c in frame.columns if c not in ANES96_CODES),
        name="American National Election Study 1996",
        source=ANES96_SOURCE,
    )
