"""A lecture hall, in a real browser: the Learn deck and a deck of five saved views stepped through
with a clicker's keys at 1920×1080 and 1280×720, every page in presentation mode, the presenter tab
in a second page, and the exported talk opened from disk with the network blocked.

What is measured comes from the browser: the time from a key press until the new slide's figure
has its first trace in the DOM (printed, and written to artifacts/present_step_times.txt — taken on
whatever machine runs the test), the figures' own font sizes (``gd._fullLayout``), the table cells'
computed font size, and the on-screen boxes (no document scroll; every figure above the footer).
"""
from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS, Journey

PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError

STEP_SECONDS = 1.0
TIMES: list[tuple[str, str, int, str, float]] = []

# a slide drawn ahead lies hidden under the one shown: what is measured is what is seen
SEEN = """e => { if (!e.checkVisibility({visibilityProperty: true, opacityProperty: true})) return false;
  for (let a = e; a; a = a.parentElement) if (parseFloat(getComputedStyle(a).opacity) < 0.05) return false;
  return true; }"""  # (a slide drawn ahead is painted at opacity 0.001: there, but not seen)
DRAWN = """(sel) => { const gd = document.querySelector(sel + ' .js-plotly-plot');
  const meta = gd && gd._fullLayout && gd._fullLayout.meta;  // fitted to this window (not the one before a resize)
  return !!(gd && gd._fullLayout && gd._fullData && gd._fullData.length && gd.querySelector('.main-svg')
            && gd.querySelector('.trace, image, canvas') && (!meta || !meta.present || meta.present[0] <= innerWidth)); }"""
FIGURE_READY = DRAWN.replace("return !!(gd &&", f"return !!(gd && ({SEEN})(gd) &&")
HEADING = (f"() => {{ const h = [...document.querySelectorAll('[data-testid=stHeading]')].find({SEEN}); "
           "return h ? h.innerText : ''; }")
MEASURE = """() => {
  const H = innerHeight, out = {H, W: innerWidth, figs: [], tables: [], inputs: []};
  const main = document.querySelector('[data-testid=stMain]');
  out.scroll = Math.max(document.scrollingElement.scrollHeight, main.scrollHeight);
  const footer = document.querySelector('.st-key-present_footer');
  out.limit = footer ? footer.getBoundingClientRect().top : H;
  const seen = %SEEN%;
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    const r = gd.getBoundingClientRect();
    if (!r.height || !gd._fullLayout || !seen(gd)) continue;
    const L = gd._fullLayout;
    const ticks = Object.keys(L).filter(k => /^[xy]axis\\d*$/.test(k) && L[k].showticklabels && L[k].visible !== false)
      .map(k => L[k].tickfont.size);
    const words = gd._fullData.filter(t => t.visible === true && (t.mode || '').includes('text'))
      .flatMap(t => [].concat(t.textfont.size));
    out.figs.push({top: r.top, bottom: r.bottom, ticks, words, font: L.font.size});
  }
  for (const td of document.querySelectorAll('[data-testid=stTable] td, [data-testid=stTable] th'))
    if (seen(td)) out.tables.push(parseFloat(getComputedStyle(td).fontSize));
  // every text the room reads (not the speaker's Controls, buttons and their key hints)
  out.small = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement, said = n.textContent.trim();
    if (!said || !el || !seen(el) || el.closest('.st-key-present_controls, button, .js-plotly-plot, [data-testid=stTable]')) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 18) out.small.push([said.slice(0, 40), size]);
  }
  // nothing of a slide drawn ahead (hidden under the one shown) may be seen
  out.bleed = [];
  for (const slot of document.querySelectorAll('[class*=_slot_]')) {
    const box = slot.parentElement;
    if (getComputedStyle(box).position !== 'absolute') continue;
    for (const el of slot.querySelectorAll('*'))
      if (el.childElementCount === 0 && el.textContent.trim() && seen(el)) out.bleed.push(el.textContent.trim().slice(0, 40));
  }
  for (const e of document.querySelectorAll('[data-testid=stMain] input, [data-testid=stMain] textarea, [data-testid=stMain] [role=radiogroup], [data-testid=stMain] [data-baseweb=select]')) {
    if (seen(e) && !e.closest('.st-key-present_controls')) out.inputs.push(e.outerHTML.slice(0, 80));
  }
  return out; }"""


