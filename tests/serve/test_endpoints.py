"""Music, text and image endpoints of a real server answer with real files: MIDI, MusicXML that
music21 reads back into four named parts, a PNG, a WAV; sentences; digit images."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import httpx
import soundfile as sf

from tests.serve.conftest import Server, melody_midi

PNG = b"\x89PNG\r\n\x1a\n"


def _check_score(item: dict, parts: int) -> None:
    from music21 import converter

    assert base64.b64decode(item["midi"])[:4] == b"MThd"
    assert base64.b64decode(item["png"])[:8] == PNG
    wave, rate = sf.read(io.BytesIO(base64.b64decode(item["wav"])))
    assert len(wave) / rate > 2 and abs(wave).max() > 0.1
    score = converter.parseData(base64.b64decode(item["musicxml"]).decode("utf-8"), format="musicxml")
    assert len(score.parts) == parts and all(len(p.flatten().notes) > 0 for p in score.parts)


def test_harmonize_keeps_the_uploaded_melody(server: Server, tmp_path: Path) -> None:
    from music21 import converter

    midi = melody_midi(tmp_path / "melody.mid")
    with midi.open("rb") as f:
        answer = httpx.post(f"{server.url}/v1/music/harmonize", files={"file": ("tune.mid", f, "audio/midi")},
                            data={"grade": "true"}, timeout=120)
    assert answer.status_code == 200, answer.text
    item = answer.json()["data"][0]
    _check_score(item, 4)
    assert 0 < item["grade"] < 1000
    given = [n.pitch.midi for n in converter.parse(str(midi)).flatten().notes]
    soprano = converter.parseData(base64.b64decode(item["musicxml"]).decode(), format="musicxml").parts[0]
    kept = [n.pitch.midi for n in soprano.flatten().notes]
    assert [p for k, p in enumerate(given) if k == 0 or p != given[k - 1]] == \
        [p for k, p in enumerate(kept) if k == 0 or p != kept[k - 1]]


def test_chorale_as_png_and_json(server: Server) -> None:
    png = httpx.post(f"{server.url}/v1/music/chorales", json={"response_format": "png", "steps": 16}, timeout=120)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:8] == PNG
    many = httpx.post(f"{server.url}/v1/music/chorales", json={"n": 2, "steps": 16, "seed": 3}, timeout=120)
    assert many.status_code == 200 and len(many.json()["data"]) == 2
    _check_score(many.json()["data"][1], 4)


def test_melody_for_lyrics(server: Server) -> None:
    answer = httpx.post(f"{server.url}/v1/music/melody", json={"lyrics": "Amazing grace, how sweet the sound",
                                                                "key": "G", "meter": "3/4"}, timeout=120)
    assert answer.status_code == 200, answer.text
    item = answer.json()["data"][0]
    assert item["key"] == "G major" and item["meter"] == "3/4" and item["syllables"] == 8
    _check_score(item, 1)


def test_text_endpoints(server: Server) -> None:
    filled = httpx.post(f"{server.url}/v1/text/sentences", json={"template": "And God said ___ ___ light", "n": 3},
                        timeout=120).json()
    assert len(filled["data"]) == 3
    assert all(d["text"].startswith("And God said") and "light" in d["text"] for d in filled["data"])
    free = httpx.post(f"{server.url}/v1/text/sentences", json={"n": 2, "steps": 8}, timeout=120).json()
    assert len(free["data"]) == 2 and all(d["text"].strip() for d in free["data"])
    written = httpx.post(f"{server.url}/v1/text/from-keywords", json={"keywords": "light darkness", "n": 2},
                         timeout=120).json()
    assert all("light" in d["text"].lower() and d["template"] for d in written["data"])


def test_digits(server: Server) -> None:
    png = httpx.post(f"{server.url}/v1/images/digits", json={"digit": 7, "n": 4}, timeout=60)
    assert png.status_code == 200 and png.content[:8] == PNG
    data = httpx.post(f"{server.url}/v1/images/digits", json={"digit": 7, "n": 3, "response_format": "json",
                                                               "model": "image/digits-direct-tiny"}, timeout=60).json()
    assert data["model"] == "image/digits-direct-tiny" and len(data["images"]) == 3
    assert len(data["images"][0]) == 8 and max(max(row) for row in data["images"][0]) <= data["levels"] - 1


def test_page_and_docs_are_served(server: Server) -> None:
    page = httpx.get(f"{server.url}/")
    assert page.status_code == 200 and "window.REGEN = {" in page.text and "speech/duration-tiny" in page.text
    assert httpx.get(f"{server.url}/page/app.js").status_code == 200
    assert "/v1/audio/speech" in httpx.get(f"{server.url}/openapi.json").json()["paths"]
    docs = httpx.get(f"{server.url}/docs").text
    assert "/docs-assets/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()  # works offline
    assert httpx.get(f"{server.url}/docs-assets/swagger-ui-bundle.js").status_code == 200
