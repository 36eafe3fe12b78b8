"""The rows the mixed model fits on an upload (``mixed_rows``): the chosen columns' rows with a
value, sampled from a large file and, when chosen, without the rows with a gap."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.app_pages.your_data.mixed_columns import model_frame
from dashboard.app_pages.your_data.options import FIT_ROWS
from dashboard.uploads import MIN_TABLE_ROWS, TableUpload, check_components


def mixed_rows(
    upload: TableUpload, columns: tuple[str, ...], k: int, missing: str, seed: int
) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """(rows to fit, their positions in ``upload.frame``, notes) for the chosen columns.

    Rows with none of the columns are left out, larger tables are sampled to ``FIT_ROWS``
    rows (seeded, as ``uploads.feature_selection`` does), and with ``missing`` "drop" the
    rows with a gap go too. Raises ``ValueError`` in plain words when too few rows remain.
    """
    if not columns:
        raise ValueError("Choose at least one column to model.")
    frame = model_frame(upload, columns)
    rows, notes = np.arange(len(frame)), []
    observed = frame.notna().any(axis=1).to_numpy()
    if not observed.all():
        n_empty = int((~observed).sum())
        notes.append(f"{n_empty:,} rows with no value in the chosen columns were left out.")
        frame, rows = frame[observed], rows[observed]
    if len(frame) < MIN_TABLE_ROWS:
        raise ValueError(
            f"Only {len(frame)} rows have a value in the chosen columns; at least "
            f"{MIN_TABLE_ROWS} are needed. Choose other columns or add rows."
        )
    if len(frame) > FIT_ROWS:
        keep = np.sort(np.random.default_rng(seed).choice(len(frame), FIT_ROWS, replace=False))
        notes.append(
            f"The table has {len(frame):,} usable rows; the fit uses a random sample of "
            f"{FIT_ROWS:,} of them (seed {seed})."
        )
        frame, rows = frame.iloc[keep], rows[keep]
    gappy = frame.isna().any(axis=1).to_numpy()
    if gappy.any() and missing == "drop":
        notes.append(f"{int(gappy.sum())} of {len(frame)} rows have a gap and are dropped.")
        frame, rows = frame[~gappy], rows[~gappy]
    elif gappy.any():
        notes.append(
            f"{int(gappy.sum())} of {len(frame)} rows have a gap in the chosen columns. EM "
            "keeps them: a missing value drops out of its row's likelihood, which uses the "
            "values the row has."
        )
    problem = check_components(len(frame), k)
    if problem:
        raise ValueError(problem)
    return frame.reset_index(drop=True), rows, notes
