"""Extract melodies from music21's corpus once per collection, cache them as JSON, report what was kept.

`load_melodies()` reads every collection of `sources.COLLECTIONS` (or those named) and returns
the melodies with one `ExtractionSummary` per collection. Each collection is cached in
`<cache>/music/melody/<collection>-<limit>-<fingerprint>.json`; the fingerprint hashes the
music21 version, `EXTRACT_VERSION`, the held-out share and the source files' names and
sizes, so a change to any of them re-extracts.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

from regen.core.cache import cache_dir
from regen.core.errors import RegenError
from regen.core.files import atomic_write_text
from regen.music.melody.melodies import Dropped, Melody, melody_from_part, piece_key
from regen.music.melody.sources import COLLECTIONS, FOLK, HELDOUT_SHARE, VOCAL, Collection, Piece, is_heldout

EXTRACT_VERSION = 2  # 2: chorale tunes share a split; `limit` keeps both splits


@dataclass
class ExtractionSummary:
    """What one collection gave.

    pieces: pieces read; unreadable: pieces music21 could not parse (or whose key analysis
    failed). voices: voice lines seen in the readable pieces; paired: kept with syllables
    (`Melody.paired`); unpaired: kept without enough syllables. dropped: voice lines not kept,
    by reason. pickups: kept lines that start with an anacrusis (right-aligned in bar 0).
    meter_changes: kept lines whose time signature changes. heldout_pieces: pieces with a kept
    line in the held-out split. languages: lyric languages of the kept lines ("" = instrumental).
    seconds: wall time of the extraction itself (not of reading the cache).
    """

    collection: str
    pieces: int = 0
    unreadable: int = 0
    voices: int = 0
    paired: int = 0
    unpaired: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    pickups: int = 0
    meter_changes: int = 0
    heldout_pieces: int = 0
    languages: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        """One human-readable line of counts."""
        dropped = ", ".join(f"{reason} {n}" for reason, n in sorted(self.dropped.items())) or "none"
        return (f"{self.collection}: {self.pieces} pieces ({self.unreadable} unreadable, {self.heldout_pieces} "
                f"held out), {self.voices} voices -> {self.paired} paired + {self.unpaired} without lyrics; "
                f"dropped: {dropped}; pickups {self.pickups}, meter changes {self.meter_changes}; languages "
                f"{'/'.join(lang or 'none' for lang in self.languages) or '-'}; {self.seconds:.1f} s")


@dataclass
class CorpusMelodies:
    """Extracted melodies of several collections with their summaries."""

    melodies: list[Melody]
    summaries: list[ExtractionSummary]

    def paired(self, heldout: bool = False) -> list[Melody]:
        """Melodies whose notes carry syllables (lyrics -> melody pairs), of the training or held-out split."""
        return [m for m in self.melodies if m.paired and m.heldout == heldout]

    def unpaired(self, heldout: bool = False) -> list[Melody]:
        """All melodies of the split, with or without lyrics (the renderer's data)."""
        return [m for m in self.melodies if m.heldout == heldout]

    def summary_lines(self) -> list[str]:
        """One line per collection: what was read, kept and dropped."""
        return [s.line() for s in self.summaries]


def _voices(score: Any, collection: Collection) -> list[tuple[str, Any]]:
    """(name, part) of the voice lines to read; the soprano (named so, else the top part) when asked."""
    parts = list(score.parts)
    named = [(p.partName or (p.id if isinstance(p.id, str) else f"part {i + 1}"), p) for i, p in enumerate(parts)]
    if not collection.soprano_only or not named:
        return named
    sopranos = [(n, p) for n, p in named if "soprano" in f"{p.partName} {p.id}".lower()]
    return sopranos[:1] or named[:1]


def extract_collection(name: str, limit: int | None = None, progress: bool = True) -> tuple[list[Melody],
                                                                                            ExtractionSummary]:
    """Parse a collection's pieces (`Collection.pieces(limit)`; all with None) into melodies and a summary (no cache)."""
    from tqdm.auto import tqdm

    collection = _collection(name)
    start = time.perf_counter()
    summary = ExtractionSummary(name)
    dropped: Counter[str] = Counter()
    melodies: list[Melody] = []
    heldout_pieces: set[str] = set()
    for piece in tqdm(collection.pieces(limit), desc=name, unit="piece", disable=not progress):
        summary.pieces += 1
        kept = _read_piece(piece, collection, summary, dropped)
        melodies.extend(kept)
        if kept and kept[0].heldout:
            heldout_pieces.add(piece.id)
    summary.paired = sum(m.paired for m in melodies)
    summary.unpaired = len(melodies) - summary.paired
    summary.dropped = dict(sorted(dropped.items()))
    summary.pickups = sum(m.pickup > 0 for m in melodies)
    summary.meter_changes = sum(len(m.meters) > 1 for m in melodies)
    summary.heldout_pieces = len(heldout_pieces)
    summary.languages = sorted({m.language for m in melodies})
    summary.seconds = round(time.perf_counter() - start, 2)
    return melodies, summary


def _read_piece(piece: Piece, collection: Collection, summary: ExtractionSummary,
                dropped: Counter[str]) -> list[Melody]:
    try:
        score = piece.parse()
        key = piece_key(score)
    except Exception:  # music21 raises many unrelated types on malformed corpus files
        summary.unreadable += 1
        return []
    heldout = is_heldout(piece.id)
    language = collection.language_of(piece.id)
    kept = []
    for voice, part in _voices(score, collection):
        summary.voices += 1
        try:
            kept.append(melody_from_part(part, piece.id, voice, collection.name, language, key, heldout))
        except Dropped as exc:
            dropped[exc.reason] += 1
    return kept


def _collection(name: str) -> Collection:
    if name not in COLLECTIONS:
        raise RegenError(f"unknown melody collection {name!r}; choose from {', '.join(COLLECTIONS)}")
    return COLLECTIONS[name]


def fingerprint(name: str, limit: int | None) -> str:
    """Hash of the music21 version, EXTRACT_VERSION, the held-out share, `limit` and the source files."""
    import music21

    digest = hashlib.sha256(f"{music21.__version__}|{EXTRACT_VERSION}|{HELDOUT_SHARE}|{name}|{limit}".encode())
    for part in _collection(name).fingerprint_parts():
        digest.update(part.encode())
    return digest.hexdigest()[:12]


def cache_path(name: str, limit: int | None) -> Path:
    """Where the extraction of collection `name` with `limit` is cached."""
    size = "all" if limit is None else str(limit)
    return cache_dir("music", "melody") / f"{name}-{size}-{fingerprint(name, limit)}.json"


_MEMO: dict[Path, tuple[list[Melody], ExtractionSummary]] = {}


def load_collection(name: str, limit: int | None = None, progress: bool = True) -> tuple[list[Melody],
                                                                                         ExtractionSummary]:
    """The melodies and summary of one collection, from the JSON cache when it matches the sources."""
    path = cache_path(name, limit)
    if path in _MEMO:
        return _MEMO[path]
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        result = ([Melody.from_json(m) for m in data["melodies"]], ExtractionSummary(**data["summary"]))
    else:
        if progress:
            print(f"extracting melodies of {name} from music21 (once; cached at {path})", flush=True)
        result = extract_collection(name, limit, progress)
        payload = {"summary": asdict(result[1]), "melodies": [m.to_json() for m in result[0]]}
        atomic_write_text(path, json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
    _MEMO[path] = result
    return result


def load_melodies(collections: Sequence[str] = VOCAL + FOLK, limit: int | None = None,
                  progress: bool = True) -> CorpusMelodies:
    """Melodies of the named collections (each cut to `Collection.pieces(limit)`), with their summaries.

    The first extraction of everything takes about 20 minutes on one CPU core (palestrina and
    essen take most of it; the paired collections chorales, monteverdi and trecento 2 minutes);
    later calls read the JSON cache in seconds.
    """
    melodies: list[Melody] = []
    summaries: list[ExtractionSummary] = []
    for name in collections:
        found, summary = load_collection(name, limit, progress)
        melodies.extend(found)
        summaries.append(summary)
    return CorpusMelodies(melodies, summaries)
