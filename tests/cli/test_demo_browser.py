"""The demo page works in a real browser: headless Chromium loads out/index.html and every
<img> decodes (naturalWidth > 0) and every <audio> loads its media (metadata, a duration);
no request fails; every local link points at a file; a screenshot is a real PNG.

It is also fit to publish: no absolute path of the machine that built it in its text or any
attribute; no text clipped by the page (an element that hides its overflow holds all its text);
and every matplotlib figure the demo saves (recorded by `record_figures` inside the demo's
process) draws all its text inside the picture, in fonts of at least `MIN_FONT_PX` CSS pixels at
the size the page shows the picture.

Chromium comes from Debian (`make debs`). The browser is driven over the DevTools protocol
through `--remote-debugging-pipe` (JSON messages on file descriptors 3 and 4), so the test
needs no Python package beyond the standard library.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

HERE = Path(__file__).resolve().parent
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars"]
VIEWPORT = "--window-size=1280,1024"  # a desktop window: the page's 1100-pixel column fits
MIN_FONT_PX = 9.0
ABSOLUTE = re.compile(r"(?<![\w.])/(?:work|home|root|tmp|Users|mnt|srv|opt|var)/|file:/")

# Runs the demo in a Python that records every figure it saves (argv: report file, then regen's arguments).
RUN_DEMO = f"""
import sys
sys.path.insert(0, {str(HERE)!r})
from test_demo_browser import record_figures
record_figures(sys.argv.pop(1))
from regen.cli.main import main
main()
"""

# Runs in the page: wait for every image and audio element, then report each one's state.
CHECK_MEDIA = """
(async () => {
  const settle = (el, ok, events) => new Promise(resolve => {
    if (ok()) return resolve();
    const done = () => resolve();
    for (const e of events) el.addEventListener(e, done, {once: true});
    setTimeout(done, 15000);
  });
  const images = [...document.images];
  await Promise.all(images.map(img => settle(img, () => img.complete, ['load', 'error'])));
  const audios = [...document.querySelectorAll('audio')];
  await Promise.all(audios.map(a => {
    const p = settle(a, () => a.readyState >= 1 || a.error, ['loadedmetadata', 'error']);
    if (a.readyState < 1 && !a.error) { a.preload = 'auto'; a.load(); }
    return p;
  }));
  return {
    images: images.map(img => ({src: img.getAttribute('src'), width: img.naturalWidth, height: img.naturalHeight})),
    audios: audios.map(a => ({src: a.currentSrc || a.getAttribute('src'), ready: a.readyState,
                              duration: a.duration, error: a.error ? a.error.code : null})),
  };
})()
"""

# Runs in the page: the text of the page with every attribute, the width each image is shown at, and
# the elements that hide part of their content (overflow hidden or clip, or an ellipsis).
CHECK_LAYOUT = """
(() => {
  const hides = v => v === 'hidden' || v === 'clip';
  const clipped = [];
  for (const el of document.querySelectorAll('body *')) {
    const s = getComputedStyle(el);
    if (!el.textContent.trim()) continue;
    const wide = (hides(s.overflowX) || s.textOverflow === 'ellipsis') && el.scrollWidth > el.clientWidth + 1;
    const tall = hides(s.overflowY) && el.scrollHeight > el.clientHeight + 1;
    if (wide || tall) clipped.push(`${el.tagName}: ${el.textContent.trim().slice(0, 80)}`);
  }
  const attributes = [...document.querySelectorAll('*')].flatMap(el => [...el.attributes].map(a => a.value));
  return {text: document.body.innerText, attributes, clipped,
          shown: [...document.images].map(img => ({src: img.getAttribute('src'),
                                                   width: img.getBoundingClientRect().width}))};
})()
"""


def _pixels(box: Any) -> tuple[int, ...]:
    """A matplotlib Bbox as whole pixels (x0, y0, x1, y1)."""
    return tuple(round(float(v)) for v in box.extents)


def figure_text(fig: Any, tight: bool = False) -> tuple[list[str], float]:
    """Draw the matplotlib `fig` and return the texts it draws outside the picture (the figure, or with
    `tight` the box `bbox_inches="tight"` saves) or outside their own clip box, and the smallest font (pt)."""
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    drawn: list[tuple[Any, Any]] = []
    original = Text.draw

    def draw(self: Any, renderer: Any) -> None:
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self, self.get_window_extent(renderer)))

    Text.draw = draw
    try:
        fig.canvas.draw()
    finally:
        Text.draw = original
    renderer = fig.canvas.get_renderer()
    page = fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans) if tight else fig.bbox
    outside = []
    for text, extent in drawn:
        room = page
        if text.get_clip_on() and text.get_clip_box() is not None:
            room = Bbox.intersection(page, text.get_clip_box()) or Bbox.null()
        if (extent.x0 < room.x0 - 1 or extent.x1 > room.x1 + 1 or extent.y0 < room.y0 - 1
                or extent.y1 > room.y1 + 1):
            outside.append(f"{text.get_text()!r} at {_pixels(extent)} outside {_pixels(room)}")
    return outside, min((t.get_fontsize() for t, _ in drawn), default=float("inf"))


def record_figures(report: str) -> None:
    """From now on every `Figure.savefig` in this process appends a JSON line to `report`: the final
    file (an atomic write's temporary `.NAME.XXXX.png` named as NAME), its text outside the picture,
    its smallest font (pt) and its width (inches)."""
    from matplotlib.figure import Figure

    original = Figure.savefig

    def savefig(self: Any, fname: Any, *args: Any, **kwargs: Any) -> Any:
        outside, smallest = figure_text(self, kwargs.get("bbox_inches") == "tight")
        result = original(self, fname, *args, **kwargs)
        path = Path(os.fspath(fname))
        name = re.sub(r"^\.(.+)\.[^.]+\.png$", r"\1", path.name)
        with open(report, "a", encoding="utf-8") as log:
            log.write(json.dumps({"file": str((path.parent / name).resolve()), "outside": outside,
                                  "min_pt": smallest, "width_in": float(self.get_figwidth())}) + "\n")
        return result

    Figure.savefig = savefig


def _chromium() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise AssertionError("headless Chromium is not installed; run `make debs` (it installs the Debian package "
                         "`chromium`) and rerun this test")


class Browser:
    """A headless Chromium driven over the DevTools protocol on a pipe (fd 3: commands in, fd 4: replies out)."""

    def __init__(self, binary: str, profile: Path) -> None:
        profile.mkdir(parents=True, exist_ok=True)
        self._log = profile.with_suffix(".log")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire_fds() -> None:  # in the child: put the pipe ends on fds 3 and 4, where Chromium expects them
            a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        with self._log.open("wb") as log:
            self.proc = subprocess.Popen([binary, *FLAGS, VIEWPORT, f"--user-data-dir={profile}",
                                          "--remote-debugging-pipe", "about:blank"], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=log, preexec_fn=wire_fds, close_fds=False)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise AssertionError("Chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise AssertionError(f"Chromium closed the pipe: {self._log.read_text(errors='replace')[-2000:]}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                assert "error" not in reply, f"{method} failed: {reply['error']}"
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float = 60) -> dict:
        for event in self.events:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = self._read_message(deadline)
            self.events.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return event

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except (AssertionError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.refs.append(value)


def _local_refs(page: Path) -> list[Path]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    out = []
    for ref in parser.refs:
        url = urlparse(ref)
        if url.scheme in ("", "file") and not ref.startswith("#"):
            out.append((page.parent / unquote(url.path)).resolve())
    return out


def _machine_paths(texts: list[str], roots: list[Path]) -> list[str]:
    """The absolute paths (ABSOLUTE, or under one of `roots`) found in `texts`, with some context."""
    patterns = [ABSOLUTE, *(re.compile(re.escape(str(r))) for r in roots)]
    return [text[max(0, m.start() - 40): m.end() + 40] for text in texts for p in patterns for m in p.finditer(text)]


def _figure_problems(report: Path, out: Path, shown: list[dict]) -> list[str]:
    """Recorded figures with text outside the picture, and pictures on the page whose smallest font shows
    under MIN_FONT_PX CSS pixels (or that no recorded figure drew)."""
    figures = {}
    for line in report.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        figures[record["file"]] = record
    problems = [f"{os.path.relpath(f, out)}: {r['outside']}" for f, r in figures.items() if r["outside"]]
    for image in shown:
        record = figures.get(str((out / unquote(image["src"])).resolve()))
        if record is None:
            problems.append(f"{image['src']}: shown on the page but saved by no recorded figure")
            continue
        px = record["min_pt"] / 72 * image["width"] / record["width_in"]
        if px < MIN_FONT_PX:
            problems.append(f"{image['src']}: smallest text {record['min_pt']:g} pt shows as {px:.1f} px at "
                            f"{image['width']:.0f} px wide")
    return problems


def test_machine_paths_leave_the_page() -> None:
    from regen.cli.demo import machine_roots, without_machine_paths

    out = Path.cwd() / "out"
    page = (f'<img src="{out}/speech/a.png" alt="{Path.home()}/x/a.png"> corpus <code>{Path.cwd()}/data/corpus-slt'
            "</code>")
    public = without_machine_paths(page, out)
    assert public == '<img src="speech/a.png" alt="a.png"> corpus <code>corpus-slt</code>'
    assert not _machine_paths([public], [Path.cwd(), Path.home()])
    shortest = machine_roots(out)[-1]  # the root no other root holds (e.g. /tmp, wherever the test runs)
    sibling = f"{shortest}x/y"  # a folder whose name only starts like a machine folder's is not in it
    assert without_machine_paths(sibling, out) == sibling


def test_figure_records_find_clipped_and_small_text(tmp_path: Path, monkeypatch: Any) -> None:
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.figure import Figure

    from regen.speech.features.figures import save_alignment_png

    monkeypatch.setattr(Figure, "savefig", Figure.savefig)  # restored after the test
    report = tmp_path / "figures.jsonl"
    record_figures(str(report))
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_title("a title far too long for a three-inch figure to hold on one line")
    fig.savefig(tmp_path / "clipped.png")
    plt.close(fig)
    save_alignment_png(tmp_path / "alignment.png", np.eye(400, 90),
                       "R-MelNet (4 candidates x 4 noisy copies, reranked) + Griffin-Lim: attention")
    clipped, alignment = (json.loads(line) for line in report.read_text().splitlines())
    assert any("far too long" in text for text in clipped["outside"])
    assert alignment["file"] == str((tmp_path / "alignment.png").resolve()) and not alignment["outside"]
    page = [{"src": "alignment.png", "width": 480.0}]
    assert not _figure_problems(report, tmp_path.resolve(), page)[1:]
    assert "shows as" in _figure_problems(report, tmp_path.resolve(), [{"src": "alignment.png", "width": 200.0}])[1]


def test_demo_page_in_headless_chromium(tmp_path: Path) -> None:
    binary = _chromium()
    out = tmp_path / "out"
    report = tmp_path / "figures.jsonl"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", RUN_DEMO, str(report), "demo", "--out", str(out)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    page = out / "index.html"
    assert page.is_file()

    missing = [str(p) for p in _local_refs(page) if not p.is_file()]
    assert not missing, f"index.html links to files that do not exist: {missing}"
    roots = [out.resolve(), tmp_path.resolve(), Path.cwd().resolve(), HERE.parents[1], Path(sys.prefix).resolve()]
    leaked = _machine_paths([page.read_text(encoding="utf-8")], roots)
    assert not leaked, f"index.html shows absolute paths of this machine: {leaked}"

    browser = Browser(binary, tmp_path / "profile")
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Page.navigate", {"url": page.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired", session)
        result = browser.send("Runtime.evaluate", {"expression": CHECK_MEDIA, "awaitPromise": True,
                                                   "returnByValue": True}, session=session, timeout=120)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        media = result["result"]["value"]
        result = browser.send("Runtime.evaluate", {"expression": CHECK_LAYOUT, "returnByValue": True},
                              session=session, timeout=60)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        layout = result["result"]["value"]
        # A media element cancels its own request once it has what it needs (canceled: true); not a failure.
        failed = [e["params"] for e in browser.events if e.get("method") == "Network.loadingFailed"
                  and e.get("sessionId") == session and not e["params"].get("canceled")]
    finally:
        browser.close()

    assert not failed, f"requests failed in the browser: {failed}"
    assert media["images"], "the demo page shows no image"
    broken = [img for img in media["images"] if img["width"] <= 0 or img["height"] <= 0]
    assert not broken, f"images that do not decode in the browser: {broken}"
    assert media["audios"], "the demo page has no audio player"
    silent = [a for a in media["audios"]
              if a["error"] is not None or a["ready"] < 1 or not (a["duration"] or 0) > 0]
    assert not silent, f"audio elements that do not load in the browser: {silent}"
    leaked = _machine_paths([layout["text"], *layout["attributes"]], roots)
    assert not leaked, f"the page shows absolute paths of this machine: {leaked}"
    assert not layout["clipped"], f"elements that cut their text off: {layout['clipped']}"
    problems = _figure_problems(report, out.resolve(), [i for i in layout["shown"] if i["src"].endswith(".png")])
    assert not problems, "figures with clipped or unreadable text:\n" + "\n".join(problems)

    shot = out / "screenshot.png"
    done = subprocess.run([binary, *FLAGS, f"--user-data-dir={tmp_path / 'profile-shot'}", "--window-size=1280,2400",
                           "--run-all-compositor-stages-before-draw", "--virtual-time-budget=10000",
                           f"--screenshot={shot}", page.as_uri()],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert shot.is_file(), f"chromium wrote no screenshot: {done.stderr[-2000:]}"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is not a PNG"
    assert shot.stat().st_size > 10_000, f"the screenshot is only {shot.stat().st_size} bytes"
