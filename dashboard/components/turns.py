"""The page's drawing turns, shared by the app's own elements (charts and tables).

Streamlit mounts a script run's elements in one go, and not in page order: every element of
one kind mounts once that kind's script has loaded, so a page's tables may mount before its
charts. Were each element to draw as it mounts, a fresh visit would build every table and
chart in one long task before the browser painted any (Retail's 500-row table is 6,000
nodes, its scatter matrix 600 ms of drawing), and the first chart could wait for them.
Instead each element hands its drawing to ``inTurn``: one drawing per task, the element
highest on the page first, and a paint between two drawings, so the first chart is on the
screen before the next is drawn (issue 21, ``python -m bench.first_chart``).
"""

#: ``inTurn(element, draw)``: run ``draw`` (which may return a promise) when its turn comes:
#: of the drawings waiting, the one whose element comes first in the page goes next, each in
#: a task of its own, after the browser has painted the one before. An element that asks
#: again before its turn keeps its place with its newest drawing (the older one is stale). An
#: error is logged and the next drawing still runs.
IN_TURN = """
function afterPaint() {
  return new Promise((resolve) => {
    let gone = false;
    const go = () => { if (!gone) { gone = true; setTimeout(resolve, 0); } };
    requestAnimationFrame(go);
    setTimeout(go, 100);  // a hidden page paints nothing: go on without it
  });
}

function nextTurn() {
  const waiting = window.__emlabTurns;
  if (!waiting.length) {
    window.__emlabDrawing = false;
    return;
  }
  let first = 0;
  waiting.forEach((turn, i) => {
    const place = waiting[first].element.compareDocumentPosition(turn.element);
    if (place & Node.DOCUMENT_POSITION_PRECEDING) first = i;
  });
  const [turn] = waiting.splice(first, 1);
  Promise.resolve().then(turn.draw).catch((error) => console.error(error))
    .then(afterPaint).then(nextTurn);
}

function inTurn(element, draw) {
  const waiting = window.__emlabTurns || (window.__emlabTurns = []);
  const queued = waiting.find((turn) => turn.element === element);
  if (queued) queued.draw = draw;
  else waiting.push({ element, draw });
  if (!window.__emlabDrawing) {
    window.__emlabDrawing = true;
    setTimeout(nextTurn, 0);
  }
}
"""
