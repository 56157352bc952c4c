"""Synthetic voices that read sentences aloud and report phone timings.

A voice spec is 'espeak:VOICE' (espeak-ng, e.g. espeak:en-us) or
'festival:NAME' (kal = voice_kal_diphone, slt = voice_cmu_us_slt_arctic_hts, or
any installed festival voice function name). `synthesize` returns, per
sentence, a waveform (samples,) float32, its rate, and phone intervals
[{phone, start, end}] in seconds: espeak-ng phones in IPA (from its phoneme
events), festival phones in its own ARPAbet-like set (from the utterance's
Segment relation).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from regen.core.errors import RegenError

FESTIVAL_ALIASES = {"kal": "voice_kal_diphone", "slt": "voice_cmu_us_slt_arctic_hts"}


@dataclass
class Utterance:
    """Synthesised speech for one text: waveform (samples,), rate, phone intervals."""

    audio: np.ndarray
    sample_rate: int
    phones: list[dict]
    phone_set: str


class Voice:
    """Base class: `spec` names the voice, `slug` is a safe folder name."""

    spec: str
    phone_set: str

    @property
    def slug(self) -> str:
        return self.spec.replace(":", "-").replace("/", "-")

    def synthesize(self, texts: Sequence[str]) -> Iterator[Utterance]:
        raise NotImplementedError


def parse_voice(spec: str) -> Voice:
    """'espeak:en-us' / 'festival:slt' -> a Voice; RegenError when unknown or not installed."""
    engine, _, name = spec.partition(":")
    if engine == "espeak" and name:
        return EspeakVoice(name)
    if engine == "festival" and name:
        return FestivalVoice(name)
    raise RegenError(f"unknown voice '{spec}'; use espeak:en-us, festival:kal or festival:slt")


# --- espeak-ng through its C library (phoneme events carry timings) ---------------------------


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_void_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _EventId)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))
_EVENT_END_OF_LIST, _EVENT_PHONEME = 0, 7
_SYNCHRONOUS, _PHONEME_EVENTS, _PHONEME_IPA = 2, 0x1, 0x2
_CHARS_UTF8, _ENDPAUSE = 1, 0x1000


@functools.lru_cache(maxsize=1)
def _espeak_library() -> tuple[ctypes.CDLL, int]:
    path = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        raise RegenError("espeak-ng is not installed; run: apt-get install -y espeak-ng") from None
    rate = lib.espeak_Initialize(_SYNCHRONOUS, 0, None, _PHONEME_EVENTS | _PHONEME_IPA)
    if rate <= 0:
        raise RegenError("espeak-ng failed to initialise (is espeak-ng-data installed?)")
    return lib, rate


class EspeakVoice(Voice):
    """espeak-ng voice `name` (e.g. en-us), called in-process through libespeak-ng."""

    phone_set = "ipa"

    def __init__(self, name: str) -> None:
        self.name = name
        self.spec = f"espeak:{name}"

    def synthesize(self, texts: Sequence[str]) -> Iterator[Utterance]:
        lib, rate = _espeak_library()
        if lib.espeak_SetVoiceByName(self.name.encode()) != 0:
            raise RegenError(f"espeak-ng has no voice '{self.name}'; list them with: espeak-ng --voices")
        for text in texts:
            chunks: list[np.ndarray] = []
            starts: list[tuple[float, str]] = []

            def on_audio(wav, count, events):  # type: ignore[no-untyped-def]
                if count > 0 and wav:
                    chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
                i = 0
                while events[i].type != _EVENT_END_OF_LIST:
                    event = events[i]
                    if event.type == _EVENT_PHONEME:
                        name = event.id.string.decode("utf-8", "replace")
                        starts.append((event.audio_position / 1000.0, name))
                    i += 1
                return 0

            callback = _CALLBACK(on_audio)
            lib.espeak_SetSynthCallback(callback)
            data = text.encode("utf-8")
            lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, _CHARS_UTF8 | _ENDPAUSE, None, None)
            lib.espeak_Synchronize()
            audio = (np.concatenate(chunks) if chunks else np.zeros(0, np.int16)).astype(np.float32) / 32768.0
            yield Utterance(audio, rate, _intervals(starts, len(audio) / rate), self.phone_set)


def _intervals(starts: list[tuple[float, str]], total: float) -> list[dict]:
    out = []
    for k, (start, phone) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else total
        if phone.strip() and end > start:
            out.append({"phone": phone, "start": round(start, 4), "end": round(min(end, total), 4)})
    return out


# --- festival: one process per batch, waveforms and Segment timings written to files ----------


class FestivalVoice(Voice):
    """A festival voice; texts are synthesised in batches by one `festival -b` process."""

    phone_set = "festival"

    def __init__(self, name: str) -> None:
        self.function = FESTIVAL_ALIASES.get(name, name)
        self.spec = f"festival:{name}"

    def synthesize(self, texts: Sequence[str]) -> Iterator[Utterance]:
        if shutil.which("festival") is None:
            raise RegenError("festival is not installed; run: apt-get install -y festival festvox-kallpc16k "
                             "festvox-us-slt-hts")
        with tempfile.TemporaryDirectory(prefix="regen-festival-") as tmp:
            script = [f"({self.function})"]
            for i, text in enumerate(texts):
                quoted = text.replace("\\", " ").replace('"', " ")
                script += [f'(set! utt (utt.synth (Utterance Text "{quoted}")))',
                           f'(utt.save.wave utt "{tmp}/{i}.wav" \'riff)',
                           f'(utt.save.segs utt "{tmp}/{i}.segs")']
            (Path(tmp) / "batch.scm").write_text("\n".join(script) + "\n")
            run = subprocess.run(["festival", "-b", f"{tmp}/batch.scm"], capture_output=True, text=True,
                                 timeout=60 + 30 * len(texts))
            for i in range(len(texts)):
                wav, segs = Path(tmp) / f"{i}.wav", Path(tmp) / f"{i}.segs"
                if not wav.is_file():
                    detail = (run.stderr or run.stdout).strip().splitlines()[-1:] or ["no output"]
                    raise RegenError(f"festival voice {self.function} failed: {detail[0]} "
                                     "(is the voice installed? e.g. apt-get install -y festvox-us-slt-hts)")
                audio, rate = sf.read(wav, dtype="float32")
                yield Utterance(audio.reshape(len(audio), -1).mean(1), int(rate), _festival_segments(segs),
                                self.phone_set)


def _festival_segments(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    out, start = [], 0.0
    lines = path.read_text().splitlines()
    body = lines[lines.index("#") + 1 :] if "#" in lines else lines
    for line in body:
        parts = line.split()
        if len(parts) >= 3:
            end = float(parts[0])
            out.append({"phone": parts[2], "start": round(start, 4), "end": round(end, 4)})
            start = end
    return out
