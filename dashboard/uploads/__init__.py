"""Reading and checking uploaded files, with messages a person understands.

Nothing here draws on the page or touches the disk: every reader takes the uploaded bytes and
returns a frozen result that either holds the data or says, in plain words, what is wrong and
what to do. None of them raises on a bad file. Streamlit is asked one thing only: its upload
size limit.

- ``text``: escaping a user's text for Markdown (``plain``) and for labels (``plain_label``).
- ``sniffing``: what a file really is (binary formats by their first bytes, the text encoding,
  JSON / HTML / XML).
- ``tables`` and ``columns``: ``read_table`` (delimiter, decimal comma, header, encoding,
  quoted fields, missing-value markers, what each column holds).
- ``checks``: modelling checks on a read table (features, rows, clusters, labels).
- ``images``: ``read_image`` (PNG, JPEG, GIF, BMP and WebP; limits, orientation, alpha).
- ``limits``: file types, the upload size limit, row and pixel limits.

Messages and notes are meant for ``st.error`` / ``st.info`` / ``st.caption``, which render
Markdown: every piece of the user's text inside them (file name, column names, cell values) is
Markdown-escaped by ``plain``. Column names in the results themselves are raw ``str`` and must
be shown as data (``st.dataframe``, ``st.text``) or escaped with ``plain``, never as HTML.
"""

from dashboard.uploads.checks import (
    binary_labels,
    check_components,
    feature_matrix,
    feature_selection,
)
from dashboard.uploads.columns import MISSING_MARKERS
from dashboard.uploads.images import IMAGE_FORMATS, IMAGE_KINDS, ImageUpload, read_image
from dashboard.uploads.limits import (
    IMAGE_TYPES,
    MAX_IMAGE_PIXELS,
    MAX_UPLOAD_MB,
    MIN_CSV_ROWS,
    MIN_TABLE_ROWS,
    ROW_LIMIT,
    TABLE_TYPES,
    WORKING_PIXELS,
)
from dashboard.uploads.sniffing import sniff_binary
from dashboard.uploads.tables import (
    TableUpload,
    detect_delimiter,
    parse_transactions_csv,
    read_table,
)
from dashboard.uploads.text import plain, plain_label, plain_labels

__all__ = [
    "IMAGE_FORMATS",
    "IMAGE_KINDS",
    "IMAGE_TYPES",
    "MAX_IMAGE_PIXELS",
    "MAX_UPLOAD_MB",
    "MIN_CSV_ROWS",
    "MIN_TABLE_ROWS",
    "MISSING_MARKERS",
    "ROW_LIMIT",
    "TABLE_TYPES",
    "WORKING_PIXELS",
    "ImageUpload",
    "TableUpload",
    "binary_labels",
    "check_components",
    "detect_delimiter",
    "feature_matrix",
    "feature_selection",
    "parse_transactions_csv",
    "plain",
    "plain_label",
    "plain_labels",
    "read_image",
    "read_table",
    "sniff_binary",
]
