"""The lyrics -> melody task (`music-melody`): TeleMelody's two stages against a Direct model.

X = a segment's lyrics as syllable features (with the song's key and meter), Y = its melody,
Y' = its template (rhythm, harmony, cadences; `regen.music.melody.tokens`). Regeneration: a
converter lyrics -> template trained on the paired share of the songs, a renderer template ->
melody trained on every training melody read note by note without lyrics (the folk
collections, the untexted voices and the texted ones alike), composed by the core
`Regenerator` with the rule-based template as its abstraction. Direct: lyrics -> melody on the
paired share only. `data.paired_fraction` sets the share of paired training songs.

Evaluation on the held-out songs' segments (`regen.music.melody.evaluation`): PD, DD, MD,
rhythm-syllable alignment, stressed syllables on strong beats, cadence accuracy, in-key ratio
and the grader's one-voice distances.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
from torch import nn

from regen.core.errors import ConfigError, RegenError
from regen.core.provenance import fingerprint
from regen.core.run_config import RunConfig
from regen.core.task import Task, TrainingPlan, register
from regen.music.melody.evaluation import melody_metrics, one_voice_reference
from regen.music.melody.extraction import load_melodies
from regen.music.melody.melodies import Melody
from regen.music.melody.model import LyricsMelodyModel, MelodyModelConfig
from regen.music.melody.segments import Segment, melody_segments
from regen.music.melody.sources import COLLECTIONS, FOLK, VOCAL
from regen.music.melody.tokens import decode_notes, lyric_tokens, notes_tokens
from regen.train.config import PhaseConfig
from regen.train.plan import Phase

SHIPPED = "music/melody-tiny"
VALID_RENDERER = 512
"""Held-out note segments the renderer's validation loss reads."""


@dataclass
class MelodyDataConfig:
    """Which music21 collections are read (`regen.music.melody.sources`; melodies whose notes carry
    enough syllables are the paired ones), their first `limit` training pieces each and a held-out tenth beside (0: all); segments of at
    most `length` notes; the `paired_fraction` of paired training songs the converter and Direct see
    (a seeded choice); the first `eval_segments` held-out paired segments scored (0: all)."""

    collections: list[str] = field(default_factory=lambda: list(VOCAL + FOLK))
    limit: int = 0
    length: int = 32
    paired_fraction: float = 1.0
    split_seed: int = 0
    eval_segments: int = 0

    def __post_init__(self) -> None:
        unknown = sorted(set(self.collections) - set(COLLECTIONS))
        if unknown or not self.collections:
            raise ValueError(f"collections must name some of {', '.join(COLLECTIONS)}; unknown: {unknown}")
        if not 0 < self.paired_fraction <= 1:
            raise ValueError(f"paired_fraction must lie in (0, 1], got {self.paired_fraction}")
        if self.limit < 0 or self.length < 4 or self.eval_segments < 0:
            raise ValueError("limit and eval_segments must be >= 0 and length >= 4")


@dataclass
class MelodySampleConfig:
    """Sampling of every stage."""

    temperature: float = 0.9
    top_k: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.temperature < float("inf") or self.top_k < 0:
            raise ValueError("temperature must be a positive number and top_k >= 0")


@dataclass
class MelodyData:
    """Segments of one configuration (see `prepare`), song counts, and what was left out, by reason."""

    songs: dict[str, int]
    paired: dict[str, list[Segment]]
    notes: dict[str, list[Segment]]
    dropped: Counter
    heldout_song: list[int]  # per paired held-out segment, the index of its song

    def lyrics(self, split: str, length: int) -> torch.Tensor:
        """(segments, PREFIX + length) lyric tokens of the paired segments of `split`."""
        return torch.stack([lyric_tokens(s.syllables or (), s.tonic, s.mode, s.meter, length)
                            for s in self.paired[split]])


def _segments(melodies: list[Melody], length: int, syllabic: bool, dropped: Counter) -> list[list[Segment]]:
    """The segments of each melody."""
    out: list[list[Segment]] = []
    for melody in melodies:
        found, lost = melody_segments(melody, length, syllabic)
        out.append(found)
        dropped.update(lost)
    return out


_PREPARED: dict[tuple, MelodyData] = {}


