"""Gaussian mixtures beyond one machine's memory: ``GaussianMixtureEM`` on dask arrays.

``GaussianMixtureEM().fit(X)`` with ``X`` a ``dask.array.Array`` chunked by rows runs EM as
map-reduce over the chunks (``emlib.scale.fit``), on whatever scheduler is active: dask's
threads, or a ``dask.distributed`` cluster once a ``Client`` is made. ``predict``,
``predict_proba``, ``score_samples`` and ``impute`` return lazy dask arrays
(``emlib.scale.outputs``); ``read_table_files`` reads a folder of Parquet or CSV files into
such an array (``emlib.scale.files``).

This package is the only part of emlib that imports dask (an import-linter contract), and
nothing imports it until a dask array is passed: ``import emlib`` and every fit in memory
leave dask unimported. Install it with ``pip install "emlab[dask]"``.
"""

from emlib.scale.files import read_table_files
from emlib.scale.fit import fit_dask

__all__ = ["fit_dask", "read_table_files"]
