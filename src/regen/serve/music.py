"""Music endpoints: chorales from noise, a four-part harmonization of an uploaded melody (MIDI or
MusicXML), and a melody for lyrics. Each answers JSON with the score as MusicXML and MIDI, a
piano-roll PNG and a rendered WAV (base64), or one of them alone (`response_format`).
"""

from __future__ import annotations

import base64
import math
import tempfile
from pathlib import Path
from typing import Any, Literal, Optional

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from regen.music.audio import SAMPLE_RATE
from regen.serve.errors import ApiError
from regen.serve.limits import FIGURES, Limits
from regen.serve.models import catalog_of
from regen.serve.uploads import encode_audio, private_file, read_upload, safe_suffix

router = APIRouter(tags=["music"])
SCORE_SUFFIXES = {".mid", ".midi", ".xml", ".musicxml", ".mxl"}
MEDIA = {"musicxml": "application/vnd.recordare.musicxml+xml", "midi": "audio/midi", "png": "image/png",
         "wav": "audio/wav"}
Format = Literal["json", "musicxml", "midi", "png", "wav"]


class ChoraleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: Optional[str] = Field(None, description="music/sunmask-conv-tiny (default)")
    n: int = Field(1, ge=1, description="Chorales to draw (JSON answers only when > 1)")
    steps: Optional[int] = Field(None, ge=1, description="Sampling steps (default: the checkpoint's)")
    temperature: Optional[float] = Field(None, gt=0)
    seed: int = Field(0, ge=0, le=2 ** 31 - 1)
    grade: bool = Field(False, description="Also grade each chorale (published Bach-or-Mock grade; slower)")
    response_format: Format = "json"


class MelodyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: Optional[str] = Field(None, description="music/melody-tiny (default)")
    lyrics: str = Field(..., description="The words to set, one line per phrase")
    key: str = Field("C", description="A tonic with an optional m for minor: G, F#m, Bb")
    meter: str = Field("4/4", description="3/4, 4/4, 6/8, ...")
    language: str = Field("en", pattern=r"^[a-z]{2,3}$")
    temperature: Optional[float] = Field(None, gt=0)
    seed: int = Field(0, ge=0, le=2 ** 31 - 1)
    response_format: Format = "json"


def _check_sampling(limits: Limits, n: int, steps: Optional[int], temperature: Optional[float],
                    fmt: str) -> None:
    if n > limits.max_n:
        raise ApiError(400, f"'n' is {n}; at most {limits.max_n} per request", "n")
    if n > 1 and fmt != "json":
        raise ApiError(400, f"response_format '{fmt}' holds one score; ask for n=1 or for json", "response_format")
    if steps is not None and steps > limits.max_steps:
        raise ApiError(400, f"'steps' is {steps}; at most {limits.max_steps} per request", "steps")
    if temperature is not None and not math.isfinite(temperature):
        raise ApiError(400, "'temperature' must be a finite positive number", "temperature")


def _files(paths: dict[str, Path], wave: Any) -> dict[str, bytes]:
    """Every output as bytes: the written files and the rendered audio."""
    files = {kind: Path(p).read_bytes() for kind, p in paths.items()}
    files["wav"] = encode_audio(wave, SAMPLE_RATE, "wav")
    return files


def _answer(items: list[dict[str, Any]], fmt: str, served: str) -> Response:
    """One item's file (`fmt`), or JSON of every item with its files in base64."""
    headers = {"x-regen-model": served}
    if fmt != "json":
        return Response(items[0]["files"][fmt], media_type=MEDIA[fmt], headers=headers)
    data = [{**{k: v for k, v in item.items() if k != "files"},
             **{kind: base64.b64encode(blob).decode("ascii") for kind, blob in item["files"].items()}}
            for item in items]
    return JSONResponse({"object": "list", "model": served, "data": data}, headers=headers)


def _chorale_item(result: Any, title: str, grade: bool, given: Any = None) -> dict[str, Any]:
    from regen.music.audio import render_grid
    from regen.music.grading import grade_grid
    from regen.music.grid import STEPS_PER_BAR
    from regen.music.tasks import write_outputs

    with tempfile.TemporaryDirectory(prefix="regen-serve-") as folder:
        with FIGURES:
            paths = write_outputs(result, folder, "chorale", title, given)
        files = _files(paths, render_grid(result.grid))
    item: dict[str, Any] = {"bars": result.grid.shape[1] / STEPS_PER_BAR, "files": files}
    if grade:
        item["grade"] = result.grade if result.grade is not None else grade_grid(result.grid)["grade"]
    return item


