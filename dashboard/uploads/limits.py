"""What the uploaders accept: file types, Streamlit's size limit, and row and pixel limits."""

from __future__ import annotations

import streamlit as st

from emlib.cases.image import WORKING_PIXELS as IMAGE_WORKING_PIXELS

#: Streamlit refuses larger uploads before they reach the app (``server.maxUploadSize``, from
#: .streamlit/config.toml of the folder the app runs from, or Streamlit's own default).
MAX_UPLOAD_MB: int = st.get_option("server.maxUploadSize")
#: Tables with more rows are fitted on a seeded random sample of this many rows.
ROW_LIMIT = 200_000
#: A table needs at least this many data rows to be fitted at all.
MIN_TABLE_ROWS = 10
#: An uploaded table of transactions needs at least this many rows to split, fit and evaluate.
MIN_CSV_ROWS = 20
#: Images with more pixels are downscaled (keeping their aspect ratio) to about this many.
WORKING_PIXELS = IMAGE_WORKING_PIXELS
#: Images with more pixels than this are refused before they are decoded.
MAX_IMAGE_PIXELS = 50_000_000
#: Pictures with a shorter side are refused: too thin to segment (or to show: a 2000 x 5 strip
#: enlarged for display passed JPEG's 65,500-pixel limit, and its 240-pixel-wide thumbnail was
#: 0 pixels high).
MIN_IMAGE_SIDE = 8
#: Pictures whose longer side is more than this many times their shorter side are refused.
MAX_IMAGE_ASPECT = 100
#: File name endings the uploaders offer: pictures, and tables (delimited text).
IMAGE_TYPES = ("png", "jpg", "jpeg", "gif", "bmp", "webp")
TABLE_TYPES = ("csv", "txt", "tsv")


def too_large(content: bytes) -> bool:
    """Whether ``content`` is over ``MAX_UPLOAD_MB`` (bytes that reached the reader another
    way than Streamlit's uploader)."""
    return len(content) > MAX_UPLOAD_MB * 1024 * 1024
