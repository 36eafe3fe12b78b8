"""A link in a box with a Copy button: the "Share this view" box (``components.share``).

The box is a small element of EM Lab's own (a ``st.components.v2`` element, as the charts
are), not ``st.code``: every page shows a link, and ``st.code`` makes a fresh browser fetch
and run Streamlit's syntax highlighter (a 1.5 MB script) before the page's first chart
(issue 21; ``python -m bench.first_chart``: Exercises 2.22 -> 1.92-1.97 s, step by step
1.95-1.99 -> 1.85-1.87 s). The link is set as the box's text, never as HTML.
"""

from __future__ import annotations

import functools

import streamlit as st

#: The link box's registered name (AppTest lists it as a ``bidi_component`` of that name).
LINK_ELEMENT = "emlab_share_link"

#: The link box: the link as text (one line that scrolls sideways, or wrapped) and a Copy
#: button (the clipboard API where the page is a secure context, else the text is selected
#: and copied with ``execCommand``; if neither works it says to copy the selection by hand).
LINK_JS = """
function copy(box) {
  const text = box.querySelector('.emlab-link-text');
  const button = box.querySelector('.emlab-link-copy');
  const said = (words) => {
    button.textContent = words;
    setTimeout(() => { button.textContent = 'Copy'; }, 1500);
  };
  const bySelection = () => {
    const range = document.createRange();
    range.selectNodeContents(text);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    let copied = false;
    try { copied = document.execCommand('copy'); } catch (error) { copied = false; }
    said(copied ? 'Copied' : 'Press Ctrl+C');
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text.textContent).then(() => said('Copied'), bySelection);
  } else {
    bySelection();
  }
}

export default function(component) {
  const { data, parentElement } = component;
  const sent = typeof data === 'string' ? JSON.parse(data) : data;
  let box = parentElement.querySelector('.emlab-link');
  if (!box) {
    box = document.createElement('div');
    box.className = 'emlab-link';
    const text = document.createElement('code');
    text.className = 'emlab-link-text';
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'emlab-link-copy';
    button.textContent = 'Copy';
    button.title = 'Copy the link';
    button.addEventListener('click', () => copy(box));
    box.append(text, button);
    parentElement.appendChild(box);
  }
  box.classList.toggle('emlab-link-wrap', Boolean(sent.wrap));
  box.querySelector('.emlab-link-text').textContent = sent.url;
}
"""

#: Streamlit's code box look (its light theme's grey, radius and monospace font).
LINK_CSS = """
.emlab-link { display: flex; align-items: center; gap: 0.5rem; padding: 0.5rem 0.5rem 0.5rem 1rem;
  background: #f0f2f6; border-radius: 0.5rem; }
.emlab-link-text { flex: 1 1 auto; min-width: 0; overflow-x: auto; white-space: nowrap;
  font-family: "Source Code Pro", monospace; font-size: 0.875rem; color: #31333f;
  background: transparent; padding: 0.25rem 0; }
.emlab-link-wrap .emlab-link-text { white-space: normal; overflow-wrap: anywhere; }
.emlab-link-copy { flex: 0 0 auto; font: inherit; font-size: 0.8rem; color: #31333f;
  background: #ffffff; border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem;
  padding: 0.25rem 0.75rem; cursor: pointer; }
.emlab-link-copy:hover { border-color: #ff4b4b; color: #ff4b4b; }
"""


@functools.cache
def _link_element():
    """The registered link box (registered on first use, inside a script run)."""
    return st.components.v2.component(LINK_ELEMENT, js=LINK_JS, css=LINK_CSS, isolate_styles=False)


def link_box(url: str, *, wrap: bool = False, key: str | None = None) -> None:
    """Draw ``url`` in a box with a Copy button: on one line that scrolls sideways, or
    ``wrap``-ped over several."""
    _link_element()(key=key, data={"url": url, "wrap": wrap}, width="stretch", height="content")
