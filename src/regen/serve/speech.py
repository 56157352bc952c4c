"""OpenAI's audio API over the shipped speech models: `POST /v1/audio/speech` (text -> speech, through
the duration model's voices or RepMix / R-MelNet), `POST /v1/audio/transcriptions` (speech -> text,
as json, text, srt, vtt or verbose_json with timed segments) and `GET /v1/audio/voices`.
"""

from __future__ import annotations

from typing import Literal, Optional

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from regen.core.errors import RegenError
from regen.serve.errors import ApiError
from regen.serve.models import DEFAULT_TTS, OPENAI_VOICES, catalog_of, tts_voice
from regen.serve.uploads import AUDIO_MEDIA, encode_audio, private_file, read_upload, safe_suffix

router = APIRouter(tags=["audio (OpenAI-compatible)"])
AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus"}
TRANSCRIPT_FORMATS = ("json", "text", "srt", "vtt", "verbose_json")


class SpeechRequest(BaseModel):
    """OpenAI's speech request; `pitch_shift` and `seed` are regen's own."""

    model_config = ConfigDict(extra="forbid")
    model: str = Field(DEFAULT_TTS, description="tts-1 / gpt-4o-mini-tts (the duration model, four voices), "
                       "tts-1-hd (RepMix, one voice), or a shipped name such as speech/rmelnet-tiny")
    input: str = Field(..., description="The text to speak")
    voice: Optional[str] = Field(None, description="An OpenAI voice name (alloy, echo, ...) or the model's own "
                                 "(festival:kal or kal; GET /v1/audio/voices)")
    response_format: Literal["mp3", "opus", "aac", "flac", "wav", "pcm"] = "mp3"
    speed: float = Field(1.0, ge=0.25, le=4.0, description="Speaking rate, 1 = the model's own pace")
    instructions: Optional[str] = Field(None, description="Accepted for OpenAI clients and not used")
    stream_format: Optional[Literal["audio", "sse"]] = None
    pitch_shift: float = Field(0.0, ge=-12, le=12, description="Semitones (the duration model only)")
    seed: int = Field(0, ge=0, le=2 ** 31 - 1)


@router.post("/v1/audio/speech", response_class=Response,
             responses={200: {"content": {m: {} for m in AUDIO_MEDIA.values()}, "description": "The audio"}})
async def speech(body: SpeechRequest, request: Request) -> Response:
    """Text to speech: the audio of `input` in `response_format` (whole file)."""
    limits = request.app.state.limits
    text = body.input.strip()
    if not text:
        raise ApiError(400, "'input' is empty; give the text to speak", "input")
    if len(body.input) > limits.max_text_chars:
        raise ApiError(400, f"'input' has {len(body.input)} characters; at most {limits.max_text_chars} per "
                            "request (split longer texts)", "input")
    if body.response_format == "aac":
        raise ApiError(400, "this server cannot write AAC; choose mp3, opus, flac, wav or pcm", "response_format")
    if body.stream_format == "sse":
        raise ApiError(400, "stream_format 'sse' is not served; leave it out (the audio comes as one file)",
                       "stream_format")
    served = catalog_of(request).get(body.model, "tts", DEFAULT_TTS)
    voice = tts_voice(served, body.voice)
    if served.voices:
        controls = {"voice": voice, "rate": body.speed, "pitch_shift": body.pitch_shift}
    elif body.speed != 1.0 or body.pitch_shift != 0.0:
        raise ApiError(400, f"{served.name} has no speed or pitch control; use model tts-1 (the duration model) "
                            "or leave speed and pitch_shift at their defaults", "speed")
    else:
        controls = {}

    def work() -> bytes:
        said = served.model.say(text, seed=body.seed, **controls)
        return encode_audio(said.wave, said.sample_rate, body.response_format)

    data = await served.slot.run(work)
    headers = {"x-regen-model": served.name}
    if voice:
        headers["x-regen-voice"] = voice
    return Response(data, media_type=AUDIO_MEDIA[body.response_format], headers=headers)


