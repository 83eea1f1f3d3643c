"""A talk that runs without the server: a deck as one self-contained offline HTML file.

:func:`deck_html` writes every slide (:class:`embviz.slides.Content`: title, text, numbers, table,
figure with its animations) into one HTML page with Plotly's JavaScript inlined from the installed
``plotly`` package — no CDN, no server, no Python: it opens from a USB stick. The keys are those of
the dashboard: PageDown / → / Space next, PageUp / ← back, Home / End, B blanks the screen, and N
shows the speaker notes (hidden until asked for). Two consecutive slides that show the same points
morph from one layout to the other (:func:`embviz.figures.style.morph`).

>>> from embviz.slides import Content
>>> page = deck_html([Content("<b>One</b>", text="A **bold** step")], title="Demo", plotlyjs="/*js*/")
>>> "<b>" in page                     # data never reaches the page as markup
False
>>> doc = json.loads(page.split('id="deck">')[1].split("</script>")[0])
>>> doc["slides"][0]["title"], doc["slides"][0]["text_html"]
('<b>One</b>', '<p>A <strong>bold</strong> step</p>')
"""
from __future__ import annotations

import html
import json

from embviz.slides import Content, formatted, markdown_html

WIDTH, HEIGHT = 1920, 820   # the size figures are styled for; the page fits them to the window
MAX_TABLE_ROWS = 15


def _figure_json(fig) -> dict:
    import plotly.io as pio

    return json.loads(pio.to_json(fig, validate=False))


def slide_data(c: Content, note: str = "") -> dict:
    """One slide as JSON-ready data (texts plain, except ``text_html``: escaped, then Markdown)."""
    from embviz.figures.style import presentation

    out = {"title": c.title, "text_html": markdown_html(c.text) if c.text else "", "caption": c.caption,
           "warning": c.warning, "error": c.error, "metrics": [[str(a), str(b)] for a, b in c.metrics],
           "note": note, "figure": None, "table": None, "morph_prev": False}
    if c.figure is not None:
        import plotly.graph_objects as go

        out["figure"] = presentation(go.Figure(c.figure), WIDTH, HEIGHT)
    if c.has_table and c.table_on_projector:
        shown = formatted(c.table.head(MAX_TABLE_ROWS), c.formats)
        out["table"] = {"columns": [str(x) for x in shown.columns],
                        "rows": [[str(v) for v in row] for row in shown.itertuples(index=False)],
                        "first": bool(c.table_first)}
    return out