@router.post("/v1/music/chorales", response_class=Response)
async def chorales(body: ChoraleRequest, request: Request) -> Response:
    """Four-part chorales (8 bars) drawn from noise by the chorale denoiser."""
    from regen.music.tasks import sampler_with, unconditional

    _check_sampling(request.app.state.limits, body.n, body.steps, body.temperature, body.response_format)
    served = catalog_of(request).get(body.model, "chorale")
    sampler = sampler_with(served.cfg.sample, body.steps, body.temperature, 1)

    def work() -> list[dict[str, Any]]:
        results = unconditional(served.model, sampler, body.n, body.seed)
        return [_chorale_item(r, f"chorale {k + 1} (seed {body.seed})", body.grade) for k, r in enumerate(results)]

    return _answer(await served.slot.run(work), body.response_format, served.name)


@router.post("/v1/music/harmonize", response_class=Response)
async def harmonize(request: Request,
                    file: UploadFile = File(..., description="A melody (its top part) as MIDI or MusicXML"),
                    model: Optional[str] = Form(None), steps: Optional[int] = Form(None, ge=1),
                    temperature: Optional[float] = Form(None, gt=0), seed: int = Form(0, ge=0),
                    grade: bool = Form(False), response_format: Format = Form("json")) -> Response:
    """Alto, tenor and bass under the uploaded melody (its top part), which is kept as written, with its
    meter, pickup, key and fermatas."""
    from regen.music.arrangement import Arrangement
    from regen.music.grid import STEPS_PER_BAR
    from regen.music.scores import parse_score, score_to_grid
    from regen.music.tasks import harmonize as run, sampler_with

    limits = request.app.state.limits
    _check_sampling(limits, 1, steps, temperature, response_format)
    served = catalog_of(request).get(model, "chorale")
    data = await read_upload(file, limits.max_upload_bytes, "score")
    suffix = safe_suffix(file.filename, SCORE_SUFFIXES)
    if not suffix:
        suffix = ".mid" if data[:4] == b"MThd" else ".musicxml" if data.lstrip()[:1] == b"<" else ""
    if not suffix:
        raise ApiError(400, "the upload is neither MIDI nor MusicXML; send a .mid, .musicxml, .xml or .mxl file",
                       "file")
    sampler = sampler_with(served.cfg.sample, steps, temperature, 1)

    def work() -> tuple[dict[str, Any], list[str]]:
        from regen.music.scores import ScoreError

        with private_file(data, suffix) as path:
            try:
                parsed = parse_score(path)
                read = score_to_grid(parsed, str(path), parts_needed=(1, 4))
            except ScoreError as exc:
                raise ApiError(400, str(exc).replace(str(path), "the uploaded score"), "file") from None
        bars = read.grid.shape[1] / STEPS_PER_BAR
        if bars > limits.max_bars:
            raise ApiError(400, f"the melody lasts {bars:.0f} bars; at most {limits.max_bars} per request", "file")
        result = run(served.model, read.grid, sampler, seed)
        item = _chorale_item(result, "harmonization", grade, Arrangement(parsed, (0, None, None, None)))
        return item, [w.replace(str(path), "the score") for w in read.warnings]

    item, warnings = await served.slot.run(work)
    item["warnings"] = warnings
    return _answer([item], response_format, served.name)


@router.post("/v1/music/melody", response_class=Response)
async def melody(body: MelodyRequest, request: Request) -> Response:
    """A melody for `lyrics`, each syllable under its note (lyrics -> template -> melody)."""
    from regen.music.audio import render_melody
    from regen.music.melody.compose import compose, key_name, parse_key, parse_meter
    from regen.music.melody.output import lyric_line, write_melody
    from regen.music.melody.segments import TICKS
    from regen.music.melody.syllables import lyric_syllables

    limits = request.app.state.limits
    if not body.lyrics.strip():
        raise ApiError(400, "'lyrics' is empty; give some words, e.g. \"Amazing grace, how sweet the sound\"",
                       "lyrics")
    if len(body.lyrics) > limits.max_text_chars:
        raise ApiError(400, f"'lyrics' has {len(body.lyrics)} characters; at most {limits.max_text_chars}", "lyrics")
    _check_sampling(limits, 1, None, body.temperature, body.response_format)
    tonic, mode = parse_key(body.key)
    meter = parse_meter(body.meter)
    syllables = lyric_syllables(body.lyrics, body.language)
    served = catalog_of(request).get(body.model, "melody")
    temperature = body.temperature or served.cfg.sample.temperature

    def work() -> dict[str, Any]:
        sung = compose(served.model, syllables, tonic, mode, meter, 1, body.seed, temperature,
                       served.cfg.sample.top_k)[0]
        title = lyric_line(syllables)[:80]
        with tempfile.TemporaryDirectory(prefix="regen-serve-") as folder:
            with FIGURES:
                written = write_melody(sung, Path(folder), "melody", title)
            onsets = [t / TICKS for t in sung.onsets()]
            wave = render_melody(onsets, [d / TICKS for d in sung.durations], sung.pitches)
            paths = {"musicxml": written[0], "midi": written[1], "png": written[2]}
            files = _files(paths, wave)
        return {"syllables": len(syllables), "key": key_name(tonic, mode), "meter": meter, "files": files}

    return _answer([await served.slot.run(work)], body.response_format, served.name)
