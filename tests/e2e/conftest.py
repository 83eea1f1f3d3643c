"""A real `streamlit run` server and a real headless Chromium (Debian's), driven by playwright.

Without Chromium or playwright these tests skip with an install hint, unless
``EMBVIZ_REQUIRE_BROWSER`` is set (as `.ci/run` does), in which case they fail.
Screenshots go to ``tests/e2e/artifacts/`` (git-ignored) for a person to look at.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).with_name("artifacts")
REQUIRED = bool(os.environ.get("EMBVIZ_REQUIRE_BROWSER"))

DEEP_LINK_PROBES = ("/_stcore/health", "/_stcore/host-config")
_SERVER: dict = {}  # the running server's process and log, for what a failed test prints

CHART_READY = """() => {
  const gds = document.querySelectorAll('.js-plotly-plot');
  if (!gds.length) return false;
  return Array.from(gds).every(gd => gd._fullData && gd.querySelector('canvas, .main-svg'));
}"""


def _missing(reason: str):
    if REQUIRED:
        pytest.fail(f"browser tests are required here but {reason}")
    pytest.skip(f"{reason}; install with: apt-get install chromium && pip install playwright")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """Base URL of a real streamlit server running dashboard.py on loopback."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("server") / "streamlit.log"
    env = dict(os.environ, EMBVIZ_CACHE=str(tmp_path_factory.mktemp("cache")), EMBVIZ_WARM_UP="1")
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    _SERVER.update(proc=proc, log=log_path)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        tail = log_path.read_text()[-2000:]
        if "Traceback" in tail:
            print("streamlit server log tail:\n" + tail)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        _missing("chromium is not installed")
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=exe, headless=True,
            args=["--enable-unsafe-swiftshader", "--disable-dev-shm-usage", "--no-sandbox",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


class Journey:
    """One browser context on the app: a page plus the console errors it produced."""

    def __init__(self, browser, app_url: str, width: int = 1400, height: int = 900):
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.page.set_default_timeout(90_000)
        self.base = app_url
        self.errors: list[str] = []
        self.failed: list[str] = []  # URLs that answered 404
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("console", self._console)
        self.page.on("response", lambda r: r.status == 404 and self.failed.append(r.url))

    def _console(self, msg) -> None:
        if msg.type == "error" and "favicon" not in msg.text:
            self.errors.append(f"console: {msg.text}")

    def open(self, path: str = "") -> None:
        self.page.goto(f"{self.base}/{path.lstrip('/')}")
        self.page.wait_for_selector("[data-testid='stApp']")
        self.wait_idle()

    def goto(self, title: str) -> None:
        """Move to a page by its sidebar link (stays in the same Streamlit session)."""
        links = self.page.locator("[data-testid='stSidebar'] [data-testid='stPageLink-NavLink']")
        links.filter(has_text=title).first.click()
        self.wait_idle()

    def go_to(self, title: str, ready: str, tries: int = 3, wait: float = 30) -> None:
        """Click the sidebar link to ``title`` until ``ready`` (a selector) shows. Twice in CI a
        click right after the first page's run left the page where it was for 90 s (page text in the
        report); a person would click again, and so does this, saying so."""
        for attempt in range(tries):
            self.goto(title)
            try:
                self.page.locator(ready).first.wait_for(timeout=wait * 1000)
                return
            except Exception:  # noqa: BLE001 — Playwright's TimeoutError: click again
                print(f"the click on {title!r} did not show {ready} within {wait:.0f} s "
                      f"(attempt {attempt + 1}; the page is at {self.page.url})")
        self.page.locator(ready).first.wait_for(timeout=wait * 1000)

    def wait_idle(self, timeout: float = 120) -> None:
        """Wait until the script has finished running (no running indicator)."""
        self.page.wait_for_timeout(300)
        self.page.wait_for_function(
            """() => { const s = document.querySelector("[data-testid='stStatusWidget']");
                       return !s || !s.innerText.match(/Running|Stop/); }""",
            timeout=timeout * 1000,
        )

    def wait_chart(self, timeout: float = 120) -> None:
        self.page.wait_for_function(CHART_READY, timeout=timeout * 1000)

    def figures(self) -> list[dict]:
        """Every Plotly figure on the page as drawn (data traces with their names and text)."""
        return self.page.evaluate(
            """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => ({
                 traces: gd._fullData.map(t => ({name: t.name, type: t.type,
                    text: t.text ? Array.from(t.text).slice(0, 5000) : null,
                    n: t.x ? t.x.length : 0})),
                 annotations: (gd._fullLayout.annotations || []).map(a => a.text)}))"""
        )

    def screenshot(self, name: str, full_page: bool = False) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def assert_no_errors(self) -> None:
        errors = [e for e in self.errors if "WebGL" not in e and "GroupMarkerNotSet" not in e]
        # Opening /<page> directly makes Streamlit's client probe /<page>/_stcore/health and
        # /<page>/_stcore/host-config (404) before it finds the server root: not app errors.
        # Any other failed request still fails the test.
        if self.failed and all(u.endswith(DEEP_LINK_PROBES) for u in self.failed):
            errors = [e for e in errors if "status of 404" not in e]
        assert not errors, "browser errors:\n" + "\n".join(errors)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def journey(request, browser, app_url):
    """A fresh browser context on the running app; fails the test on console errors. A failed
    test leaves a screenshot of its page in the artifacts."""
    j = Journey(browser, app_url)
    yield j
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        try:
            j.screenshot(f"FAILED-{request.node.name}"[:120])
        except Exception:  # noqa: BLE001 — the page may be gone
            pass
    j.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test also reports what the server was doing (its threads' stacks, by
    py-spy, and the tail of its log): a wait that times out is otherwise a mystery."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call":
        return
    item.rep_call = report
    j = item.funcargs.get("journey") if report.failed else None
    if j is not None:  # what the user saw: the address and the page's text
        try:
            report.sections.append(("the page", f"{j.page.url}\n{j.page.inner_text('body')[:3000]}"))
        except Exception as exc:  # noqa: BLE001 — the page may be gone
            report.sections.append(("the page", f"unknown: {exc}"))
    proc = _SERVER.get("proc")
    if not report.failed or proc is None or proc.poll() is not None or "/e2e/" not in str(item.fspath):
        return
    spy = shutil.which("py-spy")
    if spy:
        try:
            dump = subprocess.run([spy, "dump", "--pid", str(proc.pid)], capture_output=True, text=True,
                                  timeout=30).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            dump = f"py-spy failed: {exc}"
        report.sections.append(("server threads (py-spy dump)", dump[-20000:]))
    try:
        import psutil

        tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        report.sections.append(("server processes", "\n".join(
            f"{p.pid} {p.status()} nice={p.nice()} rss={p.memory_info().rss >> 20} MB {' '.join(p.cmdline())[:120]}"
            for p in tree)))
    except Exception as exc:  # noqa: BLE001
        report.sections.append(("server processes", f"unknown: {exc}"))
    report.sections.append(("server log tail", _SERVER["log"].read_text()[-4000:]))


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