def deck_html(contents: list[Content], *, title: str = "embviz talk", notes: list[str] | None = None,
              plotlyjs: str | None = None) -> str:
    """The whole talk as one HTML document (a string; write it with ``encoding="utf-8"``)."""
    from embviz.figures.style import can_morph

    notes = list(notes or [""] * len(contents)) + [""] * len(contents)
    data = [slide_data(c, notes[i]) for i, c in enumerate(contents)]
    for i in range(1, len(data)):  # the page morphs slide i-1 into slide i (and back) when they allow it
        a, b = data[i - 1]["figure"], data[i]["figure"]
        data[i]["morph_prev"] = bool(a is not None and b is not None and can_morph(a, b))
    for d in data:
        if d["figure"] is not None:
            d["figure"] = _figure_json(d["figure"])
    if plotlyjs is None:
        from plotly.offline import get_plotlyjs

        plotlyjs = get_plotlyjs()
    payload = json.dumps({"title": title, "slides": data}, ensure_ascii=False, separators=(",", ":"))
    # nothing from the data can close the script element or meet a placeholder of the page
    payload = (payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
               .replace("%", "\\u0025"))
    from embviz.figures.style import MORPH_JS

    return (_PAGE.replace("%TITLE%", html.escape(title).replace("%", "&#37;"))
                 .replace("%MORPHJS%", MORPH_JS)
                 .replace("%SLIDES%", payload)
                 .replace("%PLOTLYJS%", plotlyjs.replace("</script", "<\\/script")))


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%TITLE%</title>
<style>
html, body { margin: 0; height: 100%; overflow: hidden; font-family: "Source Sans Pro", "Helvetica Neue", Arial, sans-serif;
  color: #1f2430; background: #fff; }
#slide { display: flex; flex-direction: column; height: 100vh; box-sizing: border-box; padding: 14px 36px 64px 36px; }
h2 { font-size: 2.1rem; margin: 0 0 8px 0; font-weight: 700; }
#text p { font-size: 1.45rem; line-height: 1.45; margin: 0 0 8px 0; }
.msg { font-size: 1.3rem; padding: 8px 14px; border-radius: 6px; margin: 0 0 8px 0; }
.warning { background: #fff8e1; } .error { background: #fdecea; }
#metrics { display: flex; gap: 24px; margin: 4px 0 10px 0; }
.metric .label { font-size: 1.25rem; color: #555; } .metric .value { font-size: 2.3rem; }
#main { flex: 1 1 auto; min-height: 0; display: flex; gap: 28px; }
#plot { flex: 2 1 0; min-width: 0; min-height: 0; }
#table { flex: 1 1 0; overflow: hidden; }
table { border-collapse: collapse; width: 100%; }
td, th { font-size: 1.35rem; padding: 4px 10px; border-bottom: 1px solid #e6e8eb; text-align: left; }
#caption { font-size: 1.25rem; color: #555; margin-top: 6px; }
#footer { position: fixed; left: 36px; right: 36px; bottom: 10px; height: 44px; display: flex; align-items: center;
  justify-content: center; font-size: 1.2rem; color: #777; }
#note { flex: 0 0 auto; margin-top: 8px; background: #fffbe6; border: 1px solid #e6d9a3;
  padding: 12px 18px; font-size: 1.3rem; display: none; }  /* in the slide's column: the figure gives it room */
#blank { position: fixed; inset: 0; background: #000; display: none; z-index: 100; }
</style>
<script>%PLOTLYJS%</script>
<script>%MORPHJS%</script>
</head><body>
<div id="slide"><h2 id="title"></h2><div id="text"></div><div id="msgs"></div><div id="metrics"></div>
<div id="main"><div id="plot"></div><div id="table"></div></div><div id="caption"></div><div id="note"></div></div>
<div id="footer"></div><div id="blank"></div>
<script type="application/json" id="deck">%SLIDES%</script>
<script>
(function () {
  const deck = JSON.parse(document.getElementById('deck').textContent);
  const slides = deck.slides;
  let i = 0, notes = false;
  const $ = id => document.getElementById(id);
  const el = (tag, cls, txt) => { const e = document.createElement(tag); if (cls) e.className = cls;
                                  if (txt !== undefined) e.textContent = txt; return e; };
  function table(t) {
    const tab = el('table'), head = el('tr');
    t.columns.forEach(c => head.appendChild(el('th', '', c)));
    tab.appendChild(head);
    t.rows.forEach(r => { const tr = el('tr'); r.forEach(v => tr.appendChild(el('td', '', v))); tab.appendChild(tr); });
    return tab;
  }
  function positions(gd) {  // where the points of the chart are now, and its axes
    const full = gd._fullData.slice().sort((p, q) => p.index - q.index);
    return {from: full.map(t => ({name: t.name || '', x: Float32Array.from(t.x || []), y: Float32Array.from(t.y || [])})),
            ranges: {x: gd._fullLayout.xaxis.range.slice(), y: gd._fullLayout.yaxis.range.slice()}};
  }
  function show(k, from) {
    k = Math.max(0, Math.min(slides.length - 1, k));
    const plot = $('plot');
    const pair = (from === k - 1 && slides[k].morph_prev) || (from === k + 1 && slides[k + 1].morph_prev);
    const start = pair && plot._fullData && plot._fullLayout && plot._fullLayout.xaxis ? positions(plot) : null;
    i = k;
    const s = slides[i];
    $('title').textContent = s.title;
    $('text').innerHTML = s.text_html;   // escaped in Python, then **bold** / *italic* only
    const msgs = $('msgs'); msgs.replaceChildren();
    if (s.warning) msgs.appendChild(el('div', 'msg warning', s.warning));
    if (s.error) msgs.appendChild(el('div', 'msg error', s.error));
    const m = $('metrics'); m.replaceChildren();
    s.metrics.forEach(([a, b]) => { const d = el('div', 'metric'); d.appendChild(el('div', 'label', a));
                                    d.appendChild(el('div', 'value', b)); m.appendChild(d); });
    $('caption').textContent = s.caption;
    const tb = $('table'); tb.replaceChildren();
    tb.style.display = s.table ? '' : 'none';
    if (s.table) { tb.appendChild(table(s.table)); tb.style.order = s.table.first ? -1 : 1; }
    plot.style.display = s.figure ? '' : 'none';
    $('note').textContent = s.note || '(no note for this slide)';
    $('note').style.display = notes ? 'block' : 'none';
    $('footer').textContent = (i + 1) + ' / ' + slides.length + ' \u00b7 ' + s.title;
    if (!s.figure) { Plotly.purge(plot); return; }
    const layout = Object.assign({}, s.figure.layout, {height: Math.max(200, plot.clientHeight), autosize: true});
    if (start) plot.style.visibility = 'hidden';   // shown from the first frame of the morph
    const shown = () => { plot.style.visibility = ''; };
    Plotly.react(plot, {data: s.figure.data, layout: layout, frames: s.figure.frames || [],
                        config: {displaylogo: false, responsive: true}}).then(() => {
      if (!start) return shown();
      plot.once ? plot.once('plotly_animatingframe', shown) : shown();
      const run = embvizMorph(Plotly, plot, start.from, start.ranges, {});
      const finish = () => { shown(); plot.__embvizMorphed = (plot.__embvizMorphed || 0) + 1; };
      if (run && run.then) run.then(finish, finish); else finish();
    }, shown);
  }
  const blank = () => { const b = $('blank'); b.style.display = b.style.display === 'block' ? 'none' : 'block'; };
  document.addEventListener('keydown', e => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key, from = i;
    if (['PageDown', 'ArrowRight', ' ', 'Spacebar'].includes(k)) { $('blank').style.display = 'none'; show(i + 1, from); }
    else if (['PageUp', 'ArrowLeft'].includes(k)) { $('blank').style.display = 'none'; show(i - 1, from); }
    else if (k === 'Home') show(0, from);
    else if (k === 'End') show(slides.length - 1, from);
    else if (k === 'b' || k === 'B' || k === '.') blank();
    else if (k === 'n' || k === 'N') { notes = !notes; show(i, null); }  // laid out again: the figure makes room
    else return;
    e.preventDefault();
  });
  let timer = null;
  window.addEventListener('resize', () => { clearTimeout(timer); timer = setTimeout(() => show(i, null), 200); });
  window.embvizTalk = {show: k => show(k, null), get index() { return i; }, count: slides.length};
  show(0, null);
})();
</script>
</body></html>
"""
