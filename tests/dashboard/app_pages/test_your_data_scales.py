"""The bad-input collection's data at extreme scales (issue 14, item 2) fit on the Your data
page: a column near 1e300 and a column at 1 +- 1e-11 give a fitted mixture, not a collapse."""

import pytest

from tests.dashboard.app_pages.test_your_data import CORPUS, feed, roles, texts, your_data
from tests.dashboard.apptest import charts


@pytest.mark.parametrize("name", ["huge_magnitudes.csv", "tiny_spread.csv"])
def test_extreme_scale_files_fit_instead_of_collapsing(monkeypatch, name):
    feed(monkeypatch, (CORPUS / name).read_bytes(), name)
    at = your_data({"k": "2"})
    assert not at.error, [e.value for e in at.error]
    said = " ".join(texts(at, "markdown") + texts(at, "caption") + texts(at, "info"))
    assert "collapsed" not in said
    drawn = [c.figure for c in charts(at)]
    assert any("ellipse" in roles(fig) for fig in drawn), "the viewer draws the fitted clusters"