@router.get("/v1/audio/voices")
async def voices(request: Request) -> dict:
    """Each text-to-speech model's voices, and which of them each OpenAI voice name picks."""
    out = []
    for served in catalog_of(request).models.values():
        if served.kind != "tts":
            continue
        names = served.voices
        openai = {o: (v if v in names else names[0]) for o, v in OPENAI_VOICES.items()} if names else {}
        out.append({"model": served.name, "voices": names or ["(one voice)"], "openai_voices": openai,
                    "speed": bool(names), "pitch_shift": bool(names)})
    return {"object": "list", "data": out}


@router.post("/v1/audio/transcriptions")
async def transcriptions(
    request: Request,
    file: UploadFile = File(..., description="WAV, FLAC, MP3 or OGG; any rate"),
    model: str = Form("whisper-1", description="whisper-1 (any OpenAI name) or speech/asr-tiny"),
    language: Optional[str] = Form(None, description="Only en"),
    prompt: Optional[str] = Form(None, description="Accepted for OpenAI clients and not used"),
    response_format: str = Form("json"),
    temperature: Optional[float] = Form(None, description="Accepted for OpenAI clients and not used"),
    granularities: Optional[list[str]] = Form(None, alias="timestamp_granularities[]"),
) -> Response:
    """Speech to text: the transcript of `file`, cut at its pauses into timed segments (verbose_json, srt
    and vtt carry their times; verbose_json with `word` granularity also each word's start and end)."""
    limits = request.app.state.limits
    if response_format not in TRANSCRIPT_FORMATS:
        raise ApiError(400, f"unknown response_format '{response_format}'; choose one of "
                            f"{', '.join(TRANSCRIPT_FORMATS)}", "response_format")
    if language is not None and language.lower() not in ("en", "eng", "english"):
        raise ApiError(400, f"language '{language}' is not recognised here; the recogniser knows English (en)",
                       "language")
    unknown = [g for g in granularities or [] if g not in ("segment", "word")]
    if unknown:
        raise ApiError(400, f"unknown timestamp granularity '{unknown[0]}'; choose segment or word",
                       "timestamp_granularities")
    served = catalog_of(request).get(model, "asr")
    data = await read_upload(file, limits.max_upload_bytes, "audio file")
    suffix = safe_suffix(file.filename, AUDIO_SUFFIXES)

    def work() -> tuple[list, float]:
        from regen.speech.asr.files import timed_transcript
        from regen.speech.asr.transcriber import MIN_SECONDS
        from regen.speech.data.audio import read_recording

        transcriber = served.model
        with private_file(data, suffix) as path:
            try:
                wave, _ = read_recording(path, transcriber.rate)
            except RegenError as exc:
                raise ApiError(400, str(exc).replace(str(path), "the uploaded file"), "file") from None
        seconds = len(wave) / transcriber.rate
        if seconds < MIN_SECONDS:
            raise ApiError(400, f"the recording lasts {seconds:.3f} s; give at least {MIN_SECONDS} s of speech", "file")
        if seconds > limits.max_audio_seconds:
            raise ApiError(400, f"the recording lasts {seconds:.0f} s; at most {limits.max_audio_seconds:.0f} s "
                                "per request (cut it into parts)", "file")
        return timed_transcript(transcriber.system, wave, transcriber.rate), seconds

    captions, seconds = await served.slot.run(work)
    return _transcript_response(captions, seconds, response_format, "word" in (granularities or []))


def _transcript_response(captions: list, seconds: float, fmt: str, words: bool = False) -> Response:
    from regen.speech.asr.captions import srt, vtt

    text = " ".join(c.text for c in captions if c.text).strip()
    if fmt == "text":
        return PlainTextResponse(text + "\n")
    if fmt == "srt":
        return PlainTextResponse(srt(captions), media_type="application/x-subrip")
    if fmt == "vtt":
        return PlainTextResponse(vtt(captions), media_type="text/vtt")
    if fmt == "json":
        return JSONResponse({"text": text})
    segments = [{"id": k, "seek": 0, "start": round(c.start, 3), "end": round(c.end, 3), "text": c.text,
                 "tokens": [], "temperature": 0.0, "avg_logprob": 0.0, "compression_ratio": 0.0,
                 "no_speech_prob": 0.0} for k, c in enumerate(captions)]
    body = {"task": "transcribe", "language": "english", "duration": round(seconds, 3), "text": text,
            "segments": segments}
    if words:
        body["words"] = [{"word": w.word, "start": w.start, "end": w.end} for c in captions for w in c.words]
    return JSONResponse(body)
