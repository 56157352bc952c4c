"""Synthetic voices that read sentences aloud and report phone timings.

A voice spec is 'espeak:VOICE' (espeak-ng, e.g. espeak:en-us, or espeak:en-us+f3,rate=140,pitch=70),
'festival:NAME' (kal = voice_kal_diphone, slt = voice_cmu_us_slt_arctic_hts,
ked = voice_ked_diphone, or any installed festival voice function name),
'flite:NAME' (flite's kal, awb, rms, slt) or 'tts:MIX' (a new speaker: the shipped
duration model's voices mixed, e.g. tts:slt@0.6,kal@0.4, rendered by its iSTFT
vocoder; no phone or word timings). flite is RESERVED for evaluation on
voices no model heard (`RESERVED_ENGINES`): the corpus builder records it only
for sentences that are all held out, never for a training list. `synthesize` returns, per
sentence, a waveform (samples,) float32, its rate, phone intervals
[{phone, start, end}] in seconds (espeak-ng phones in IPA from its phoneme
events, festival phones in its own ARPAbet-like set from the utterance's
Segment relation) and word intervals [{word, start, end}] (espeak-ng's word
events; festival's Word relation). Training cuts long utterances between words.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from regen.core.errors import RegenError

FESTIVAL_ALIASES = {"kal": "voice_kal_diphone", "slt": "voice_cmu_us_slt_arctic_hts", "ked": "voice_ked_diphone"}
FESTIVAL_VOICES = {"kal": "festival diphone voice kal: American English, male",
                   "slt": "festival HTS voice CMU ARCTIC slt: American English, female",
                   "ked": "festival diphone voice ked: American English, male"}
FLITE_VOICES = {"kal": "flite diphone voice kal: American English, male (8 kHz)",
                "awb": "flite clustergen voice CMU ARCTIC awb: Scottish English, male",
                "rms": "flite clustergen voice CMU ARCTIC rms: American English, male",
                "slt": "flite clustergen voice CMU ARCTIC slt: American English, female"}
RESERVED_ENGINES = ("flite",)
"""Engines kept out of every training corpus, vocabulary choice and tuning: unseen voices for evaluation."""
ESPEAK_VARIANTS = {"f": "female", "m": "male"}


@dataclass
class Utterance:
    """Synthesised speech for one text: waveform (samples,), rate, phone and word intervals."""

    audio: np.ndarray
    sample_rate: int
    phones: list[dict]
    phone_set: str
    words: list[dict] = field(default_factory=list)


class Voice:
    """Base class: `spec` names the voice, `slug` is a safe folder name."""

    spec: str
    phone_set: str

    @property
    def slug(self) -> str:
        return self.spec.replace(":", "-").replace("/", "-")

    def synthesize(self, texts: Sequence[str]) -> Iterator[Utterance]:
        raise NotImplementedError


def describe_voice(spec: str) -> str:
    """A line for a person: engine, voice and, for espeak-ng variants (en-us+f3), the variant's sex."""
    engine, _, name = spec.partition(":")
    if engine == "festival":
        return FESTIVAL_VOICES.get(name, f"festival voice {name}")
    if engine == "flite":
        return FLITE_VOICES.get(name, f"flite voice {name}") + " (reserved for evaluation)"
    if engine == "tts":
        return f"a new speaker of the shipped duration model: its voices mixed as {name}"
    name, *settings = name.split(",")
    base, _, variant = name.partition("+")
    sex = ESPEAK_VARIANTS.get(variant[:1], "") if variant[1:].isdigit() else ""
    changed = f"; {', '.join(settings)}" if settings else ""
    if not variant:
        return f"espeak-ng voice {base}, male{changed}"
    return f"espeak-ng voice {base}, variant {variant}" + (f" ({sex})" if sex else "") + changed


def parse_voice(spec: str) -> Voice:
    """'espeak:en-us' / 'festival:slt' -> a Voice; RegenError when unknown or not installed."""
    engine, _, name = spec.partition(":")
    if engine == "espeak" and name:
        return EspeakVoice(name)
    if engine == "festival" and name:
        return FestivalVoice(name)
    if engine == "flite" and name:
        return FliteVoice(name)
    if engine == "tts" and name:
        return MixedVoice(name)
    raise RegenError(f"unknown voice '{spec}'; use espeak:en-us, festival:kal, festival:slt, flite:awb or "
                     "tts:slt@0.6,kal@0.4")


