"""A bounded load on the real server: 200 mixed requests, 8 at a time, each answer checked, and the
server's memory flat across them."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import httpx
import soundfile as sf

from tests.serve.conftest import Server, speech_wav

PNG = b"\x89PNG\r\n\x1a\n"


def _requests(url: str, audio: bytes) -> list[Callable[[httpx.Client], bool]]:
    """One call per kind of request; each returns whether its answer is right."""

    def speech(c: httpx.Client) -> bool:
        r = c.post(f"{url}/v1/audio/speech", json={"input": "Yes, at noon.", "voice": "alloy",
                                                    "response_format": "wav"})
        return r.status_code == 200 and len(sf.read(io.BytesIO(r.content))[0]) > 5000

    def transcribe(c: httpx.Client) -> bool:
        r = c.post(f"{url}/v1/audio/transcriptions", files={"file": ("a.wav", audio)}, data={"model": "whisper-1"})
        return r.status_code == 200 and "station" in r.json()["text"]

    def digits(c: httpx.Client) -> bool:
        r = c.post(f"{url}/v1/images/digits", json={"digit": 5, "n": 2})
        return r.status_code == 200 and r.content[:8] == PNG

    def text(c: httpx.Client) -> bool:
        r = c.post(f"{url}/v1/text/sentences", json={"template": "And God said ___ light", "n": 1, "steps": 4})
        return r.status_code == 200 and r.json()["data"][0]["text"].startswith("And God said")

    def listing(c: httpx.Client) -> bool:
        r = c.get(f"{url}/v1/models")
        return r.status_code == 200 and any(m["id"] == "tts-1" for m in r.json()["data"])

    def bad(c: httpx.Client) -> bool:
        r = c.post(f"{url}/v1/audio/speech", json={"input": ""})
        return r.status_code == 400 and "empty" in r.json()["error"]["message"]

    return [speech, transcribe, digits, text, listing, bad, digits, listing]


def test_200_mixed_requests_8_at_a_time(server: Server, tmp_path) -> None:
    audio = speech_wav(server.url, tmp_path / "noon.wav").read_bytes()
    calls = _requests(server.url, audio)
    with httpx.Client(timeout=120) as client, ThreadPoolExecutor(8) as pool:
        warm = list(pool.map(lambda k: calls[k % len(calls)](client), range(40)))
        before = server.rss_mb()
        rest = list(pool.map(lambda k: calls[k % len(calls)](client), range(40, 200)))
        after = server.rss_mb()
    failed = [calls[k % len(calls)].__name__ for k, ok in enumerate(warm + rest) if not ok]
    assert not failed, f"{len(failed)} wrong answers: {failed[:10]}"
    assert after - before < 60, f"server memory grew from {before:.0f} to {after:.0f} MB over 160 requests"
