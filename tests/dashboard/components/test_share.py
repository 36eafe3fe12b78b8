"""The Share link: it holds the latest of each setting this session wrote, even when a run
comes with an older address, and an open Share popover follows a move made in another
fragment (``refresh_open_links``)."""

from streamlit.testing.v1 import AppTest

from dashboard.components.share import (
    REFRESHING_FOR,
    SHOWN_LINKS,
    link_params,
    stale_open_links,
)
from tests.dashboard.apptest import LinkBox, link_boxes


def test_stale_open_links_names_only_open_popovers_showing_another_link():
    state = {
        SHOWN_LINKS: {"open_old": "?thr=1", "open_now": "?thr=2", "closed": None, "shut": "?a"},
        "open_old": True,
        "open_now": True,
        "closed": False,
        "shut": False,
    }
    assert stale_open_links(state, "?thr=2") == ["open_old"]
    assert stale_open_links({}, "?thr=2") == []


def _app(shown: str | None, popover_open: bool) -> None:
    import streamlit as st

    from dashboard.components.share import SHOWN_LINKS, refresh_open_links

    state = st.session_state
    state["runs"] = state.get("runs", 0) + 1
    if state["runs"] == 1:  # the popover as a viewer fragment drew it, before the move
        state[SHOWN_LINKS] = {"viewer_share": shown}
        state["viewer_share"] = popover_open
    st.query_params["thr"] = "9.6"  # the move, in another fragment
    refresh_open_links()
    st.write(f"runs: {state['runs']}")


def _runs(shown: str | None, popover_open: bool) -> tuple[int, bool]:
    """The script runs one press made, and whether the rerun flag was left behind."""
    at = AppTest.from_function(_app, kwargs={"shown": shown, "popover_open": popover_open})
    at.run()
    assert not at.exception
    return at.session_state["runs"], REFRESHING_FOR in at.session_state


def test_a_move_under_an_open_popover_showing_an_older_link_reruns_the_app_once():
    # one rerun, no loop: the second call for the same address returns and clears the flag
    assert _runs("?thr=10.1", True) == (2, False)


def test_no_rerun_when_the_popover_is_closed_or_already_current():
    assert _runs("?thr=10.1", False)[0] == 1
    assert _runs("?thr=9.6", True)[0] == 1


def test_link_params_lay_the_writes_over_the_sent_address():
    sent = {"k": "2", "thr": "9.97", "done": "1-2", "gone": "x"}
    written = {"thr": "9.85", "gone": None, "step": "4"}
    assert link_params(sent, written) == {"k": "2", "thr": "9.85", "step": "4"}


def _writer() -> None:
    import streamlit as st

    from dashboard.components.share import current_share_url, set_url_param

    if not st.session_state.get("wrote"):
        st.session_state["wrote"] = True
        set_url_param("thr", "9.85")
        set_url_param("old", None)
    st.code(current_share_url())


def test_the_link_holds_a_write_that_the_next_request_s_address_predates():
    at = AppTest.from_function(_writer)
    at.query_params["thr"] = "10.1"
    at.query_params["old"] = "1"
    at.run()
    assert at.code[0].value == "?thr=9.85"
    # the next run comes with the address the browser had before it saw that write
    at.query_params["thr"] = "9.97"
    at.query_params["old"] = "1"
    at.run()
    assert not at.exception
    assert at.code[0].value == "?thr=9.85"


def _boxes() -> None:
    from dashboard.components.share import copy_link

    copy_link()
    copy_link(compact=True, key="viewer_share")


def test_the_link_box_sends_the_link_as_data_never_as_html():
    at = AppTest.from_function(_boxes)
    at.query_params["name"] = "<img src=x onerror=alert(1)>"
    at.run()
    assert not at.exception
    sidebar_box, popover_box = link_boxes(at)
    assert sidebar_box == LinkBox("?name=%3Cimg+src%3Dx+onerror%3Dalert%281%29%3E", False)
    assert popover_box.wrap and popover_box.url == sidebar_box.url
    (element, _) = at.get("bidi_component")
    assert not element.proto.html_content  # the box is built in the browser, its text set
    assert "textContent = sent.url" in element.proto.js_content
    assert "innerHTML" not in element.proto.js_content
    assert not at.code  # no st.code: its syntax highlighter costs a fresh browser 1.5 MB


def _settings_writer() -> None:
    import streamlit as st

    from dashboard.components.settings import write_query_params

    write_query_params({"k": 3, "seed": 7, "cov": "full", "tol": "1e-06", "same": "x"})
    st.code(str(st.query_params.to_dict()))


def test_a_run_writes_all_its_changed_settings_to_the_address_in_one_message(monkeypatch):
    """Each message makes the browser rewrite its history and redraw the whole app: a fresh
    visit's settings go in one (issue 21)."""
    from streamlit.runtime.state.query_params import QueryParams

    sent = []
    original = QueryParams._send_query_param_msg

    def counted(self):
        sent.append(dict(self._query_params))
        original(self)

    monkeypatch.setattr(QueryParams, "_send_query_param_msg", counted)
    at = AppTest.from_function(_settings_writer)
    at.query_params["same"] = "x"
    at.run()
    assert not at.exception
    assert len(sent) == 1
    assert sent[0] == {"same": "x", "k": "3", "seed": "7", "cov": "full", "tol": "1e-06"}
    at.run()  # nothing changed: nothing sent
    assert len(sent) == 1
