"""A folder of Parquet or CSV files as one row-chunked dask array, through dask.dataframe."""

from __future__ import annotations

from pathlib import Path

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

FORMATS = {"parquet": (".parquet", ".pq"), "csv": (".csv",)}


def table_files(folder, file_format: str | None = None) -> tuple[str, list[Path]]:
    """The format and the sorted files of ``folder`` (Parquet or CSV; guessed when None)."""
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"folder: {str(root)!r} is not a folder")
    if file_format is not None and file_format not in FORMATS:
        raise ValueError(f"file_format: expected 'parquet', 'csv' or None, got {file_format!r}")
    found = {
        name: sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
        for name, suffixes in FORMATS.items()
    }
    if file_format is None:
        present = [name for name, files in found.items() if files]
        if len(present) != 1:
            raise ValueError(
                f"folder: {str(root)!r} holds "
                + (
                    "both Parquet and CSV files; choose one with file_format="
                    if present
                    else "no .parquet, .pq or .csv file"
                )
            )
        file_format = present[0]
    if not found[file_format]:
        raise ValueError(f"folder: {str(root)!r} holds no {file_format} file")
    return file_format, found[file_format]


def read_table_files(
    folder,
    *,
    columns: list[str] | None = None,
    file_format: str | None = None,
    blocksize: str | int = "64MB",
) -> da.Array:
    """Read every Parquet (or CSV) file of ``folder`` into a float64 dask array chunked by
    rows, ready for ``GaussianMixtureEM.fit``.

    Each Parquet file (row group) or each ``blocksize`` bytes of CSV becomes one row chunk;
    the chunks' lengths are computed (one pass over the files), so the fit knows where every
    row lies. Empty cells become NaN, which the fit takes as missing values.

    Parameters
    ----------
    folder : path of a folder of ``.parquet`` / ``.pq`` or ``.csv`` files (same columns)
    columns : the columns to keep (default: all, which must then all be numeric)
    file_format : "parquet", "csv" or None (from the files' suffixes)
    blocksize : bytes of CSV per chunk

    Raises
    ------
    ValueError
        No such folder or file, both formats present, a missing column, or a column that is
        not numeric (named, with how to keep the others).
    """
    file_format, files = table_files(folder, file_format)
    paths = [str(p) for p in files]
    if file_format == "parquet":
        frame = dd.read_parquet(paths)
    else:
        frame = dd.read_csv(paths, blocksize=blocksize)
    if columns is not None:
        unknown = [c for c in columns if c not in frame.columns]
        if unknown:
            raise ValueError(
                f"columns: {unknown} not in the files (they have {list(frame.columns)})"
            )
        frame = frame[list(columns)]
    text = [
        str(name)
        for name, dtype in frame.dtypes.items()
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))
    ]
    if text:
        raise ValueError(
            f"columns: {text} are not numeric; pass columns=[...] with the numeric ones "
            "to fit, or convert those to numbers."
        )
    return frame.to_dask_array(lengths=True).astype(np.float64)
