"""``predict``, ``predict_proba``, ``score_samples`` and ``impute`` of a fitted
``GaussianMixtureEM`` on a dask array: lazy dask arrays with the input's row chunks, each
chunk computed by the in-memory method itself (``map_blocks``), so the numbers are the same.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import dask.array as da
import numpy as np

from emlib.scale.fit import prepared

#: method -> (dtype, output is one number per row, output has K columns)
OUTPUTS = {
    "predict": (np.intp, True, False),
    "score_samples": (np.float64, True, False),
    "predict_proba": (np.float64, False, True),
    "impute": (np.float64, False, False),
}


def slim(model):
    """A shallow copy of a fitted model that carries only its last step: what a chunk needs
    (the history's responsibilities, when an in-memory fit kept them, stay behind)."""
    light = copy.copy(model)
    last = model.history_[-1]
    light.history_ = [replace(last, responsibilities=None, imputed=None, scale_weights=None)]
    return light


def _apply(block: np.ndarray, model, method: str, width: int) -> np.ndarray:
    dtype, per_row, _ = OUTPUTS[method]
    if block.shape[0] == 0:
        return np.empty((0,) if per_row else (0, width), dtype=dtype)
    return getattr(model, f"_{method}")(block)


def lazy_output(model, method: str, X) -> da.Array:
    """``model.<method>`` over the row chunks of ``X`` (validated like the in-memory method:
    the shape here, the values in each chunk when it is computed)."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model, "history_")
    X = prepared(X)
    d = model.n_features_in_
    if X.shape[1] != d:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(model).__name__} is expecting {d} "
            "features as input."
        )
    dtype, per_row, components = OUTPUTS[method]
    width = model.n_components if components else d
    kwargs = {"model": slim(model), "method": method, "width": width, "dtype": dtype}
    if per_row:
        return X.map_blocks(_apply, drop_axis=1, chunks=(X.chunks[0],), **kwargs)
    return X.map_blocks(_apply, chunks=(X.chunks[0], (width,)), **kwargs)
