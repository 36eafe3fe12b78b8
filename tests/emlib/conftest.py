import numpy as np
import pytest

from emlib.datasets import load_faithful, make_synthetic


@pytest.fixture(scope="session")
def faithful() -> np.ndarray:
    return load_faithful().X


def _datasets() -> dict[str, np.ndarray]:
    from sklearn.datasets import load_iris

    rng = np.random.default_rng(7)
    blobs3d = np.vstack(
        [rng.normal(loc, scale, size=(80, 3)) for loc, scale in [(0, 1), (4, 0.5), (-3, 2)]]
    )
    return {
        "faithful": load_faithful().X,
        "synthetic": make_synthetic(3, 2.5, 400, seed=3).X,
        "blobs3d": blobs3d,
        "iris": load_iris().data,
    }


DATASETS = _datasets()


@pytest.fixture(params=sorted(DATASETS))
def dataset(request) -> tuple[str, np.ndarray]:
    return request.param, DATASETS[request.param]
