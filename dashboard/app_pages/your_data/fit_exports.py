"""The downloads of a "Your data" fit on an upload's numeric columns: every row of the file
with its cluster and responsibilities (``labels_csv``), and Python that defines ``X`` as the
fit saw it (``data_code``)."""

from __future__ import annotations

import numpy as np

from dashboard.app_pages.your_data.fit_settings import UploadFitSettings
from dashboard.app_pages.your_data.options import EXAMPLES, FIT_ROWS
from dashboard.app_pages.your_data.run import UploadFit
from dashboard.app_pages.your_data.source import Source
from dashboard.components.downloads import table_data_code
from dashboard.uploads import TableUpload
from emlib.io.export import table_assignments_csv


def labels_csv(upload: TableUpload, columns: tuple[str, ...], fit: UploadFit) -> str:
    """The labels download: every row of the file (``row_id`` = its number among the data
    rows, 1 for the first) with all its columns, text ones included, whether the fit used it,
    and its cluster and responsibilities under the final parameters
    (``emlib.io.export.table_assignments_csv``)."""
    frame = upload.frame
    fitted = np.zeros(len(frame), dtype=bool)
    fitted[fit.rows] = True
    return table_assignments_csv(
        {str(c): frame[c].tolist() for c in frame.columns},
        frame[list(columns)].to_numpy(dtype=float),
        fit.history[-1].params,
        fitted=fitted,
    )


def data_code(source: Source, upload: TableUpload, settings: UploadFitSettings) -> str:
    """Python that defines ``X`` as the page's fit saw it (``exports.table_data_code``): the
    file read as ``read_table`` read it, the chosen columns, rows with none of them left out,
    the seeded sample of ``FIT_ROWS`` rows (as ``uploads.feature_selection`` draws it) and,
    when chosen, the rows with a gap dropped."""
    path = f"datasets/{EXAMPLES_BY_FILE[source.name]}" if source.example else source.name
    where = (
        "a bundled example of EM Lab (run this in the EM Lab project folder)"
        if source.example
        else "your uploaded file, saved next to this script"
    )
    return table_data_code(
        upload,
        path,
        settings.columns,
        where=where,
        max_rows=FIT_ROWS,
        seed=settings.seed,
        drop_gaps=settings.missing == "drop",
    )


EXAMPLES_BY_FILE = {path.rsplit("/", 1)[-1]: path for path, _ in EXAMPLES.values()}
