"""The instant scrub's step panel: each half-step's heading, explanation and parameters, sent
once with the replay and shown in the browser for the half-step its chart shows.

With the instant scrub (``components.viewer``'s toggle) the chart steps through its frames in
the browser, without asking the server. The panel goes with it: the chart (drawn with
``plotly_chart(..., group=...)``) announces each frame it shows, and the panel of the same
group shows that half-step's heading, its explanation (the step view's own words, where
``**bold**`` is the only Markdown) and its parameter table, all set as text. A step then
takes the chart's redraw and no server run (issue 21: a viewer step within 100 ms).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard.components.tables import TABLE_CSS, TABLE_FUNCTIONS, table_data

#: The panel's registered name (AppTest lists it as a ``bidi_component``).
PANEL_ELEMENT = "emlab_step_panel"


@dataclass(frozen=True)
class PanelStep:
    """What the panel shows at one half-step."""

    heading: str
    text: str
    table: pd.DataFrame


#: The panel: a heading, paragraphs (``**bold**`` drawn bold, everything else as text) and a
#: table (``tables.TABLE_FUNCTIONS``), redrawn when the chart of its group shows another frame.
PANEL_JS = (
    TABLE_FUNCTIONS
    + """
function paragraphs(text) {
  return text.split(/\\n{2,}/).map((words) => {
    const paragraph = document.createElement('p');
    words.split('**').forEach((part, i) => {
      const plain = part.replace(/\\\\([\\\\`*_{}\\[\\]()#+\\-.!|~>$])/g, '$1');
      paragraph.append(i % 2 ? cell('strong', plain) : document.createTextNode(plain));
    });
    return paragraph;
  });
}

function show(panel, step) {
  const sent = panel.__emlabSent;
  const shown = sent.steps[step];
  if (!shown || panel.__emlabShown === step) return;
  panel.__emlabShown = step;
  panel.dataset.step = String(step);
  panel.querySelector('.emlab-step-heading').textContent = shown.heading;
  panel.querySelector('.emlab-step-text').replaceChildren(...paragraphs(shown.text));
  draw(panel.querySelector('.emlab-table'), shown.table);
}

export default function(component) {
  const { data, parentElement } = component;
  const sent = typeof data === 'string' ? JSON.parse(data) : data;
  let panel = parentElement.querySelector('.emlab-step-panel');
  if (!panel) {
    panel = document.createElement('div');
    panel.className = 'emlab-step-panel';
    const heading = cell('h4', '', 'emlab-step-heading');
    const text = cell('div', '', 'emlab-step-text');
    const title = cell('h5', 'Parameters at this step', 'emlab-step-title');
    const table = cell('div', '', 'emlab-table');
    panel.append(heading, text, title, table);
    parentElement.appendChild(panel);
    const follow = (event) => {
      if (!panel.isConnected) {
        window.removeEventListener('emlab-step', follow);
      } else if (event.detail && event.detail.group === panel.__emlabSent.group) {
        show(panel, event.detail.step);
      }
    };
    window.addEventListener('emlab-step', follow);
  }
  panel.__emlabSent = sent;
  panel.__emlabShown = null;
  show(panel, sent.active);
}
"""
)

#: The panel's text in Streamlit's look (its Markdown's headings and paragraphs).
PANEL_CSS = (
    TABLE_CSS
    + """
.emlab-step-panel { font-family: "Source Sans", "Source Sans Pro", sans-serif; color: #31333f; }
.emlab-step-heading { font-size: 1.5rem; font-weight: 600; margin: 0.5rem 0 0.75rem; }
.emlab-step-title { font-size: 1.25rem; font-weight: 600; margin: 1rem 0 0.5rem; }
.emlab-step-text p { font-size: 1rem; line-height: 1.6; margin: 0 0 1rem; }
"""
)


@functools.cache
def _panel_element():
    """The registered panel (registered on first use, inside a script run)."""
    return st.components.v2.component(
        PANEL_ELEMENT, js=PANEL_JS, css=PANEL_CSS, isolate_styles=False
    )


def panel_data(group: str, steps: Sequence[PanelStep], active: int) -> dict:
    """What the panel is sent: its group, the half-step shown first and every half-step's
    heading, text and table (``tables.table_data``)."""
    return {
        "group": group,
        "active": active,
        "steps": [
            {"heading": step.heading, "text": step.text, "table": table_data(step.table)}
            for step in steps
        ],
    }


def step_panel(group: str, steps: Sequence[PanelStep], active: int, *, key: str) -> None:
    """Draw the panel that follows the chart drawn with ``group``, opening at ``active``."""
    _panel_element()(
        key=key, data=panel_data(group, steps, active), width="stretch", height="content"
    )
