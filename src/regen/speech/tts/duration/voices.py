"""Voice names of a multi-speaker duration model: a voice by its full or short name, or a new voice mixed
from several ('slt@0.7,kal@0.3': their speaker embeddings averaged with those weights)."""

from __future__ import annotations

import math

from regen.core.errors import RegenError


def resolve_voice(names: list[str], voice: str) -> str:
    """The voice of `names` called `voice`: its full name (festival:slt) or the part after the colon (slt);
    or a new voice mixed from them, 'slt@0.7,kal@0.3' (speaker embeddings averaged with those weights),
    returned as full names with weights that sum to 1. One-line RegenError naming the voices otherwise."""
    if "@" in voice or "," in voice:
        mix = voice_mix(names, voice)
        return ",".join(f"{name}@{weight:.4g}" for name, weight in mix.items())
    if voice in names:
        return voice
    matches = [name for name in names if name.partition(":")[2] == voice]
    if len(matches) == 1:
        return matches[0]
    known = f"this model speaks {', '.join(names)}" if names else "this model has one voice"
    raise RegenError(f"unknown voice '{voice}'; {known} (see: regen speech voices)")


def voice_mix(names: list[str], voice: str) -> dict[str, float]:
    """'slt@0.7,kal@0.3' (or one voice name) -> {full voice name: weight}, weights positive and summing to 1;
    one-line RegenError for a malformed mix."""
    if "@" not in voice and "," not in voice:
        return {resolve_voice(names, voice): 1.0}
    mix: dict[str, float] = {}
    for part in voice.split(","):
        name, at, weight = part.strip().rpartition("@")
        try:
            value = float(weight) if at else float("nan")
        except ValueError:
            value = float("nan")
        if not at or not name or not math.isfinite(value) or value <= 0:
            raise RegenError(f"voice mix '{voice}': write each part as NAME@WEIGHT with a positive weight, "
                             "e.g. slt@0.7,kal@0.3")
        full = resolve_voice(names, name)
        mix[full] = mix.get(full, 0.0) + value
    total = sum(mix.values())
    return {name: weight / total for name, weight in mix.items()}