SIZED = """() => { const main = document.querySelector('[data-testid=stMain]');
  const plots = [...document.querySelectorAll('.js-plotly-plot')].filter(g => g._fullLayout && (%SEEN%)(g));
  const drawn = plots.some(g => g.getBoundingClientRect().height > 0) || document.querySelector('[data-testid=stTable] td');
  return !!drawn && plots.every(g => g._fullLayout.meta && g._fullLayout.meta.present && g._fullLayout.meta.present[1] < innerHeight)
         && main.scrollHeight <= innerHeight + 1; }"""
MEASURE, SIZED = MEASURE.replace("%SEEN%", SEEN), SIZED.replace("%SEEN%", SEEN)


def _fits(j: Journey, what: str) -> dict:
    """Sizes and the no-scroll rule, from what is on screen (once the page has heard the window's
    size: a new session draws for 1920×1080 until the browser has reported its own)."""
    with contextlib.suppress(PlaywrightTimeout):  # the assertions below say what is wrong
        j.page.wait_for_function(SIZED, timeout=20_000)
    m = j.page.evaluate(MEASURE)
    assert m["scroll"] <= m["H"] + 1, f"{what}: the page scrolls ({m['scroll']} > {m['H']})"
    for f in m["figs"]:
        assert f["bottom"] <= m["limit"] + 1, f"{what}: figure bottom {f['bottom']:.0f} below {m['limit']:.0f}"
        assert all(s >= 18 for s in f["ticks"] + f["words"]) and f["font"] >= 18, f"{what}: small type {f}"
    assert all(s >= 20 for s in m["tables"]), f"{what}: table text {m['tables']}"
    assert not m["small"], f"{what}: text under 18 px: {m['small'][:6]}"
    assert not m["bleed"], f"{what}: text of a hidden slide is seen: {m['bleed'][:4]}"
    assert not m["inputs"], f"{what}: controls outside the Controls expander: {m['inputs'][:3]}"
    return m


def _step(j: Journey, deck: str, key: str, target: int, fig_key: str | None) -> float:
    """Press ``key``; seconds until slide ``target``'s figure (``fig_key``) is seen with its first trace.

    A person reads a slide for some seconds before the next: by then the next slide has been drawn
    ahead, hidden (a second or two after a step; up to 3 s more to draw 20,000 points in a software
    renderer), and that is awaited first — as :func:`_fresh_step` measures a step that finds it not."""
    if fig_key:
        j.page.wait_for_function(DRAWN, arg=f".st-key-{fig_key}_{target}", timeout=60_000)
    j.page.wait_for_timeout(300)
    return _fresh_step(j, deck, key, target, fig_key)


def _fresh_step(j: Journey, deck: str, key: str, target: int, fig_key: str | None) -> float:
    before = j.page.evaluate(HEADING)
    t0 = time.perf_counter()
    j.page.keyboard.press(key)
    j.page.wait_for_function(f"(b) => {{ const h = ({HEADING})(); return h && h !== b; }}", arg=before, timeout=60_000)
    if fig_key:
        j.page.wait_for_function(FIGURE_READY, arg=f".st-key-{fig_key}_{target}", timeout=60_000)
        j.page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")  # painted
    seconds = time.perf_counter() - t0
    TIMES.append((deck, f"{j.page.viewport_size['width']}x{j.page.viewport_size['height']}", target + 1, key, seconds))
    return seconds


def _wait_built(j: Journey, prefix: str, n: int) -> None:
    """Wait until the worker has built (and fitted) every slide: the talk is then ready."""
    try:
        j.page.wait_for_function(
            f"() => {{ const e = document.querySelector('.st-key-{prefix}_ready'); "
            f"return e && e.textContent.includes('{n} of {n} built'); }}", timeout=300_000)
    except PlaywrightTimeout:
        j.screenshot(f"not_built_{prefix}")
        said = j.page.evaluate(f"() => (document.querySelector('.st-key-{prefix}_ready') || {{}}).textContent")
        raise AssertionError(f"the slides were not built in 5 minutes: {said!r}") from None


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    if TIMES:
        lines = ["deck      window     slide  key         seconds"]
        lines += [f"{d:<9} {w:<10} {s:>5}  {k:<10} {t:7.2f}" for d, w, s, k, t in TIMES]
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "present_step_times.txt").write_text("\n".join(lines) + "\n")
        print("\n" + "\n".join(lines))


