"""AppTest for the image segmentation page: it renders on every bundled image, and what it shows
equals emlib.cases.image's result for the same settings."""

import io

import numpy as np
import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test_module
from PIL import Image
from streamlit.testing.v1 import AppTest

from dashboard.app_pages.image_segmentation.figures import enlarged, segment_caption
from dashboard.components.handoff import SENT
from emlib.cases.image import Damage, segment_image
from emlib.datasets import IMAGES, load_image
from tests.dashboard.apptest import APP, charts, open_page
from tests.dashboard.components.test_downloads import RecordingMediaFileManager, downloads, fetch

PAGE = "app_pages/image_segmentation/page.py"


def image_page(query=None) -> AppTest:
    return open_page(PAGE, query)


def captions(at: AppTest) -> list[str]:
    return [c for image in at.get("image") for c in image.captions]


def segment_captions(at: AppTest) -> list[str]:
    return [c for c in captions(at) if c.startswith("Segment ")]


def expected_segments(result) -> list[str]:
    return [
        segment_caption(k, int(result.sizes[k]), result.n_pixels, result.segment_colors[k])
        for k in range(result.n_components)
    ]


def figures_drawn(at: AppTest) -> list[dict]:
    return [chart.figure for chart in charts(at)]


@pytest.mark.parametrize("name", list(IMAGES))
def test_page_renders_every_bundled_image(name):
    at = image_page({"img": name, "k": "3"})
    assert IMAGES[name].source in " ".join(c.value for c in at.caption)
    assert {"Original", "Segmented: 3 mean colours"} <= set(captions(at))
    assert len(segment_captions(at)) == 3
    assert figures_drawn(at), "the log-likelihood curve and the feature-space view are drawn"


def test_changing_k_changes_the_segments_shown():
    at = image_page({"img": "mr"})
    default = segment_image(load_image("mr"), 4, position_weight=1.0)
    assert segment_captions(at) == expected_segments(default)
    at.selectbox(key="img_k").set_value("2")
    at.button(key="img_apply").click()
    at.run()
    assert not at.exception
    two = segment_image(load_image("mr"), 2, position_weight=1.0)
    assert segment_captions(at) == expected_segments(two)
    assert "Segmented: 2 mean colours" in captions(at)
    assert at.query_params["k"] == "2"


def test_damaged_pixels_show_the_pipelines_reconstruction_error():
    at = image_page({"img": "ct", "hide": "0.3", "pos": "1.0", "k": "3", "seed": "5"})
    expected = segment_image(
        load_image("ct"), 3, position_weight=1.0, damage=Damage(0.3, "random", 0.0, 5), seed=5
    )
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Reconstruction RMSE"] == f"{expected.reconstruction_rmse:.1f}"
    assert metrics["Average-colour fill RMSE"] == f"{expected.baseline_rmse:.1f}"
    assert any(c.startswith("Reconstructed") for c in captions(at))


def test_damage_set_in_the_form_shows_a_reconstruction():
    at = image_page({"img": "mr", "pos": "1.0"})
    assert not at.metric
    at.slider(key="img_hide").set_value(0.4)
    at.radio(key="img_pattern").set_value("block")
    at.button(key="img_apply").click()
    at.run()
    assert not at.exception
    expected = segment_image(
        load_image("mr"), 4, position_weight=1.0, damage=Damage(0.4, "block", 0.0, 0)
    )
    assert at.metric[0].value == f"{expected.reconstruction_rmse:.1f}"


def test_automatic_k_draws_the_bic_curve_and_uses_its_choice():
    at = image_page({"img": "mr", "k": "auto"})
    expected = segment_image(load_image("mr"), None, position_weight=1.0)
    bic = [
        c
        for c in figures_drawn(at)
        if any(t.get("meta", {}).get("role") == "bic" for t in c["data"])
    ]
    assert len(bic) == 1
    assert len(segment_captions(at)) == expected.n_components
    assert "(chosen by BIC)" in " ".join(c.value for c in at.caption)


def test_colour_image_with_position_embeds_the_viewer_on_chosen_features():
    at = image_page({"img": "coffee", "k": "3", "space": "lab", "pos": "1.0"})
    assert at.selectbox(key="img_fx").options == ["L*", "a*", "b*", "x", "y"]
    at.selectbox(key="img_fx").set_value("a*").run()
    at.selectbox(key="img_fy").set_value("b*").run()
    assert not at.exception
    roles = lambda c: {t.get("meta", {}).get("role") for t in c["data"]}  # noqa: E731
    (scatter,) = [c for c in figures_drawn(at) if "ellipse" in roles(c)]
    assert scatter["layout"]["xaxis"]["title"]["text"] == "a*"
    assert scatter["layout"]["yaxis"]["title"]["text"] == "b*"


def test_bad_query_values_fall_back_to_defaults():
    at = image_page({"img": "nosuch", "k": "99", "hide": "2", "space": "hsv"})
    assert at.selectbox(key="img_img").value == "china"
    assert at.selectbox(key="img_k").value == "4"
    assert at.slider(key="img_hide").value == 0.0


