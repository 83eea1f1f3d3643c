"""How long a user waits for the first UMAP (and t-SNE) on a freshly started dashboard.

A real ``streamlit run`` server starts with an empty embviz cache (so numba's disk cache is empty
too, as on a fresh install), a browser opens the app, and after ``--delay`` seconds (60: "a user who
picks UMAP a minute after opening the app") it opens a link that makes Explore compute a UMAP of
10,000 bundled words (a parameter the shipped maps do not have). The wait is from the link to the
drawn map. Then a second, different UMAP on the same server (what later users wait), and the same
for t-SNE (10,000 words: Explore's sample for both). ``--no-warm-up`` turns the server's background warm-up off, for the
"before" row.

    python3 bench/first_wait.py                 # with the server's warm-up (the default)
    python3 bench/first_wait.py --no-warm-up    # without it
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHART = """(method) => { const gd = document.querySelector('.js-plotly-plot');
  if (!gd || !gd._fullLayout || !gd._fullData) return false;
  const t = ((gd._fullLayout.title || {}).text || '');
  return t.includes(method) && !t.includes('forming')  // t-SNE's intermediate layouts are not the map
      && !document.querySelector('[data-testid=stStatusWidget]')?.innerText.match(/Running|Stop/); }"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(cache: Path, warm: bool) -> tuple[subprocess.Popen, str]:
    port = _port()
    env = dict(os.environ, EMBVIZ_CACHE=str(cache), EMBVIZ_WARM_UP="1" if warm else "0", MALLOC_ARENA_MAX="2")
    env.pop("NUMBA_CACHE_DIR", None)
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
                             "--server.headless", "true", "--server.address", "127.0.0.1",
                             "--server.port", str(port), "--browser.gatherUsageStats", "false",
                             "--server.fileWatcherType", "none"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.25)
    raise RuntimeError("the server did not start")


def wait_for_map(page, url: str, method: str, timeout: float = 600) -> float:
    start = time.monotonic()
    page.goto(url)
    page.wait_for_function(CHART, arg=method, timeout=timeout * 1000)
    return time.monotonic() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--delay", type=float, default=60.0)
    ap.add_argument("--no-warm-up", action="store_true")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    cache = Path(tempfile.mkdtemp(prefix="embviz-first-wait-"))
    proc, url = serve(cache, not args.no_warm_up)
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                         args=["--enable-unsafe-swiftshader", "--disable-dev-shm-usage"])
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            opened = time.monotonic()
            first = wait_for_map(page, url, "t-SNE", 120)
            rows.append(("first page (shipped t-SNE map)", first))
            time.sleep(max(0.0, args.delay - (time.monotonic() - opened)))
            for label, link, method in [
                ("first UMAP, 10,000 words", "/?method=umap&p.n_neighbors=16&data=demo:minilm-words", "UMAP"),
                ("second UMAP, 10,000 words", "/?method=umap&p.n_neighbors=17&data=demo:minilm-words", "UMAP"),
                ("first t-SNE, 10,000 words", "/?method=tsne&p.perplexity=31&data=demo:minilm-words", "t-SNE"),
                ("second t-SNE, 10,000 words", "/?method=tsne&p.perplexity=32&data=demo:minilm-words", "t-SNE"),
            ]:
                rows.append((label, wait_for_map(page, url + link, method)))
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        shutil.rmtree(cache, ignore_errors=True)
    warm = "off" if args.no_warm_up else "on"
    print(f"\n| wait (server warm-up {warm}, first request {args.delay:.0f} s after opening) | seconds |")
    print("|---|---:|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
