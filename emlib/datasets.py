"""Bundled real data sets and seeded synthetic generators with ground truth."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
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
        name=f"Synthetic: {n_clusters} clusters",
        source=f"Synthetic: {n_clusters} Gaussian clusters, separation {separation}, seed {seed}.",
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


def load_credit_approval() -> Dataset:
    """UCI Credit Approval: 690 applications, the six numeric columns, `?` read as NaN.

    ``labels`` is 1 for class "+" and 0 for "-". A2 has 12 missing values and A14 13 (the
    other 42 missing cells of the file are in categorical columns, which are not loaded).
    """
    frame = pd.read_csv(
        DATA_DIR / "fraud" / "crx.data", header=None, na_values="?", keep_default_na=False
    )
    numeric = frame.iloc[:, list(CREDIT_APPROVAL_NUMERIC.values())].astype(float)
    return Dataset(
        X=numeric.to_numpy(dtype=float),
        feature_names=tuple(CREDIT_APPROVAL_NUMERIC),
        name="Credit approval (UCI)",
        source=CREDIT_APPROVAL_SOURCE,
        labels=(frame.iloc[:, 15] == "+").to_numpy(dtype=int),
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