# --- espeak-ng through its C library (phoneme events carry timings) ---------------------------


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_void_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _EventId)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))
_EVENT_END_OF_LIST, _EVENT_WORD, _EVENT_PHONEME = 0, 1, 7
_SYNCHRONOUS, _PHONEME_EVENTS, _PHONEME_IPA = 2, 0x1, 0x2
_CHARS_UTF8, _ENDPAUSE = 1, 0x1000
_ESPEAK_PARAMETERS = {"rate": 1, "pitch": 3, "range": 4}  # espeakRATE, espeakPITCH, espeakRANGE
ESPEAK_DEFAULTS = {"rate": 175, "pitch": 50, "range": 50}
ESPEAK_LIMITS = {"rate": (80, 450), "pitch": (0, 100), "range": (0, 100)}


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
    """espeak-ng voice `name` (e.g. en-us), called in-process through libespeak-ng; settings after commas
    change its speaking rate (words per minute, 80-450; 175 by default), pitch and pitch range (0-100; 50
    by default): 'en-us+f3,rate=140,pitch=70,range=30'."""

    phone_set = "ipa"

    def __init__(self, name: str) -> None:
        self.name, *settings = name.split(",")
        self.spec = f"espeak:{name}"
        self.settings = dict(ESPEAK_DEFAULTS)
        for setting in settings:
            key, _, value = setting.partition("=")
            low, high = ESPEAK_LIMITS.get(key, (0, -1))
            if not value.isdigit() or not low <= int(value) <= high:
                raise RegenError(f"espeak voice setting '{setting}' in '{self.spec}': write rate=80..450, "
                                 "pitch=0..100 or range=0..100, e.g. espeak:en-us+f3,rate=140,pitch=70")
            self.settings[key] = int(value)

    def synthesize(self, texts: Sequence[str]) -> Iterator[Utterance]:
        lib, rate = _espeak_library()
        if lib.espeak_SetVoiceByName(self.name.encode()) != 0:
            raise RegenError(f"espeak-ng has no voice '{self.name}'; list them with: espeak-ng --voices")
        for key, value in self.settings.items():  # every one, so no earlier voice's setting stays
            lib.espeak_SetParameter(_ESPEAK_PARAMETERS[key], value, 0)
        for text in texts:
            chunks: list[np.ndarray] = []
            starts: list[tuple[float, str]] = []
            word_starts: list[tuple[float, str]] = []
            data = text.encode("utf-8")

            def on_audio(wav, count, events):  # type: ignore[no-untyped-def]
                if count > 0 and wav:
                    chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
                i = 0
                while events[i].type != _EVENT_END_OF_LIST:
                    event = events[i]
                    if event.type == _EVENT_PHONEME:
                        name = event.id.string.decode("utf-8", "replace")
                        starts.append((event.audio_position / 1000.0, name))
                    elif event.type == _EVENT_WORD:  # text_position counts bytes from 1
                        word = data[event.text_position - 1: event.text_position - 1 + event.length]
                        word_starts.append((event.audio_position / 1000.0, word.decode("utf-8", "replace")))
                    i += 1
                return 0

            callback = _CALLBACK(on_audio)
            lib.espeak_SetSynthCallback(callback)
            lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, _CHARS_UTF8 | _ENDPAUSE, None, None)
            lib.espeak_Synchronize()
            audio = (np.concatenate(chunks) if chunks else np.zeros(0, np.int16)).astype(np.float32) / 32768.0
            phones = _intervals(starts, len(audio) / rate, "phone")
            yield Utterance(audio, rate, phones, self.phone_set, _espeak_words(word_starts, phones))


def _intervals(starts: list[tuple[float, str]], total: float, key: str) -> list[dict]:
    """Start-stamped events -> [{key, start, end}], each ending where the next starts."""
    out = []
    for k, (start, name) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else total
        if name.strip() and end > start:
            out.append({key: name, "start": round(start, 4), "end": round(min(end, total), 4)})
    return out


