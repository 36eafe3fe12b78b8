"""The corpus of bad and awkward uploads: every file gets the message its manifest names."""

from __future__ import annotations

import json
import re

import pytest

from dashboard.uploads import plain, read_image, read_table
from tests.data.make_bad_inputs import HERE, build, manifest_text

MANIFEST = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))["files"]


def unescaped(message: str) -> str:
    """A message as st.error shows it: Markdown escapes removed."""
    return re.sub(r"\\(.)", r"\1", message)


def said(upload) -> str:
    return unescaped(upload.error if upload.error else " ".join(upload.notes))


def test_corpus_is_large_small_and_matches_its_manifest():
    on_disk = {p.name for p in HERE.iterdir()} - {"manifest.json"}
    assert on_disk == {entry["file"] for entry in MANIFEST}
    assert len(MANIFEST) >= 30
    assert sum((HERE / name).stat().st_size for name in on_disk) < 200_000
    assert {e["kind"] for e in MANIFEST} == {"csv", "image"}
    assert {e["expect"] for e in MANIFEST} == {"refuse", "accept"}


def test_generator_reproduces_the_committed_corpus():
    built = build()
    assert manifest_text(built) == (HERE / "manifest.json").read_text(encoding="utf-8")
    for name, (case, data) in built.items():
        committed = (HERE / name).read_bytes()
        if case.exact:
            assert data == committed, f"{name} differs from a fresh build"
        else:  # lossy encoders may change bytes between library versions, not the picture
            fresh, old = read_image(data, name), read_table(data, name)
            stored = read_image(committed, name)
            assert (fresh.pixels is None) == (stored.pixels is None) and old.code == "image"


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_corpus_file_gets_its_message(entry):
    data = (HERE / entry["file"]).read_bytes()
    if entry["kind"] == "csv":
        upload = read_table(data, entry["file"])
        assert (upload.frame is None) == (entry["expect"] == "refuse")
    else:
        upload = read_image(data, entry["file"])
        assert (upload.pixels is None) == (entry["expect"] == "refuse")
    assert (upload.error is not None) == (entry["expect"] == "refuse")
    assert entry["phrase"] in said(upload)
    if upload.error:
        assert "Traceback" not in upload.error and len(upload.error) < 400
        assert plain(entry["file"]) in upload.error  # says which file
