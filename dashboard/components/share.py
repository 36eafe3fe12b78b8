"""Share this view: the page's link (settings from the URL) in a box with a copy button
(``components.link_box``)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.components.link_box import link_box


def share_url(base: str | None, params: Mapping[str, str]) -> str:
    """The link to a view: the page's address with the settings as a query string.

    ``base`` is the address without a query (``st.context.url``); when unknown (empty or
    None) the link is just the query string, ``?k=2&cov=full``.
    """
    query = urlencode({str(k): str(v) for k, v in params.items()})
    base = (base or "").split("?", 1)[0].split("#", 1)[0]
    return f"{base}?{query}" if query else base or "?"


#: Query parameters that are one person's own and never travel in a shared link: a student's
#: exercise progress (``done``), their name in a class (``student``) and a teacher's read-only
#: view token (``view``) stay in their own address bar, so a reload keeps them, but a link
#: they share opens the view without them.
PERSONAL_PARAMS = ("done", "student", "view")


#: Session-state key of what this session's runs wrote to each page's address: ``{page:
#: {name: text, or None when removed}}`` (``set_url_param``).
URL_WRITES = "_share_url_writes"


def _page() -> str:
    """The page this run draws (its script's hash; empty in bare mode)."""
    ctx = get_script_run_ctx()
    return ctx.page_script_hash if ctx is not None else ""


def set_url_param(name: str, value: str | None) -> None:
    """Write ``name=value`` into the page's address (``None``: remove it) and remember it
    (``set_url_params`` with one entry)."""
    set_url_params({name: value})


def set_url_params(values: Mapping[str, str | None]) -> None:
    """Write each ``name=value`` into the page's address (``None``: remove it) and remember
    them.

    The changed entries go to the browser in one message: each message makes the browser
    rewrite its history entry and redraw the whole app, and a fresh visit writes every
    setting of its page (issue 21: a page of ten settings sent ten). A run's
    ``st.query_params`` is the address the browser sent with its request, which can predate
    what an earlier run wrote (a fragment's rerun asked for before the browser saw another
    fragment's move); the Share link lays this session's writes over it
    (``current_share_url``), so it holds the latest of each setting.
    """
    changed = {
        name: value
        for name, value in values.items()
        if value is not None and st.query_params.get(name) != value
    }
    if changed:
        st.query_params.update(changed)
    for name, value in values.items():
        if value is None and name in st.query_params:
            del st.query_params[name]
    st.session_state.setdefault(URL_WRITES, {}).setdefault(_page(), {}).update(values)


def link_params(sent: Mapping[str, str], written: Mapping[str, str | None]) -> dict[str, str]:
    """The settings a link holds: the address ``sent`` with the ``written`` entries laid
    over it (None removes one), less ``PERSONAL_PARAMS``."""
    params = {**sent, **written}
    return {k: v for k, v in params.items() if v is not None and k not in PERSONAL_PARAMS}


def current_share_url() -> str:
    """The link to the view now shown: the address from ``st.context.url``, the settings
    from ``st.query_params`` with this session's latest writes to the page laid over them
    (``link_params``)."""
    try:
        base = st.context.url
    except Exception:  # no browser behind the run (bare mode): a query-only link
        base = None
    written = st.session_state.get(URL_WRITES, {}).get(_page(), {})
    return share_url(base, link_params(st.query_params.to_dict(), written))


#: Session-state key of the links the open compact "Share" popovers show, by popover key.
SHOWN_LINKS = "_share_links_shown"
#: Session-state key of the address a full rerun was asked for to refresh those links.
REFRESHING_FOR = "_share_refreshing_for"


def _link_box(key: str | None) -> str:
    url = current_share_url()
    st.markdown("**Share this view**")
    link_box(url, wrap=True, key=None if key is None else f"{key}_box")
    st.caption(
        ("Add this after the app's address. " if url.startswith("?") else "")
        + "Opening the link restores this view: its settings, and the iteration where "
        "there is one. The Copy button copies it."
    )
    return url


def copy_link(*, compact: bool = False, key: str | None = None) -> None:
    """A "Share this view" control: the page's current link, with a copy button.

    Drawn where it is called (pages call it in the sidebar) as a heading and the link on one
    line, in a box with a Copy button (``link_box``): a long link scrolls sideways instead of
    filling the sidebar, and the explanation sits in the heading's help.
    With ``compact``, a "Share" popover holding the link box (the iteration viewer draws one
    beside its step buttons, inside its fragment, so its link always holds the half-step
    shown); opening it reruns that fragment, so its link also holds what another fragment
    put in the URL since (``key`` tells several such popovers on one page apart). A box
    drawn outside a fragment is not redrawn when only the
    fragment reruns, so pages with a viewer leave sharing to it.
    """
    if compact:
        # opening it reruns the fragment it is in, so the link holds what another fragment
        # changed since (the fraud page's threshold moves in a fragment of its own)
        with st.popover(
            "Share",
            icon=":material/link:",
            help="A link to exactly this view",
            key=key,
            on_change="rerun",
        ) as box:
            url = _link_box(key)
        if key is not None:
            shown = st.session_state.setdefault(SHOWN_LINKS, {})
            shown[key] = url if box.open else None
        return
    url = current_share_url()
    st.markdown(
        "**Share this view**",
        help=("Add this after the app's address. " if url.startswith("?") else "")
        + "Opening the link restores this view: its settings, and the iteration where there "
        "is one. The Copy button copies it.",
    )
    link_box(url)


def stale_open_links(state: Mapping, now: str) -> list[str]:
    """Keys of the open compact Share popovers whose link differs from ``now``.

    ``state`` is the session state: ``SHOWN_LINKS`` maps a popover's key to the link it
    shows (None when closed), and the popover's own key holds whether it is open.
    """
    shown = state.get(SHOWN_LINKS) or {}
    return [k for k, url in shown.items() if url is not None and state.get(k) and url != now]


def refresh_open_links() -> None:
    """Rerun the app when an open Share popover shows an older link than the address.

    Call it in a fragment after it writes its address (``set_url_param``). A popover drawn in
    another fragment (the viewer's) is redrawn only when that fragment reruns, and the browser can
    send the popover's opening before a queued move of this fragment's widget (the fraud
    page's threshold): the popover would keep the older link. Then the whole app reruns
    once, which redraws it; the next call for the same address does nothing (no loop).
    """
    state = st.session_state
    now = current_share_url()
    if state.get(REFRESHING_FOR) == now:
        del state[REFRESHING_FOR]
        return
    if stale_open_links(state, now):
        state[REFRESHING_FOR] = now
        st.rerun(scope="app")