def test_upload_choice_without_a_file_asks_for_one():
    at = image_page({"img": "upload"})
    assert any("Upload a picture in the sidebar" in info.value for info in at.info)


def test_the_damage_demo_by_default_rebuilds_better_than_the_average_colour():
    """Issue 14: with the old default position weight 0 the reconstruction was the average
    colour (RMSE 80.8 against 80.8). At the defaults (position weight 1), hiding 30% of the
    pixels: EM rebuilds them with RMSE 46.2 where the average-colour fill has 86.3 (at random),
    and 71.1 against 80.8 (one block)."""
    at = image_page({"hide": "0.3"})
    assert at.slider(key="img_pos").value == 1.0
    metrics = {m.label: float(m.value) for m in at.metric}
    assert metrics == {"Reconstruction RMSE": 46.2, "Average-colour fill RMSE": 86.3}
    at = image_page({"hide": "0.3", "pattern": "block"})
    metrics = {m.label: float(m.value) for m in at.metric}
    assert metrics == {"Reconstruction RMSE": 71.1, "Average-colour fill RMSE": 80.8}
    assert not any("only give it the image's average colour" in i.value for i in at.info)


@pytest.fixture
def media(monkeypatch):
    """AppTest's media manager kept after the run, to read what a download button hands out."""
    monkeypatch.setattr(app_test_module, "MediaFileManager", RecordingMediaFileManager)
    return RecordingMediaFileManager


def test_the_segmentation_downloads_as_pictures_and_a_label_map_with_positions(media):
    at = image_page({"img": "coins", "k": "3", "pos": "0"})
    expected = segment_image(load_image("coins"), 3)
    assert not at.get("download_button")  # drawn once their expanders are opened
    files = downloads(at)
    fetched = {
        suffix: fetch(media.last, files[f"img_pic_{suffix}"]).content
        for suffix in ("segmented.png", "segments.png", "labels.png", "labels.npy", "labels_xy.csv")
    }
    segmented = np.asarray(Image.open(io.BytesIO(fetched["segmented.png"])))
    np.testing.assert_array_equal(segmented, expected.segmented)
    label_png = np.asarray(Image.open(io.BytesIO(fetched["labels.png"])))
    np.testing.assert_array_equal(label_png, expected.labels + 1)
    label_npy = np.load(io.BytesIO(fetched["labels.npy"]))
    np.testing.assert_array_equal(label_npy, expected.labels + 1)
    table = pd.read_csv(io.BytesIO(fetched["labels_xy.csv"]))
    assert list(table.columns) == ["x", "y", "segment", "uncertainty"]
    height, width = expected.labels.shape
    assert len(table) == height * width
    pixel = table.iloc[5 * width + 7]
    assert (pixel["x"], pixel["y"]) == (7, 5)
    assert pixel["segment"] == expected.labels[5, 7] + 1
    np.testing.assert_allclose(
        table["uncertainty"], expected.uncertainty.ravel(), rtol=1e-5, atol=1e-7
    )


def test_the_viewer_opens_at_the_final_fit_and_the_tolerance_is_in_the_url():
    at = image_page({"tol": "0.0001", "img": "coins", "k": "3"})
    assert at.select_slider(key="img_tol").value == 1e-4
    assert float(at.query_params["tol"]) == 1e-4
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert headings and headings[0].startswith("#### Final E-step")
    assert any("fell below tol = 1e-04" in m.value for m in at.markdown)