def paired_songs(n: int, fraction: float, seed: int) -> list[int]:
    """Indices of the paired share of n training songs: a seeded random choice of round(fraction * n), at least one."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    return sorted(order[: max(1, round(fraction * n))])


def prepare(data: MelodyDataConfig, with_notes: bool = True) -> MelodyData:
    """The configuration's segments (memoised per process): paired `train` (the chosen share),
    `all_train` (every paired training song: the evaluation's reference) and `heldout`; as notes
    (the renderer's data) `train` and `heldout` unless `with_notes` is False (evaluation needs none)."""
    key = (tuple(data.collections), data.limit, data.length, data.paired_fraction, data.split_seed)
    for notes_read in (True, with_notes):
        if (*key, notes_read) in _PREPARED:
            return _PREPARED[(*key, notes_read)]
    melodies = load_melodies(data.collections, data.limit or None, progress=True)
    dropped: Counter = Counter()
    songs = _segments(melodies.paired(), data.length, True, dropped)
    chosen = paired_songs(len(songs), data.paired_fraction, data.split_seed)
    held_songs = _segments(melodies.paired(heldout=True), data.length, True, dropped)
    paired = {"train": [s for i in chosen for s in songs[i]], "all_train": [s for song in songs for s in song],
              "heldout": [s for song in held_songs for s in song]}
    notes = {split: [s for song in _segments(melodies.unpaired(split == "heldout"), data.length, False, dropped)
                     for s in song] for split in ("train", "heldout")} if with_notes else {}
    if not paired["train"] or not paired["heldout"]:
        raise RegenError(f"collections {', '.join(data.collections)} (limit {data.limit or 'none'}) give no paired "
                         "segments in the training or the held-out split; read more pieces or add chorales")
    counts = {"paired_songs": len(songs), "paired_songs_used": len(chosen),
              "heldout_songs": len(melodies.paired(heldout=True)), "training_melodies": len(melodies.unpaired())}
    song_of = [k for k, song in enumerate(held_songs) for _ in song]
    _PREPARED[(*key, with_notes)] = MelodyData(counts, paired, notes, dropped, song_of)
    return _PREPARED[(*key, with_notes)]


def heldout_rows(cfg: RunConfig) -> list[int]:
    """Indices of the held-out paired segments that `evaluate` scores: all of them, or with
    `data.eval_segments` a seeded random subset of that size (in their order)."""
    total = len(prepare(cfg.data, with_notes=False).paired["heldout"])
    if not cfg.data.eval_segments or cfg.data.eval_segments >= total:
        return list(range(total))
    order = torch.randperm(total, generator=torch.Generator().manual_seed(cfg.data.split_seed)).tolist()
    return sorted(order[: cfg.data.eval_segments])


def heldout(cfg: RunConfig) -> tuple[list[Segment], torch.Tensor]:
    """The held-out paired segments scored by `evaluate` (`heldout_rows`) and their lyric tokens."""
    data, rows = prepare(cfg.data, with_notes=False), heldout_rows(cfg)
    lyrics = data.lyrics("heldout", cfg.data.length)
    return [data.paired["heldout"][k] for k in rows], lyrics[rows]


def sung(model: LyricsMelodyModel, lyrics: torch.Tensor, segments: list[Segment], cfg: RunConfig,
         seed: int, temperature: float | None = None) -> list[Segment]:
    """One generated melody per lyric row, each carrying the syllables of its real segment."""
    torch.manual_seed(seed)
    melodies, _ = model.generate(lyrics, 1, cfg.sample.temperature if temperature is None else temperature,
                                 cfg.sample.top_k)
    return [replace(decode_notes(row), syllables=s.syllables) for row, s in zip(melodies, segments)]


@register
class MelodyTask(Task):
    """lyrics -> template -> melody (or lyrics -> melody, Direct)."""

    name = "music-melody"
    domain = "music"
    demo = "regen.music.melody.demo"
    model_config = MelodyModelConfig
    data_config = MelodyDataConfig
    sample_config = MelodySampleConfig

    def default_phases(self) -> dict[str, PhaseConfig]:
        return {"renderer": PhaseConfig(), "converter": PhaseConfig(), "direct": PhaseConfig()}

    def check_config(self, cfg: RunConfig, where: str) -> None:
        for part in ("converter", "renderer", "direct"):
            net = getattr(cfg.model, part)
            if net.d_model % net.heads:
                raise ConfigError(f"{where}: model.{part}.d_model must be a multiple of model.{part}.heads")

    def build(self, cfg: RunConfig) -> nn.Module:
        return LyricsMelodyModel(cfg.model, cfg.data.length)

    def plan(self, cfg: RunConfig, model: nn.Module, run_dir: Path) -> TrainingPlan:
        data = prepare(cfg.data)
        length = cfg.data.length
        pairs = {"x": data.lyrics("train", length), "y": torch.stack([notes_tokens(s, length) for s in data.paired["train"]])}
        valid = {"x": data.lyrics("heldout", length),
                 "y": torch.stack([notes_tokens(s, length) for s in data.paired["heldout"]])}
        info = {"corpus": f"music21 melodies ({', '.join(cfg.data.collections)}), limit {cfg.data.limit or 'none'}",
                **data.songs, "paired_segments": len(pairs["y"]), "heldout_segments": len(valid["y"]),
                "dropped": dict(data.dropped), "paired_fingerprint": fingerprint(pairs["y"].numpy())}
        if cfg.model.method == "direct":
            return TrainingPlan([Phase("direct", model.net.objective(), pairs, cfg.phases["direct"], valid)], info)
        notes = {split: torch.stack([notes_tokens(s, length) for s in data.notes[split]]) for split in data.notes}
        info["renderer_segments"] = len(notes["train"])
        phases = [Phase("renderer", model.net.renderer_objective(), {"y": notes["train"]}, cfg.phases["renderer"],
                        {"y": notes["heldout"][:VALID_RENDERER]}),
                  Phase("converter", model.net.converter_objective(), pairs, cfg.phases["converter"], valid)]
        return TrainingPlan(phases, info)

    def sample(self, cfg: RunConfig, model: nn.Module, out_dir: Path, n: int, seed: int,
               temperature: float | None) -> list[Path]:
        """Melodies for the lyrics of the first `n` held-out segments: MusicXML, MIDI and PNG each."""
        from regen.music.melody.output import lyric_line, write_melody

        segments, lyrics = heldout(cfg)
        files: list[Path] = []
        for k, melody in enumerate(sung(model, lyrics[:n], segments[:n], cfg, seed, temperature)):
            title = f"{cfg.name}: {lyric_line(melody.syllables or ())[:60]}"
            files += write_melody(melody, out_dir, f"melody-{k:03d}", title)
        return files

    def evaluate(self, cfg: RunConfig, model: nn.Module) -> dict[str, float]:
        """The metrics of `regen.music.melody.evaluation` of one melody per held-out segment's lyrics."""
        data = prepare(cfg.data, with_notes=False)
        segments, lyrics = heldout(cfg)
        reference = one_voice_reference(data.paired["all_train"])
        return melody_metrics(sung(model, lyrics, segments, cfg, cfg.seed), segments, reference)