LEARN_KEYS = ["PageDown", "ArrowRight", "Space", "PageDown", "ArrowRight", "Space"]
NO_FIGURE = {5}  # step 6 shows a figure only once a model was trained in the session


def test_learn_deck_with_a_clicker(browser, app_url):
    j = Journey(browser, app_url, width=1920, height=1080)
    try:
        j.open("learn?present=1")
        page = j.page
        page.get_by_role("heading", name="1. One-hot versus dense").wait_for()
        _wait_built(j, "learn", 7)
        assert not page.locator("[data-testid='stSidebar']").is_visible()
        j.wait_chart()
        _fits(j, "learn 1 at 1920x1080")
        j.screenshot("present_learn_1")
        for i, key in enumerate(LEARN_KEYS, start=1):
            seconds = _step(j, "learn", key, i, None if i in NO_FIGURE else "learn_step_fig")
            assert page.evaluate(HEADING).startswith(f"{i + 1}. ")
            assert seconds <= STEP_SECONDS * 2, f"step {i + 1} took {seconds:.2f} s"  # see the README figures
            _fits(j, f"learn {i + 1} at 1920x1080")
            j.screenshot(f"present_learn_{i + 1}")
        for key, want in (("PageUp", 6), ("ArrowLeft", 5), ("Home", 1), ("End", 7)):
            page.keyboard.press(key)
            page.wait_for_function(f"() => ({HEADING})().startsWith('{want}. ')", timeout=60_000)
        for end, key, want in (("End", "PageDown", 7), ("Home", "PageUp", 1)):  # the ends stop, no wrap
            page.keyboard.press(end)
            page.wait_for_function(f"() => ({HEADING})().startsWith('{want}. ')", timeout=60_000)
            j.wait_idle()
            page.keyboard.press(key)
            page.wait_for_timeout(1500)
            j.wait_idle()
            assert page.evaluate(HEADING).startswith(f"{want}. "), f"{key} at step {want} moved to {page.evaluate(HEADING)}"
        page.keyboard.press("b")
        page.locator(".embviz-blank").wait_for()
        j.screenshot("present_blank")
        page.keyboard.press("b")
        page.locator(".embviz-blank").wait_for(state="detached")
        page.set_viewport_size({"width": 1280, "height": 720})  # the same session on a smaller projector
        page.keyboard.press("Home")
        page.wait_for_function(f"() => ({HEADING})().startsWith('1. ')")
        page.wait_for_function("() => { const gd = document.querySelector('.js-plotly-plot');"
                               " return gd && gd._fullLayout.meta && gd._fullLayout.meta.present[1] < 700; }")
        _wait_built(j, "learn", 7)
        _fits(j, "learn 1 at 1280x720")
        for i in range(1, 7):
            _step(j, "learn", "PageDown", i, None if i in NO_FIGURE else "learn_step_fig")
            _fits(j, f"learn {i + 1} at 1280x720")
            j.screenshot(f"present_learn_{i + 1}_1280")
        j.assert_no_errors()
    finally:
        j.close()


def _settled(j: Journey) -> None:
    """The deck's rows drawn once (no element of an earlier run still on screen)."""
    j.wait_idle()
    j.page.wait_for_function("() => [0, 1, 2, 3, 4].every(i => document.querySelectorAll("
                             "`.st-key-deck_row_${i} [class*='st-key-deck_open_']`).length === 1)")


