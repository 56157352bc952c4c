"""A walk over every endpoint with bad input: each answer is a 4xx JSON error with one readable line,
no traceback and no path of the server; uploads leave nothing behind; the server keeps serving."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import httpx
import pytest
import soundfile as sf

from tests.serve.conftest import Server, tone

JSON_ENDPOINTS = ["/v1/audio/speech", "/v1/music/chorales", "/v1/music/melody", "/v1/text/sentences",
                  "/v1/text/from-keywords", "/v1/images/digits"]
UPLOAD_ENDPOINTS = ["/v1/audio/transcriptions", "/v1/music/harmonize"]


def _wav(seconds: float) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, tone(seconds), 16000, format="WAV")
    return buffer.getvalue()


BAD = [
    # (what, method, path, request kwargs, status, words the message must hold)
    ("wrong content type", "POST", "/v1/audio/speech", {"content": b"input=hi", "headers": {"content-type": "text/plain"}}, 400, "JSON"),
    ("empty body", "POST", "/v1/text/sentences", {"content": b"", "headers": {"content-type": "application/json"}}, 400, "JSON"),
    ("not JSON", "POST", "/v1/images/digits", {"content": b"{digit: 3", "headers": {"content-type": "application/json"}}, 400, "JSON"),
    ("missing field", "POST", "/v1/audio/speech", {"json": {"model": "tts-1"}}, 400, "'input' is required"),
    ("unknown field", "POST", "/v1/music/chorales", {"json": {"bars": 9}}, 400, "unknown field 'bars'"),
    ("empty text", "POST", "/v1/audio/speech", {"json": {"input": "   "}}, 400, "empty"),
    ("text too long", "POST", "/v1/audio/speech", {"json": {"input": "word " * 400}}, 400, "at most 1000"),
    ("unknown model", "POST", "/v1/audio/speech", {"json": {"input": "Hi.", "model": "tts-9"}}, 400, "unknown model 'tts-9'"),
    ("model of another kind", "POST", "/v1/images/digits", {"json": {"digit": 1, "model": "tts-1"}}, 400, "unknown model"),
    ("unknown voice", "POST", "/v1/audio/speech", {"json": {"input": "Hi.", "voice": "../../etc"}}, 400, "unknown voice"),
    ("speed out of range", "POST", "/v1/audio/speech", {"json": {"input": "Hi.", "speed": 9}}, 400, "'speed'"),
    ("speed on a one-voice model", "POST", "/v1/audio/speech", {"json": {"input": "Hi.", "model": "tts-1-hd", "speed": 1.5}}, 400, "no speed"),
    ("aac", "POST", "/v1/audio/speech", {"json": {"input": "Hi.", "response_format": "aac"}}, 400, "AAC"),
    ("unspeakable", "POST", "/v1/audio/speech", {"json": {"input": "!!! ???"}}, 400, "nothing speakable"),
    ("too many", "POST", "/v1/music/chorales", {"json": {"n": 50}}, 400, "'n'"),
    ("too many steps", "POST", "/v1/text/sentences", {"json": {"steps": 100000}}, 400, "'steps'"),
    ("one file, several scores", "POST", "/v1/music/chorales", {"json": {"n": 2, "response_format": "midi"}}, 400, "n=1"),
    ("digit 10", "POST", "/v1/images/digits", {"json": {"digit": 10}}, 400, "'digit'"),
    ("bad key", "POST", "/v1/music/melody", {"json": {"lyrics": "la la", "key": "H#"}}, 400, "key"),
    ("bad meter", "POST", "/v1/music/melody", {"json": {"lyrics": "la la", "meter": "7/3"}}, 400, "meter"),
    ("unknown keyword", "POST", "/v1/text/from-keywords", {"json": {"keywords": "qwxzv"}}, 400, "vocabulary"),
    ("template without slot", "POST", "/v1/text/sentences", {"json": {"template": "And God said"}}, 400, "slot"),
    ("no file", "POST", "/v1/audio/transcriptions", {"data": {"model": "whisper-1"}}, 400, "'file' is required"),
    ("empty file", "POST", "/v1/audio/transcriptions", {"files": {"file": ("a.wav", b"")}}, 400, "empty"),
    ("text as audio", "POST", "/v1/audio/transcriptions", {"files": {"file": ("a.wav", b"hello, I am not audio" * 20)}}, 400, "the uploaded file"),
    ("image as audio", "POST", "/v1/audio/transcriptions", {"files": {"file": ("x.mp3", b"\x89PNG\r\n\x1a\n" + bytes(500))}}, 400, "cannot read audio"),
    ("too short", "POST", "/v1/audio/transcriptions", {"files": {"file": ("s.wav", _wav(0.05))}}, 400, None),
    ("bad format", "POST", "/v1/audio/transcriptions", {"files": {"file": ("s.wav", _wav(1.0))}, "data": {"response_format": "docx"}}, 400, "response_format"),
    ("other language", "POST", "/v1/audio/transcriptions", {"files": {"file": ("s.wav", _wav(1.0))}, "data": {"language": "fr"}}, 400, "English"),
    ("corrupt MIDI", "POST", "/v1/music/harmonize", {"files": {"file": ("t.mid", b"MThd\x00\x00\x00\x06garbage")}}, 400, "cannot read"),
    ("not a score", "POST", "/v1/music/harmonize", {"files": {"file": ("t.pdf", b"%PDF-1.4 not music")}}, 400, "neither MIDI nor MusicXML"),
    ("path-like filename", "POST", "/v1/music/harmonize", {"files": {"file": ("../../../etc/passwd.mid", b"MThd\x00\x00")}}, 400, "cannot read"),
    ("broken MusicXML", "POST", "/v1/music/harmonize", {"files": {"file": ("t.musicxml", b"<score-partwise><part")}}, 400, "cannot read"),
    ("huge body", "POST", "/v1/audio/transcriptions", {"files": {"file": ("big.wav", bytes(11 * 2 ** 20))}}, 413, "larger than 10 MiB"),
    ("unknown endpoint", "GET", "/v1/audio/voices/x", {}, 404, "no endpoint"),
    ("wrong method", "GET", "/v1/audio/speech", {}, 405, "does not take GET"),
]


@pytest.mark.parametrize("what, method, path, kwargs, status, words", BAD, ids=[b[0] for b in BAD])
def test_bad_input_gets_one_clear_json_line(server: Server, what: str, method: str, path: str, kwargs: dict,
                                            status: int, words: str | None) -> None:
    answer = httpx.request(method, f"{server.url}{path}", timeout=60, **kwargs)
    assert answer.status_code == status, answer.text
    message = answer.json()["error"]["message"]
    assert "\n" not in message and "Traceback" not in message and len(message) < 500
    assert tempfile.gettempdir() not in message and "/work" not in message and "/root" not in message
    assert "regen-serve-" not in message
    if words:
        assert words in message


def test_uploads_leave_nothing_behind_and_the_server_keeps_serving(server: Server) -> None:
    before = {p.name for p in Path(tempfile.gettempdir()).glob("regen-serve-*")}
    for _ in range(3):
        httpx.post(f"{server.url}/v1/audio/transcriptions", files={"file": ("x.wav", b"RIFF junk" * 30)}, timeout=60)
        httpx.post(f"{server.url}/v1/music/harmonize", files={"file": ("x.mid", b"MThd junk")}, timeout=60)
    assert {p.name for p in Path(tempfile.gettempdir()).glob("regen-serve-*")} == before
    assert httpx.get(f"{server.url}/health").json()["status"] == "ok"
    assert httpx.post(f"{server.url}/v1/images/digits", json={"digit": 2, "n": 2}).status_code == 200