def _espeak_words(starts: list[tuple[float, str]], phones: list[dict]) -> list[dict]:
    """Word intervals from word-start events; a word ends where its last phone ends (before a pause)."""
    words = _intervals(starts, phones[-1]["end"] if phones else 0.0, "word")
    for word in words:
        inside = [p["end"] for p in phones if word["start"] <= p["start"] < word["end"] and p["phone"] != "_:"]
        if inside:
            word["end"] = max(inside)
    return words


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
                           f'(utt.save.segs utt "{tmp}/{i}.segs")', f'(utt.save.words utt "{tmp}/{i}.words")']
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
                phones = _festival_intervals(segs, "phone")
                yield Utterance(audio.reshape(len(audio), -1).mean(1), int(rate), phones, self.phone_set,
                                _festival_words(_festival_intervals(Path(tmp) / f"{i}.words", "word"), phones))


def _festival_intervals(path: Path, key: str) -> list[dict]:
    """An xlabel file (lines 'END_TIME 100 NAME' after '#') -> [{key, start, end}]."""
    if not path.is_file():
        return []
    out, start = [], 0.0
    lines = path.read_text().splitlines()
    body = lines[lines.index("#") + 1 :] if "#" in lines else lines
    for line in body:
        parts = line.split()
        if len(parts) >= 3:
            end = float(parts[0])
            out.append({key: parts[2], "start": round(start, 4), "end": round(end, 4)})
            start = end
    return out


def _festival_words(words: list[dict], phones: list[dict]) -> list[dict]:
    """Festival's words start where the previous one ends; move each start past a pause before it."""
    for word in words:
        pauses = [p["end"] for p in phones if p["phone"] == "pau" and word["start"] <= p["start"] < word["end"]]
        if pauses:
            word["start"] = min(max(pauses), word["end"])
    return words


# --- flite: one process per sentence (evaluation only; no timings) ----------------------------


class FliteVoice(Voice):
    """A flite voice (kal, awb, rms, slt), for evaluation sets only: no phone or word timings."""

    phone_set = "none"

    def __init__(self, name: str) -> None:
        self.name = name
        self.spec = f"flite:{name}"

    def synthesize(self, texts: Sequence[str]) -> Iterator[Utterance]:
        if shutil.which("flite") is None:
            raise RegenError("flite is not installed; run: apt-get install -y flite")
        with tempfile.TemporaryDirectory(prefix="regen-flite-") as tmp:
            wav = Path(tmp) / "out.wav"
            for text in texts:
                run = subprocess.run(["flite", "-voice", self.name, "-t", text, "-o", str(wav)],
                                     capture_output=True, text=True, timeout=120)
                if run.returncode != 0 or not wav.is_file():
                    raise RegenError(f"flite has no voice '{self.name}' or failed; list them with: flite -lv")
                audio, rate = sf.read(wav, dtype="float32")
                wav.unlink()
                yield Utterance(audio.reshape(len(audio), -1).mean(1), int(rate), [], self.phone_set)


# --- new speakers: the shipped duration model's voices mixed ----------------------------------


class MixedVoice(Voice):
    """A speaker no corpus holds: the shipped duration model (speech/duration-tiny) saying each text with a
    weighted mix of its voices' embeddings ('slt@0.6,kal@0.4'), rendered by the shipped iSTFT vocoder.
    No phone or word timings (phone set 'none')."""

    phone_set = "none"

    def __init__(self, mix: str) -> None:
        self.mix = mix
        self.spec = f"tts:{mix}"

    @property
    def slug(self) -> str:
        return "tts-" + "".join("-" if c in ":/@" else "_" if c == "," else c for c in self.mix)

    def synthesize(self, texts: Sequence[str]) -> Iterator[Utterance]:
        from regen.speech.tts.duration.voices import resolve_voice

        speaker = _duration_speaker()
        voice = resolve_voice(speaker.voices, self.mix)
        for text in texts:
            speech = speaker.say(text, voice=voice)
            yield Utterance(speech.wave.astype(np.float32), speech.sample_rate, [], self.phone_set)


@functools.lru_cache(maxsize=1)
def _duration_speaker():  # type: ignore[no-untyped-def]
    """The shipped duration model with the shipped iSTFT vocoder (loaded once)."""
    from regen.speech.tts.speaker import Speaker

    return Speaker.from_checkpoints("speech/duration-tiny", vocoder="istft")
