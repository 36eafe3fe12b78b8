"""A 1-megapixel image fit: 5 components, full covariances, EM to convergence.

    python -m bench.image_fit            # median of 3
    python -m bench.image_fit 5          # median of 5

The bundled china.jpg (427 x 640) resized to 1000 x 1000 with Pillow (bicubic) is a real
photograph's colours at a million pixels. Its standardised RGB values are fitted by
``GaussianMixtureEM(5, covariance_type="full")`` from a k-means start (the start included in
the time), with ``max_iter`` high enough that EM stops by the tolerance, not the limit; then
every pixel is labelled as the image page does (``emlib.cases.image.posterior``). Printed:
wall and process CPU seconds of the fit and of the labelling, iterations, whether it
converged, and the load average.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
from PIL import Image

from emlib import GaussianMixtureEM
from emlib.cases.image import pixel_features, posterior
from emlib.datasets import load_image

SIDE = 1000
N_COMPONENTS = 5
MAX_ITER = 1000


def megapixel_values() -> np.ndarray:
    """Standardised RGB of china.jpg resized to SIDE x SIDE: (1_000_000, 3)."""
    image = Image.fromarray(load_image("china")).resize((SIDE, SIDE), Image.Resampling.BICUBIC)
    return pixel_features(np.asarray(image)).values


def fit_once(values: np.ndarray, seed: int = 0) -> dict:
    t0, c0 = time.perf_counter(), time.process_time()
    model = GaussianMixtureEM(
        N_COMPONENTS, covariance_type="full", random_state=seed, max_iter=MAX_ITER
    ).fit(values)
    t1, c1 = time.perf_counter(), time.process_time()
    posterior(values, model.params_)
    t2, c2 = time.perf_counter(), time.process_time()
    return {
        "fit": (t1 - t0, c1 - c0),
        "label": (t2 - t1, c2 - c1),
        "n_iter": model.n_iter_,
        "converged": model.converged_,
    }


def main(repeat: int = 3) -> None:
    import os

    values = megapixel_values()
    runs = [fit_once(values) for _ in range(repeat)]
    fit = [r["fit"] for r in runs]
    label = [r["label"] for r in runs]
    print(
        f"1-megapixel fit ({values.shape[0]:,} x {values.shape[1]}, K = {N_COMPONENTS}, full), "
        f"median of {repeat}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"  fit to convergence: wall {statistics.median(f[0] for f in fit):.2f} s, CPU "
        f"{statistics.median(f[1] for f in fit):.2f} s; {runs[0]['n_iter']} iterations, "
        f"converged {runs[0]['converged']}"
    )
    print(
        f"  label every pixel:  wall {statistics.median(x[0] for x in label):.2f} s, CPU "
        f"{statistics.median(x[1] for x in label):.2f} s"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
