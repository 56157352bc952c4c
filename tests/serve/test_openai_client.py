"""The official `openai` client, pointed at a local `regen serve` (base_url), runs unchanged: speech,
transcriptions in every format, and the model list. No mocks: real requests to the real server."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openai
import pytest
import soundfile as sf

from tests.serve.conftest import Server


@pytest.fixture(scope="module")
def client(server: Server) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="not-needed", max_retries=0, timeout=120)


def test_models_list_names_the_openai_aliases(client: openai.OpenAI) -> None:
    ids = {m.id for m in client.models.list()}
    assert {"tts-1", "tts-1-hd", "whisper-1", "speech/duration-tiny", "music/sunmask-conv-tiny"} <= ids


@pytest.mark.parametrize("voice, fmt", [("alloy", "wav"), ("onyx", "mp3"), ("shimmer", "flac")])
def test_speech_in_openai_voices_and_formats(client: openai.OpenAI, voice: str, fmt: str) -> None:
    answer = client.audio.speech.create(model="tts-1", voice=voice, input="The quick brown fox jumps over the dog.",
                                        response_format=fmt, speed=1.2)
    wave, rate = sf.read(io.BytesIO(answer.content))
    assert rate == 22050 and 1.0 < len(wave) / rate < 6.0
    assert abs(wave).max() > 0.05  # speech, not silence
    assert answer.response.headers["x-regen-voice"] in {"festival:slt", "festival:kal", "espeak:en-us+f3"}


def test_speed_changes_the_length(client: openai.OpenAI) -> None:
    lengths = []
    for speed in (0.7, 1.4):
        answer = client.audio.speech.create(model="tts-1", voice="echo", input="Bring the blue umbrella tomorrow.",
                                            response_format="wav", speed=speed)
        wave, rate = sf.read(io.BytesIO(answer.content))
        lengths.append(len(wave) / rate)
    assert lengths[0] > 1.5 * lengths[1]


def test_pcm_is_24khz_16bit(client: openai.OpenAI) -> None:
    wav = client.audio.speech.create(model="tts-1", voice="alloy", input="Hello there.", response_format="wav")
    pcm = client.audio.speech.create(model="tts-1", voice="alloy", input="Hello there.", response_format="pcm")
    seconds = len(sf.read(io.BytesIO(wav.content))[0]) / 22050
    assert abs(len(pcm.content) / 2 / 24000 - seconds) < 0.01


def test_transcription_formats(client: openai.OpenAI, server: Server, tmp_path: Path) -> None:
    from tests.serve.conftest import speech_wav

    audio = speech_wav(server.url, tmp_path / "noon.wav")
    with audio.open("rb") as f:
        plain = client.audio.transcriptions.create(model="whisper-1", file=f)
    assert "station" in plain.text.split()  # the recogniser hears the voice it was trained on
    with audio.open("rb") as f:
        verbose = client.audio.transcriptions.create(model="whisper-1", file=f, response_format="verbose_json",
                                                     timestamp_granularities=["segment"])
    assert verbose.text == plain.text and verbose.duration > 1.0
    assert verbose.segments and 0 <= verbose.segments[0].start < verbose.segments[-1].end <= verbose.duration
    with audio.open("rb") as f:
        timed = client.audio.transcriptions.create(model="whisper-1", file=f, response_format="verbose_json",
                                                   timestamp_granularities=["word", "segment"])
    assert [w.word for w in timed.words] == plain.text.split()
    assert all(0 <= w.start < w.end <= timed.duration for w in timed.words)
    with audio.open("rb") as f:
        srt = client.audio.transcriptions.create(model="whisper-1", file=f, response_format="srt")
    assert re.match(r"1\n00:00:\d\d,\d{3} --> 00:00:\d\d,\d{3}\n.*station", srt)
    with audio.open("rb") as f:
        vtt = client.audio.transcriptions.create(model="whisper-1", file=f, response_format="vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:")
    with audio.open("rb") as f:
        text = client.audio.transcriptions.create(model="whisper-1", file=f, response_format="text")
    assert text.strip() == plain.text


def test_unknown_voice_is_a_clear_openai_error(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.speech.create(model="tts-1", voice="nobody", input="Hello.")
    message = caught.value.body["message"]
    assert "unknown voice 'nobody'" in message and "alloy" in message
