"""What a page's HTML head gets (``dashboard.components.head``): plotly.js's preload, the
script files Streamlit's element chunk needs beyond its own page, and the rule that hides the
warm element."""

from pathlib import Path

from dashboard.components.charts import PRELOAD_SCRIPT
from dashboard.components.head import FRONTEND, WARM_ELEMENT, element_chunks, head_html


def frontend(tmp_path: Path, files: dict[str, str], index: str) -> Path:
    folder = tmp_path / "static" / "js"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    (tmp_path / "index.html").write_text(index)
    return tmp_path


def test_the_chunk_and_what_it_imports_less_what_the_page_already_loads(tmp_path):
    root = frontend(
        tmp_path,
        {
            "BidiComponent.abc.js": 'import{t as a}from"./a.X1.js";import"./shared.Y2.js";x()',
            "a.X1.js": 'import{q}from"./b.Z3.js";import{r}from"./shared.Y2.js";',
            "b.Z3.js": 'import{t as a}from"./a.X1.js";',  # a cycle
            "shared.Y2.js": "export const r = 1;",
            "unrelated.js": "",
        },
        '<script type="module" src="./static/js/index.js"></script>'
        '<link rel="modulepreload" crossorigin href="./static/js/shared.Y2.js">',
    )
    assert element_chunks(root) == ["BidiComponent.abc.js", "a.X1.js", "b.Z3.js"]


def test_no_chunk_no_links(tmp_path):
    root = frontend(tmp_path, {"index.Q.js": ""}, "<html></html>")
    assert element_chunks(root) == []


def test_the_installed_streamlit_has_the_chunk_and_the_head_lists_each_file_once():
    chunks = element_chunks()
    assert chunks[0].startswith("BidiComponent.") and len(chunks) >= 2
    assert all((FRONTEND / "static" / "js" / name).is_file() for name in chunks)
    head = head_html()
    assert head.startswith(PRELOAD_SCRIPT)
    for name in chunks:
        assert head.count(f'href="./static/js/{name}"') == 1
    assert f".st-key-{WARM_ELEMENT} {{ display: none; }}" in head


def test_a_page_below_the_root_is_one_segment_below_the_base_path():
    from dashboard.components.head import names_a_page

    assert names_a_page("/two_coins") and names_a_page("/two_coins/")
    assert not names_a_page("/") and not names_a_page("")
    assert not names_a_page("/two_coins/more"), "Streamlit's own guesses stand"
    assert names_a_page("/emlab/two_coins", "emlab") and names_a_page("/emlab/two_coins", "/emlab/")
    assert not names_a_page("/emlab", "emlab") and not names_a_page("/emlab/", "emlab")
    assert not names_a_page("/other/two_coins", "emlab")


def test_the_server_root_script_names_the_address_less_its_last_segment():
    from dashboard.components.head import SERVER_ROOT_SCRIPT

    assert "location.pathname.replace(/\\/+$/, '')" in SERVER_ROOT_SCRIPT
    assert "path.slice(0, path.lastIndexOf('/') + 1)" in SERVER_ROOT_SCRIPT
    assert "BACKEND_BASE_URL: root" in SERVER_ROOT_SCRIPT
