"""A room of users on one real `streamlit run` server: heavy and light users at once.

Some users start t-SNE or UMAP on Explore, each with different parameters (a new session opened on
a link such as ``/?method=tsne&p.perplexity=25``); the others search words, solve analogies and
filter the word table, twice over. Every action's wait is recorded and summarised per kind
(p50/p95/max, timeouts, failures), with whether every heavy user got a picture and the server's
memory (its process plus the worker pool's processes) before, at the peak, and 20 s after the
users leave. Traffic stays on 127.0.0.1; the disk cache starts empty, so heavy work is computed.

Two kinds of client, because 20 Chromium pages drawing 20,000-point WebGL maps in software on the
same cores can measure the browser rather than the server:

* ``browser``: real Playwright pages in one headless Chromium. A wait is measured twice: until the
  answer is visible on the page, and on the page's own websocket, from the message that asks for
  the rerun to the server's ``script_finished`` (no drawing included).
* ``protocol``: a client speaking Streamlit's websocket protocol with its own protobufs (what the
  browser sends on a widget change), so the bench's clients cost almost nothing.

    python3 bench/room.py [--users 20 --heavy 5 --client both --port 8650]

Goals (issue 12): light p95 <= 3 s, nothing times out, every heavy user gets a picture, memory
back within 25 % of the baseline 20 s after the users leave.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from typing_extensions import Self

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # room_clients, also when imported as bench.room
WORDS = ["king", "paris", "river", "music", "happy", "doctor", "green", "winter", "coffee", "science",
         "horse", "church", "money", "ocean", "garden", "soldier", "bread", "summer", "teacher", "silver"]
ANALOGIES = ["paris - france + italy", "queen - woman + man", "walking - walk + swim", "big - bigger + small",
             "berlin - germany + japan", "brother - man + woman"]
FILTERS = ["ing", "ness", "tion", "able", "over", "less"]
HEAVY = [("tsne", {"perplexity": 25}), ("umap", {"n_neighbors": 10}), ("tsne", {"perplexity": 40}),
         ("umap", {"n_neighbors": 20}), ("tsne", {"perplexity": 15}), ("umap", {"min_dist": 0.3})]
LABEL = {"tsne": "t-SNE", "umap": "UMAP"}
WARM_MAPS = [("tsne", {"n_iter": 20, "exaggeration_iter": 10}), ("umap", {"n_epochs": 10})]  # short, not the room's


# -- the server and its memory ---------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``streamlit run dashboard.py`` on loopback with an empty cache; memory sampled twice a second.

    ``arena_max`` sets glibc's ``MALLOC_ARENA_MAX`` for the server, as a deployment should (see
    embviz/app/jobs.py: one malloc arena per script thread kept 20 users' freed memory); 0 leaves
    glibc's default."""

    def __init__(self, port: int = 0, env: dict | None = None, arena_max: int = 2):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = Path(tempfile.mkdtemp(prefix="embviz-room-"))
        self.log_path = self.folder / "server.log"
        self.env = dict(os.environ, EMBVIZ_CACHE=str(self.folder / "cache"), **(env or {}))
        if arena_max:
            self.env["MALLOC_ARENA_MAX"] = str(arena_max)
        self.samples: list[tuple[float, float, float]] = []  # (time, server MB, workers MB)
        self._stop = threading.Event()

    def __enter__(self) -> Self:
        cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(self.port),
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                         start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start:\n" + self.log_path.read_text()[-3000:])
            time.sleep(0.3)
        threading.Thread(target=self._sample, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
        shutil.rmtree(self.folder / "cache", ignore_errors=True)

    def memory(self) -> tuple[float, float]:
        """Resident MB of the server process and of all its children (the pool's workers)."""
        import psutil

        try:
            me = psutil.Process(self.proc.pid)
            kids = sum(c.memory_info().rss for c in me.children(recursive=True) if c.is_running())
            return me.memory_info().rss / 2**20, kids / 2**20
        except psutil.Error:
            return 0.0, 0.0

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            self.samples.append((time.monotonic(), *self.memory()))

    def peak(self, since: float = 0.0) -> tuple[float, float]:
        rows = [s for s in self.samples if s[0] >= since] or [(0, 0.0, 0.0)]
        return max(r[1] + r[2] for r in rows), max(r[1] for r in rows)

    def log_tail(self, n: int = 3000) -> str:
        return self.log_path.read_text()[-n:]


# -- what was measured -----------------------------------------------------------------------------
@dataclass
class Action:
    user: int
    kind: str
    seconds: float
    ok: bool
    detail: str = ""
    server_seconds: float | None = None  # on the websocket: rerun asked -> script_finished


@dataclass
class Record:
    actions: list[Action] = field(default_factory=list)

    def add(self, *args, **kwargs) -> Action:
        a = Action(*args, **kwargs)
        self.actions.append(a)
        return a


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def summary(rec: Record, timeout: float) -> list[dict]:
    rows = []
    for kind in dict.fromkeys(a.kind for a in rec.actions):
        acts = [a for a in rec.actions if a.kind == kind]
        waits = [a.seconds for a in acts if a.ok]
        server = [a.server_seconds for a in acts if a.ok and a.server_seconds is not None]
        rows.append({"kind": kind, "n": len(acts), "failed": sum(not a.ok for a in acts),
                         "timeouts": sum((not a.ok) and "timeout" in a.detail.lower() for a in acts),
                         "p50": pct(waits, 0.5), "p95": pct(waits, 0.95), "max": max(waits, default=float("nan")),
                         "s_p50": pct(server, 0.5), "s_p95": pct(server, 0.95), "s_max": max(server, default=float("nan"))})
    return rows


def print_table(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    print(f"{'action':<10}{'n':>4}{'failed':>7}{'timeouts':>9}{'p50 s':>8}{'p95 s':>8}{'max s':>8}"
          f"{'server p50':>11}{'p95':>7}{'max':>7}")
    for r in rows:
        print(f"{r['kind']:<10}{r['n']:>4}{r['failed']:>7}{r['timeouts']:>9}{r['p50']:>8.2f}{r['p95']:>8.2f}"
              f"{r['max']:>8.2f}{r['s_p50']:>11.2f}{r['s_p95']:>7.2f}{r['s_max']:>7.2f}")


def light_actions(user: int, rounds: int) -> list[tuple[str, str]]:
    out = []
    for r in range(rounds):
        out += [("search", WORDS[(user + 7 * r) % len(WORDS)]), ("search", WORDS[(user + 7 * r + 3) % len(WORDS)]),
                ("page", "analogies"), ("analogy", ANALOGIES[(user + r) % len(ANALOGIES)]),
                ("page", "data"), ("filter", FILTERS[(user + r) % len(FILTERS)]), ("page", "")]
    return out


def heavy_query(i: int) -> tuple[str, str]:
    method, params = HEAVY[i % len(HEAVY)]
    query = f"method={method}&labels=0&" + "&".join(f"p.{k}={v}" for k, v in params.items())
    return method, query


# -- a room ----------------------------------------------------------------------------------------
async def _act(rec: Record, user: int, kind: str, coro, timeout: float, detail: str = "") -> Action:
    from room_clients import Failed

    t0 = time.monotonic()
    try:
        seconds, server = await asyncio.wait_for(coro, timeout + 5)
        return rec.add(user, kind, seconds, True, detail, server)
    except (asyncio.TimeoutError, TimeoutError) as exc:
        return rec.add(user, kind, time.monotonic() - t0, False, f"timeout {detail} {exc}"[:200])
    except Failed as exc:
        return rec.add(user, kind, time.monotonic() - t0, False, f"{detail}: {exc}"[:300])
    except Exception as exc:  # noqa: BLE001 — a broken page or socket counts as a failed action
        if "Timeout" in type(exc).__name__:
            return rec.add(user, kind, time.monotonic() - t0, False, f"timeout {detail}"[:200])
        return rec.add(user, kind, time.monotonic() - t0, False, f"{detail}: {type(exc).__name__}: {exc}"[:300])


async def _heavy_user(make, rec, i, delay, heavy_timeout, pictures):
    await asyncio.sleep(delay)
    user = await make(heavy_user=True)
    method, query = heavy_query(i)
    try:
        a = await _act(rec, i, "heavy", user.heavy(query, LABEL[method], heavy_timeout), heavy_timeout, query)
        pictures.append(a.ok)
    finally:
        await user.close()


async def _light_user(make, rec, i, delay, rounds, timeout, think):
    await asyncio.sleep(delay)
    user = await make()
    try:
        a = await _act(rec, i, "open", user.open("labels=0", timeout), timeout)
        if not a.ok:
            return
        for kind, value in light_actions(i, rounds):
            await asyncio.sleep(think)
            call = {"search": user.search, "analogy": user.analogy, "filter": user.filter, "page": user.page}[kind]
            await _act(rec, i, kind, call(value, timeout), timeout, value)
    finally:
        await user.close()


async def _browser():
    from playwright.async_api import async_playwright

    pw = await async_playwright().start()
    browser = await pw.chromium.launch(
        executable_path=shutil.which("chromium") or shutil.which("chromium-browser"), headless=True,
        args=["--enable-unsafe-swiftshader", "--disable-dev-shm-usage", "--no-sandbox",
              "--disable-background-networking", "--disable-component-update", "--disable-sync"])
    return pw, browser


async def search_during_heavy(url: str, query: str = "method=tsne&labels=0&p.perplexity=33",
                              words=("river", "music", "doctor"), timeout: float = 300) -> dict:
    """One browser user starts t-SNE; once its job runs, another searches words. Returns the
    searches' waits (visible, server) and whether the t-SNE map was still computing meanwhile."""
    from room_clients import TITLED, BrowserUser

    pw, browser = await _browser()
    try:
        a, b = BrowserUser(browser, url), BrowserUser(browser, url)
        await a.start()
        await b.start()
        await b.open("labels=0")
        await a.tab.goto(f"{url}/?{query}", wait_until="commit")
        await a.tab.get_by_text("t-SNE of").first.wait_for(timeout=timeout * 1000)  # the job's progress bar
        waits = [await b.search(w) for w in words]
        computing = await a.tab.locator("[data-testid='stProgress']").count() > 0
        t0 = time.monotonic()
        await a.tab.wait_for_function(TITLED, arg="t-SNE", timeout=timeout * 1000)
        return {"waits": waits, "computing": computing, "heavy_after": time.monotonic() - t0,
                "errors": a.errors + b.errors}
    finally:
        await browser.close()
        await pw.stop()


async def room(url: str, client: str, users: int, heavy: int, rounds: int = 2, timeout: float = 60,
               heavy_timeout: float = 300, think: float = 3.0) -> tuple[Record, list[bool], list[str]]:
    """Run one room against ``url``; returns the actions, whether each heavy user got a map, and
    the browser errors seen."""
    from room_clients import BrowserUser, ProtocolUser

    rec, pictures, errors = Record(), [], []
    pw = browser = None
    made = []
    if client in ("browser", "mixed"):
        pw, browser = await _browser()

    async def make(heavy_user: bool = False):
        # "mixed": the heavy users in Chromium (their pictures are checked), the light ones on the
        # protocol (their waits are the server's, not 2 cores drawing 8 tabs of 20,000 WebGL points)
        if client == "browser" or client == "mixed" and heavy_user:
            u = BrowserUser(browser, url)
            await u.start()
        else:
            u = ProtocolUser(url)
        made.append(u)
        return u

    try:
        tasks = [_heavy_user(make, rec, i, 0.5 * i, heavy_timeout, pictures) for i in range(heavy)]
        tasks += [_light_user(make, rec, heavy + j, 2.0 + 0.6 * j, rounds, timeout, think)
                  for j in range(users - heavy)]
        await asyncio.gather(*tasks)
    finally:
        errors = [e for u in made for e in getattr(u, "errors", []) if "WebGL" not in e]
        if browser is not None:
            await browser.close()
            await pw.stop()
    return rec, pictures, errors


async def warm_up(url: str) -> None:
    """One user through every page the room uses, then one short computed map of each heavy kind,
    so the baseline is a warm server: the modules a computed map brings into the server are
    imported (umap-learn, openTSNE, scikit-learn: ~200 MB, once), and the pool's standing worker
    is prepared (its warm-up job started with the first visit, ahead of these maps)."""
    from room_clients import ProtocolUser

    u = ProtocolUser(url)
    try:
        await u.open("labels=0", 120)
        await u.search("king", 120)
        await u.page("analogies", 120)
        await u.analogy("paris - france + italy", 120)
        await u.page("data", 120)
        await u.filter("ing", 120)
        await u.page("", 120)
    finally:
        await u.close()
    for method, params in WARM_MAPS:
        h = ProtocolUser(url)
        try:
            await h.heavy(f"method={method}&labels=0&" + "&".join(f"p.{k}={v}" for k, v in params.items()),
                          LABEL[method], 300)
        finally:
            await h.close()


def run_room(client: str, args) -> dict:
    """A fresh server, a baseline visit, the room, then 20 s of quiet; figures as a dict."""
    with Server(args.port, arena_max=args.arena_max) as server:
        asyncio.run(warm_up(server.url))
        time.sleep(5)
        before = sum(server.memory())
        t0 = time.monotonic()
        rec, pictures, errors = asyncio.run(room(server.url, client, args.users, args.heavy, args.rounds,
                                                 args.timeout, args.heavy_timeout))
        left = time.monotonic()
        peak, peak_server = server.peak(t0)
        time.sleep(args.quiet)
        after_server, after_workers = server.memory()
        out = {"client": client, "users": args.users, "heavy": args.heavy, "seconds": left - t0,
                   "rows": summary(rec, args.timeout), "pictures": pictures, "errors": errors[:10],
                   "memory": {"before": before, "peak": peak, "peak_server": peak_server, "after": after_server + after_workers,
                               "after_server": after_server, "after_workers": after_workers},
                   "failures": [(a.user, a.kind, a.detail) for a in rec.actions if not a.ok][:20]}
        if "Traceback" in server.log_tail(20000):
            out["server_log"] = server.log_tail(3000)
        return out


def report(out: dict, quiet: float) -> None:
    m = out["memory"]
    print_table(f"{out['client']}: {out['users']} users ({out['heavy']} heavy) in {out['seconds']:.0f} s — "
                "wait until visible, and on the server (rerun asked -> script finished)", out["rows"])
    got = sum(out["pictures"])
    print(f"heavy users with a picture: {got} of {len(out['pictures'])}")
    print(f"server memory (server + workers): before {m['before']:.0f} MB, peak {m['peak']:.0f} MB "
          f"(server alone {m['peak_server']:.0f}), {quiet:.0f} s after the users left {m['after']:.0f} MB "
          f"(server {m['after_server']:.0f} + workers {m['after_workers']:.0f}) = "
          f"{(m['after'] / m['before'] - 1) * 100:+.0f} % of baseline")
    for f in out["failures"]:
        print("  failed:", f)
    for e in out["errors"]:
        print("  browser error:", e[:200])
    if out.get("server_log"):
        print("server log tail:\n" + out["server_log"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--heavy", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=2, help="times each light user goes through its actions")
    ap.add_argument("--client", choices=("browser", "protocol", "both"), default="both")
    ap.add_argument("--port", type=int, default=8650)
    ap.add_argument("--timeout", type=float, default=60, help="seconds a light action may take")
    ap.add_argument("--heavy-timeout", type=float, default=300)
    ap.add_argument("--quiet", type=float, default=20, help="seconds after the users leave before memory is read")
    ap.add_argument("--arena-max", type=int, default=2, help="MALLOC_ARENA_MAX for the server (0: glibc's default)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    outs = []
    for client in (("protocol", "browser") if args.client == "both" else (args.client,)):
        outs.append(run_room(client, args))
        report(outs[-1], args.quiet)
    if args.json:
        args.json.write_text(json.dumps(outs, indent=1, default=str))
    light = [r for o in outs for r in o["rows"] if r["kind"] != "heavy"]
    ok = (all(r["p95"] <= 3.0 and not r["failed"] for r in light) and all(all(o["pictures"]) for o in outs)
          and all(o["memory"]["after"] <= 1.25 * o["memory"]["before"] for o in outs))
    print("\ngoals met" if ok else "\ngoals NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
