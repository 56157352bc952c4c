"""The demo page works in a real browser: headless Chromium loads out/index.html and every
<img> decodes (naturalWidth > 0) and every <audio> loads its media (metadata, a duration);
no request fails; every local link points at a file; a screenshot is a real PNG.

Chromium comes from Debian (`make debs`). The browser is driven over the DevTools protocol
through `--remote-debugging-pipe` (JSON messages on file descriptors 3 and 4), so the test
needs no Python package beyond the standard library.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

REGEN = Path(sys.executable).with_name("regen")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars"]

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
            self.proc = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
                                          "about:blank"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=log, preexec_fn=wire_fds, close_fds=False)
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


def test_demo_page_in_headless_chromium(tmp_path: Path) -> None:
    binary = _chromium()
    out = tmp_path / "out"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(REGEN), "demo", "--out", str(out)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    page = out / "index.html"
    assert page.is_file()

    missing = [str(p) for p in _local_refs(page) if not p.is_file()]
    assert not missing, f"index.html links to files that do not exist: {missing}"

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

    shot = out / "screenshot.png"
    done = subprocess.run([binary, *FLAGS, f"--user-data-dir={tmp_path / 'profile-shot'}", "--window-size=1280,2400",
                           "--run-all-compositor-stages-before-draw", "--virtual-time-budget=10000",
                           f"--screenshot={shot}", page.as_uri()],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert shot.is_file(), f"chromium wrote no screenshot: {done.stderr[-2000:]}"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is not a PNG"
    assert shot.stat().st_size > 10_000, f"the screenshot is only {shot.stat().st_size} bytes"