def strip_png(width: int, height: int) -> bytes:
    """A PNG of ``width`` x ``height`` pixels: grey, a red third and a blue corner."""
    pixels = np.full((height, width, 3), 120, np.uint8)
    pixels[:, : max(1, width // 3)] = (200, 40, 40)
    pixels[-1, -1] = (30, 60, 220)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def upload_page(content: bytes, name: str) -> AppTest:
    """The page on an uploaded picture (handed over as Your data does: in session state)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[SENT] = {"name": name, "content": content, "kind": "image", "to": "image"}
    at.query_params.update({"img": "upload"})
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


@pytest.mark.parametrize("size", [(2000, 5), (5, 2000), (10_000, 1)])
def test_an_upload_too_thin_to_segment_is_refused_in_words(size):
    """A 2000 x 5 strip was enlarged past JPEG's 65,500-pixel limit (OSError in st.image) and a
    10000 x 1 one shown 0 pixels high (ValueError): now the upload is refused in words."""
    at = upload_page(strip_png(*size), "strip.png")
    (error,) = at.error
    assert f"is {size[0]} x {size[1]} pixels: too thin to segment" in error.value
    assert "at least 8 pixels on each side" in error.value
    assert not at.get("image")


def shown_sizes(at: AppTest, manager) -> list[tuple[int, int]]:
    """(width, height) of every picture the page shows, as the browser receives it."""
    urls = [img.url for image in at.get("image") for img in image.proto.imgs]
    files = [manager.read_file(url.rsplit("/", 1)[-1].split(".", 1)[0]) for url in urls]
    return [Image.open(io.BytesIO(file.content)).size for file in files]


def test_a_long_thin_strip_is_segmented_and_every_picture_shown_at_a_safe_size(media):
    """An 8 x 800 strip (the longest allowed, 100:1) segments, and its label maps enlarged for
    crisp pixels stay within 4096 pixels (they were 384 x 38,400)."""
    at = upload_page(strip_png(8, 800), "tall.png")
    assert not at.error
    assert {"Original", "Segmented: 4 mean colours"} <= set(captions(at))
    sizes = shown_sizes(at, media.last)
    assert len(sizes) >= 5
    assert all(1 <= side <= 4096 for size in sizes for side in size), sizes


@pytest.mark.parametrize(
    ("shape", "expected"),
    [((8, 800), (40, 4000)), ((800, 8), (4000, 40)), ((10, 10), (390, 390)), ((5000, 9), None)],
)
def test_enlarged_keeps_its_longer_side_within_the_safe_maximum(shape, expected):
    picture = np.zeros((*shape, 3), np.uint8)
    shown = enlarged(picture)
    assert shown.shape[:2] == (expected or shape)


def test_the_link_drops_the_viewers_step_while_both_axes_show_one_feature():
    # With both axes on L* the iteration viewer is not drawn, yet the link kept its "step"
    at = image_page({"img": "coffee", "k": "3", "space": "lab", "pos": "1.0"})
    assert "step" in at.query_params
    at.selectbox(key="img_fy").set_value("L*").run()
    assert not at.exception
    assert "Pick two different features for the axes." in [w.value for w in at.warning]
    assert "step" not in at.query_params
    assert (at.query_params["fx"], at.query_params["fy"]) == ("L*", "L*")  # still the view
    at.selectbox(key="img_fy").set_value("b*").run()
    assert not at.exception
    assert "step" in at.query_params


@pytest.mark.parametrize(
    "query", [{"img": "coins", "pos": "0.0"}, {"img": "phantom"}], ids=["one feature", "phantom"]
)
def test_a_link_to_a_view_without_axes_or_viewer_drops_their_settings(query):
    # A single feature draws a histogram (no axes to choose, no viewer), the phantom neither:
    # a link's "fx", "fy" and "step" stayed in the address and the Share link
    at = image_page({**query, "k": "3", "fx": "x", "fy": "y", "step": "3"})
    assert not {"img_fx", "img_fy"} & {box.key for box in at.selectbox}
    assert not {"fx", "fy", "step"} & set(at.query_params)
    assert at.query_params["img"] == query["img"]


#: The settings only the photos (bundled or uploaded) use, and those only the phantom uses.
PHOTO_ONLY = {"k", "space", "pos", "cov", "rnoise", "img_frame"}
PHANTOM_ONLY = {"pnoise", "ptail"}
#: Settings the photos and the phantom share (the damage, the spatial fit, seed and stopping).
SHARED = {"img", "hide", "pattern", "beta", "nb", "fam", "seed", "iters", "tol"}


def test_switching_a_photo_to_the_phantom_drops_the_photos_settings_from_the_link():
    # The phantom has no K, colour space, position weight, covariance, photo noise or
    # iteration playback, yet the link kept them; back on the photo they are the user's own
    at = image_page({"img": "coins", "k": "3", "space": "lab", "rnoise": "0.5", "img_frame": "0"})
    assert str(at.select_slider(key="img_frame").value) == "0"  # the playback's frame
    assert set(at.query_params) >= PHOTO_ONLY
    at.selectbox(key="img_img").set_value("phantom").run()
    assert not at.exception
    assert not PHOTO_ONLY & set(at.query_params)
    assert set(at.query_params) >= SHARED | PHANTOM_ONLY
    at.selectbox(key="img_img").set_value("coins").run()
    assert not at.exception
    assert not PHANTOM_ONLY & set(at.query_params)
    assert (at.query_params["k"], at.query_params["space"], at.query_params["rnoise"]) == (
        "3",
        "lab",
        "0.5",
    )


def test_a_link_to_the_phantom_holds_none_of_the_photos_settings():
    at = image_page(
        {"img": "phantom", "k": "3", "space": "lab", "pos": "2.0", "cov": "diag"}
        | {"rnoise": "1.0", "img_frame": "2", "pnoise": "1.0"}
    )
    assert not PHOTO_ONLY & set(at.query_params)
    assert set(at.query_params) >= SHARED | PHANTOM_ONLY
    assert at.query_params["pnoise"] == "1.0"


def test_switching_the_phantom_to_a_photo_drops_the_phantoms_noise_from_the_link():
    at = image_page({"img": "phantom", "pnoise": "1.0", "ptail": "t", "beta": "1.0"})
    assert set(at.query_params) >= PHANTOM_ONLY
    at.selectbox(key="img_img").set_value("coins").run()
    assert not at.exception
    assert not PHANTOM_ONLY & set(at.query_params)
    assert SHARED | {"k", "space", "pos", "cov", "rnoise"} <= set(at.query_params)
    assert at.query_params["beta"] == "1.0"  # beta applies to both
    linked = image_page({"img": "coins", "k": "3", "pnoise": "1.0", "ptail": "t"})
    assert not PHANTOM_ONLY & set(linked.query_params)
    assert linked.query_params["k"] == "3"
