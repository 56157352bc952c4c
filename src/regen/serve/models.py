"""The models a server holds: each shipped checkpoint of the asked-for domains, loaded once at start,
with its queue, its OpenAI alias names and, for text to speech, OpenAI's voice names.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from regen.core.errors import RegenError
from regen.serve.errors import ApiError
from regen.serve.limits import Limits, ModelSlot

# domain -> (shipped checkpoint, kind); kinds say which endpoints a model serves
DOMAINS: dict[str, tuple[tuple[str, str], ...]] = {
    "speech": (("speech/duration-tiny", "tts"), ("speech/repmix-tiny", "tts"), ("speech/rmelnet-tiny", "tts")),
    "asr": (("speech/asr-tiny", "asr"),),
    "music": (("music/sunmask-conv-tiny", "chorale"),),
    "melody": (("music/melody-tiny", "melody"),),
    "text": (("text/sunmask-tiny", "text"), ("text/template-tiny", "keywords")),
    "image": (("image/digits-vq-tiny", "digits"), ("image/digits-pool-tiny", "digits"),
              ("image/digits-direct-tiny", "digits")),
}
# OpenAI model names -> shipped ones, so that an OpenAI client runs unchanged
ALIASES = {"tts-1": "speech/duration-tiny", "gpt-4o-mini-tts": "speech/duration-tiny",
           "tts-1-hd": "speech/repmix-tiny",
           "whisper-1": "speech/asr-tiny", "gpt-4o-transcribe": "speech/asr-tiny",
           "gpt-4o-mini-transcribe": "speech/asr-tiny"}
SHORT = {"duration": "speech/duration-tiny", "repmix": "speech/repmix-tiny", "rmelnet": "speech/rmelnet-tiny"}
# OpenAI voice names -> the duration model's voices, by the voice's sex and register
OPENAI_VOICES = {"alloy": "festival:slt", "nova": "festival:slt", "sage": "festival:slt",
                 "shimmer": "espeak:en-us+f3", "coral": "espeak:en-us+f3",
                 "echo": "festival:kal", "onyx": "festival:kal", "ballad": "festival:kal",
                 "fable": "espeak:en-us", "ash": "espeak:en-us", "verse": "espeak:en-us"}
DEFAULT_TTS = "speech/duration-tiny"


@dataclass
class Served:
    """One loaded model: its shipped `name`, `kind`, the loaded object(s) and its queue."""

    name: str
    kind: str
    model: Any
    cfg: Any
    slot: ModelSlot
    loaded_seconds: float
    created: int = field(default_factory=lambda: int(time.time()))

    @property
    def voices(self) -> list[str]:
        return list(getattr(self.model, "voices", []) or []) if self.kind == "tts" else []


def _load(name: str, kind: str) -> tuple[Any, Any]:
    """(model object, run config) of a shipped checkpoint for its kind."""
    from regen.core.task import load_model

    if kind == "tts":
        from regen.speech.tts.speaker import Speaker

        speaker = Speaker.from_checkpoints(name, "istft")
        return speaker, speaker.cfg
    if kind == "asr":
        from regen.speech.asr.files import FileTranscriber

        net, cfg, _ = load_model(name, task="speech-asr")
        transcribe = FileTranscriber(cfg, net)
        transcribe.system  # the P2G is built now, not on the first request
        return transcribe, cfg
    task = {"chorale": "music", "melody": "music-melody", "text": "text", "keywords": "text-template",
            "digits": None}[kind]
    net, cfg, _ = load_model(name, task=task)
    net.eval()
    return net, cfg


class Catalog:
    """The served models by shipped name, with OpenAI's names as aliases."""

    def __init__(self, domains: list[str], limits: Limits,
                 report: Callable[[str], None] = lambda line: None) -> None:
        unknown = [d for d in domains if d not in DOMAINS]
        if unknown:
            raise RegenError(f"unknown model group '{unknown[0]}'; choose among {', '.join(DOMAINS)}")
        self.limits, self.models = limits, {}
        for domain in domains:
            for name, kind in DOMAINS[domain]:
                start = time.perf_counter()
                model, cfg = _load(name, kind)
                seconds = time.perf_counter() - start
                self.models[name] = Served(name, kind, model, cfg, ModelSlot(name, limits), seconds)
                report(f"loaded {name} in {seconds:.1f} s")

    def names(self) -> list[str]:
        """Every model id a client may name: shipped names, then the OpenAI aliases of loaded ones."""
        return [*self.models, *(a for a, n in ALIASES.items() if n in self.models)]

    def get(self, name: str | None, kind: str, default: str | None = None) -> Served:
        """The loaded model called `name` (shipped name, short name or OpenAI alias) serving `kind`;
        ApiError 400 naming the choices otherwise."""
        choices = [n for n, s in self.models.items() if s.kind == kind]
        if not choices:
            raise ApiError(503, f"this server holds no {KIND_WORDS[kind]} model; start it with "
                                f"`regen serve --models {KIND_DOMAIN[kind]}`")
        wanted = name or (default if default in self.models else choices[0])
        resolved = ALIASES.get(wanted, SHORT.get(wanted, wanted))
        served = self.models.get(resolved)
        if served is None or served.kind != kind:
            aliases = [a for a, n in ALIASES.items() if n in choices]
            raise ApiError(400, f"unknown model '{wanted}' for {KIND_WORDS[kind]}; choose one of "
                                f"{', '.join([*choices, *aliases])}", "model")
        return served


def catalog_of(request: Any) -> Catalog:
    """The catalog of the app serving a request."""
    return request.app.state.catalog


KIND_WORDS = {"tts": "text-to-speech", "asr": "speech recognition", "chorale": "chorale", "melody": "melody",
              "text": "sentence", "keywords": "keywords-to-sentence", "digits": "digit image"}
KIND_DOMAIN = {kind: domain for domain, entries in DOMAINS.items() for _, kind in entries}


def tts_voice(served: Served, voice: str | None) -> str | None:
    """The model's own voice name for a request's `voice` (an OpenAI name, full or short regen name);
    None for a one-voice model, which takes any OpenAI voice name."""
    from regen.speech.tts.duration.voices import resolve_voice

    names = served.voices
    if not voice:
        return names[0] if names else None
    if voice.lower() in OPENAI_VOICES:
        mapped = OPENAI_VOICES[voice.lower()]
        return (mapped if mapped in names else names[0]) if names else None
    if not names:
        raise ApiError(400, f"{served.name} speaks one voice; leave 'voice' out or give an OpenAI voice name "
                            f"({', '.join(OPENAI_VOICES)})", "voice")
    try:
        return resolve_voice(names, voice)
    except RegenError as exc:
        raise ApiError(400, f"{exc}; OpenAI's names ({', '.join(OPENAI_VOICES)}) also work", "voice") from None