def _five_views(path: Path) -> Path:
    from embviz.app.state import View
    from embviz.deck import Deck

    d = Deck(title="Five views of one table")
    data = "demo:minilm-words"
    d.add(View(page="explore", data=data, query="king", color="pos", labels=30, name="King on PCA",
               note="The whole table; king and its neighbours."))
    d.add(View(page="explore", data=data, method="axes", params={"x": "woman - man", "y": "big - small"},
               query="king", color="pos", labels=30, name="The same words on meaning axes",
               note="Same points: watch them move."))
    d.add(View(page="analogies", data=data, settings={"expr": "walking - walk + swim"}, name="Grammar as a direction",
               note="Not only royalty."))
    d.add(View(page="clusters", data=data, settings={"method": "kmeans", "k": 8}, name="Eight groups",
               note="Nobody labelled these."))
    d.add(View(page="compare", data=data, settings={"request": {"methods": ["pca"], "n": 2000, "sampling": "random",
                                                                "by": None, "colour": "pos", "dims": 2, "params": {}}},
               name="A sample of 2,000", note="Questions?"))
    path.write_text(d.to_json())
    return path


def test_deck_of_five_saved_views_presenter_tab_and_offline_talk(browser, app_url, tmp_path):
    j = Journey(browser, app_url, width=1920, height=1080)
    tab = Journey(browser, app_url, width=1280, height=800)
    offline = browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
    try:
        page = j.page
        j.open("deck")
        page.set_input_files("[data-testid='stFileUploaderDropzoneInput']", str(_five_views(tmp_path / "five.json")))
        page.locator(".st-key-deck_row_4").wait_for()
        _settled(j)
        j.screenshot("deck_manager", full_page=True)
        # opening a view goes to its page with the view applied (not only when presenting)
        page.locator(".st-key-deck_row_2 [class*='st-key-deck_open_'] button").first.click()
        page.wait_for_url("**/analogies**")
        page.locator(".st-key-analogies_expr input").wait_for()
        assert page.locator(".st-key-analogies_expr input").input_value() == "walking - walk + swim"
        page.locator("[data-testid='stSidebarNav'] a, [data-testid='stPageLink'] a").filter(has_text="Deck").first.click()
        page.locator(".st-key-deck_row_4").wait_for()
        _settled(j)
        page.locator(".st-key-deck_row_0 [class*='st-key-deck_present_'] button").first.click()
        page.get_by_role("heading", name="King on PCA").wait_for()
        _wait_built(j, "deck", 5)
        j.wait_chart()
        _fits(j, "view 1")
        j.screenshot("present_views_1")
        deck_id = page.evaluate("() => new URLSearchParams(location.search).get('deck')")
        tab.open(f"deck?presenter=1&deck={deck_id}")
        tab.page.locator(".st-key-presenter_note").wait_for()
        assert "The whole table" in tab.page.locator(".st-key-presenter_note").inner_text()
        assert "The same words on meaning axes" in tab.page.locator(".st-key-presenter_next").inner_text()
        # the morph: sample the first point's x (and whether it is shown) across the step
        page.evaluate("""() => { window.__xs = []; const t0 = performance.now(); const id = setInterval(() => {
            const gd = document.querySelector('.st-key-deck_slide_fig_1 .js-plotly-plot');
            const t = gd && gd._fullData && gd._fullData[0];
            if (t && t.x && t.x.length) window.__xs.push([getComputedStyle(gd).visibility, t.x[0], t.x.length]);
            if (gd && gd.__embvizMorphed || performance.now() - t0 > 60000) clearInterval(id); }, 5); }""")
        for i, key in enumerate(["PageDown", "ArrowRight", "Space", "PageDown"], start=1):
            seconds = _step(j, "views", key, i, "deck_slide_fig")
            # each slide was drawn ahead: a step only shows it (drawing 20,000 points afresh in software
            # WebGL at 1920x1080 takes 2-3 s here); twice the goal leaves room for a loaded machine
            assert seconds <= STEP_SECONDS * 2, f"view {i + 1} took {seconds:.2f} s"
            if i == 1:  # views 1 and 2 show the same 20,000 points: they move instead of cutting
                t0 = time.perf_counter()
                page.wait_for_function("() => { const gd = document.querySelector('.st-key-deck_slide_fig_1 "
                                       ".js-plotly-plot'); return gd && gd.__embvizMorphed; }", timeout=60_000)
                TIMES.append(("views", "1920x1080", 2, "(morph)", time.perf_counter() - t0 + seconds))
                xs = page.evaluate("() => window.__xs")
                shown = [x for v, x, n in xs if v == "visible"]
                assert len(set(shown)) >= 3, f"no morph between views 1 and 2: {xs[:10]}"
                assert xs[-1][2] == max(n for _, _, n in xs)  # every point is back at the end
                tab.page.wait_for_function("() => document.querySelector('.st-key-presenter_now').innerText"
                                           ".includes('Slide 2 of 5')", timeout=10_000)
                assert "Same points" in tab.page.locator(".st-key-presenter_note").inner_text()
            _fits(j, f"view {i + 1}")
            j.screenshot(f"present_views_{i + 1}")
        tab.screenshot("presenter_tab")
        steps = sorted(t for d, w, _, k, t in TIMES if d == "views" and w == "1920x1080" and k != "(morph)")
        assert steps[len(steps) // 2] <= STEP_SECONDS, f"a step to a view drawn ahead: {steps} s"
        j.wait_idle()
        _fresh_step(j, "views", "Home", 0, "deck_slide_fig")  # a jump: to a slide not drawn ahead (reported)
        TIMES[-1] = (*TIMES[-1][:3], "Home(jump)", TIMES[-1][4])
        page.set_viewport_size({"width": 1280, "height": 720})
        page.keyboard.press("Home")
        page.get_by_role("heading", name="King on PCA").wait_for()
        _wait_built(j, "deck", 5)
        for i in range(1, 5):
            _step(j, "views", "PageDown", i, "deck_slide_fig")
            _fits(j, f"view {i + 1} at 1280x720")
        j.screenshot("present_views_5_1280")
        # export the talk and open it from disk, every request but the file itself blocked
        page.locator(".st-key-present_exit button").click()
        page.locator(".st-key-deck_row_4").wait_for()
        page.get_by_role("button", name="Export as offline HTML").click()
        page.locator(".st-key-deck_build_html button").click()
        with page.expect_download(timeout=300_000) as dl:
            page.locator(".st-key-deck_download_html button").click()
        talk = tmp_path / "talk.html"
        dl.value.save_as(talk)
        _offline_talk(offline, talk)
        j.assert_no_errors()
        tab.assert_no_errors()
    finally:
        offline.close()
        tab.close()
        j.close()


def _offline_talk(context, talk: Path) -> None:
    url = talk.resolve().as_uri()
    asked: list[str] = []

    def route(r):
        if r.request.url == url:
            r.continue_()
        else:
            asked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function("() => window.embvizTalk && document.querySelector('#plot .main-svg')")
    n = page.evaluate("() => embvizTalk.count")
    assert n == 5
    titles = []
    for i in range(n):
        page.wait_for_function("() => { const gd = document.getElementById('plot');"
                               " return gd._fullData && gd._fullData.length && gd.querySelector('.main-svg'); }")
        page.wait_for_timeout(300)
        box = page.locator("#plot").bounding_box()
        assert box["y"] + box["height"] <= 1080 and page.evaluate("() => document.scrollingElement.scrollHeight") <= 1080
        titles.append(page.locator("#title").inner_text())
        page.screenshot(path=str(ARTIFACTS / f"offline_talk_{i + 1}.png"))
        page.keyboard.press(["ArrowRight", "PageDown", "Space", "ArrowRight", "PageDown"][i])
    assert titles == ["King on PCA", "The same words on meaning axes", "Grammar as a direction", "Eight groups",
                      "A sample of 2,000"]
    page.keyboard.press("Home")
    assert page.evaluate("() => embvizTalk.index") == 0
    assert not page.locator("#note").is_visible()  # speaker notes stay hidden...
    page.keyboard.press("n")
    assert "The whole table" in page.locator("#note").inner_text()  # ...until the speaker asks
    page.wait_for_timeout(500)
    plot, note = page.locator("#plot").bounding_box(), page.locator("#note").bounding_box()
    assert plot["y"] + plot["height"] <= note["y"] + 1, (plot, note)  # the figure made room: nothing covered
    assert note["y"] + note["height"] <= 1080 - 50  # above the footer
    page.screenshot(path=str(ARTIFACTS / "offline_talk_note.png"))
    page.keyboard.press("b")
    assert page.locator("#blank").is_visible()
    assert not asked and not errors, (asked, errors)


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_every_page_in_presentation_mode(browser, app_url, size):
    j = Journey(browser, app_url, width=size[0], height=size[1])
    try:
        for name in ("analogies", "clusters", "maps", "data", "explore"):
            j.open(f"{name}?present=1")
            j.page.locator(".st-key-present_controls").wait_for()
            j.page.wait_for_function("() => document.querySelector('.js-plotly-plot .main-svg, [data-testid=stTable]')",
                                     timeout=180_000)
            j.wait_idle()
            m = _fits(j, f"/{name}?present=1 at {size[0]}x{size[1]}")
            assert not j.page.locator("[data-testid='stSidebar']").is_visible()
            assert m["figs"] or m["tables"], (f"/{name}?present=1 at {size[0]}x{size[1]}: no figure or table measured; "
                                              f"the page says: {j.page.inner_text('[data-testid=stMain]')[:1500]}")
            if m["figs"]:
                assert max(f["bottom"] - f["top"] for f in m["figs"]) > size[1] * 0.55  # one large figure
            j.screenshot(f"present_page_{name}_{size[0]}")
        j.assert_no_errors()
    finally:
        j.close()


def test_compare_presents_one_map_at_a_time_and_morphs_between_them(browser, app_url):
    """Compare on a projector: one full-width map (not three small ones); picking another method
    moves the same 20,000 points into its layout instead of cutting."""
    j = Journey(browser, app_url, width=1920, height=1080)
    try:
        j.open("compare?present=1")
        j.page.locator(".st-key-compare_present_fig_0 .js-plotly-plot").wait_for(timeout=180_000)
        j.wait_chart()
        j.wait_idle()
        m = _fits(j, "/compare?present=1")
        maps = [f for f in m["figs"] if f["bottom"] - f["top"] > 1080 * 0.55]
        assert len(maps) == 1, m["figs"]
        width = j.page.evaluate("() => document.querySelector('.st-key-compare_present_fig_0 .js-plotly-plot')"
                                ".getBoundingClientRect().width")
        assert width > 1920 * 0.85, width
        j.screenshot("present_compare_pca")
        t0 = time.perf_counter()
        j.page.keyboard.press("PageDown")  # a clicker: the next map
        j.page.wait_for_function("() => { const gd = document.querySelector('.st-key-compare_present_fig_1 "
                                 ".js-plotly-plot'); return gd && gd.__embvizMorphed; }", timeout=60_000)
        TIMES.append(("compare", "1920x1080", 2, "(morph)", time.perf_counter() - t0))
        j.wait_idle()
        title = j.page.evaluate("() => document.querySelector('.st-key-compare_present_fig_1 .js-plotly-plot')"
                                "._fullLayout.title.text")
        assert "t-SNE ·" in title, title
        _fits(j, "/compare?present=1, t-SNE")
        j.screenshot("present_compare_tsne")
        j.assert_no_errors()
    finally:
        j.close()


def test_models_and_train_pages_present(browser, app_url):
    """Models on a projector: the Controls expander holds the form; Compare shows one figure (A's
    map morphing into B's) that fits. Train before any training: a plain message, no controls."""
    j = Journey(browser, app_url, width=1920, height=1080)
    try:
        j.open("models?present=1")
        page = j.page
        page.locator(".st-key-present_controls").wait_for()
        j.wait_idle()
        _fits(j, "/models?present=1 before Compare")
        page.locator(".st-key-present_controls summary").click()
        page.locator(".st-key-models_go button").click()
        page.wait_for_function("() => { const gd = document.querySelector('.st-key-models_morph_present .js-plotly-plot');"
                               " return gd && gd._fullData && gd._fullData.length; }", timeout=180_000)
        page.locator(".st-key-present_controls summary").click()  # folded again for the room
        j.wait_idle()
        m = _fits(j, "/models?present=1")
        assert len(m["figs"]) == 1 and m["figs"][0]["bottom"] - m["figs"][0]["top"] > 1080 * 0.55, m["figs"]
        j.screenshot("present_models")
        j.open("train?present=1")
        page.locator(".st-key-present_controls").wait_for()
        j.wait_idle()
        _fits(j, "/train?present=1")
        assert "Controls" in page.inner_text("[data-testid=stMain]")
        j.screenshot("present_train")
        j.assert_no_errors()
    finally:
        j.close()
