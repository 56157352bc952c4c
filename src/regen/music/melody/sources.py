"""Which melodies of music21's bundled corpus are read, in which language, and the held-out split.

Vocal collections (lyrics attached to notes where music21's files carry them):
- `chorales`: the soprano of each Bach chorale (German).
- `monteverdi`: every voice of the madrigals (Italian; only a few files carry the text).
- `trecento`: every voice of the 14th-century Italian pieces (Italian madrigals and ballate,
  Latin mass movements and motets; the language is guessed from the file name).
- `palestrina`: every voice of the masses (Latin; the Humdrum files carry no text).
Folk collections (instrumental or stored without words; ABC books, one piece per tune):
`essen` (German and other European songs, Chinese in `han*`), `ryans`, `oneills`, `airds`,
`miscfolk`, `nottingham`. Essen's parser test files (`test*.abc`) are left out.
Not read: josquin (music21's ABC reader drops its `w:` lyrics), single-piece folders.

Held out: a piece is in the fixed held-out split when a SHA-256 hash of its id falls in the
lowest `HELDOUT_SHARE` of the range, so the split never depends on what else is read. Chorales
hash their title instead (`split_key`): Bach set many hymn tunes several times, and a tune must
not be sung in both splits.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

HELDOUT_SHARE = 0.1
_TUNE_START = re.compile(r"^X:", re.MULTILINE)
_LATIN_TRECENTO = re.compile(r"kyrie|gloria|credo|sanctus|agnus|benedicamus|PMFC_01|PMFC_24_1[5-9]|PMFC_24_2|Fava",
                             re.IGNORECASE)


def split_key(piece: str) -> str:
    """What the held-out split hashes: the piece id, except that Bach's harmonisations of one hymn tune
    (one chorale title, up to 7 settings of the same melody) share the key of their title."""
    match = re.fullmatch(r"bach/bwv(([\d.]+?)(?:-\w+)?)\.(?:mxl|krn|xml)", piece)
    titles = _chorale_titles()
    title = (titles.get(match.group(1)) or titles.get(match.group(2))) if match else None
    return f"chorale tune: {title}" if title else piece


@functools.lru_cache(maxsize=1)
def _chorale_titles() -> dict[str, str]:
    """BWV number ('26.6') -> the chorale's title, lowercased, letters and spaces only (music21's table)."""
    from music21.corpus.chorales import ChoraleListRKBWV

    return {bwv: " ".join(re.sub(r"[^a-zäöüß ]", "", entry["title"].lower()).split())
            for bwv, entry in ChoraleListRKBWV().byBWV.items()}


def held_out_quota(limit: int) -> int:
    """Held-out pieces read beside `limit` training pieces: the split's share of them, at least one."""
    return max(1, round(limit * HELDOUT_SHARE / (1 - HELDOUT_SHARE)))


def is_heldout(piece: str) -> bool:
    """Whether piece id `piece` is in the fixed held-out split (about `HELDOUT_SHARE` of pieces or tunes)."""
    value = int(hashlib.sha256(split_key(piece).encode("utf-8")).hexdigest()[:8], 16)
    return value < HELDOUT_SHARE * 0x100000000


@dataclass(frozen=True)
class Piece:
    """One piece to read: its id, and either a corpus path (`path`) or the text of one ABC tune (`abc`)."""

    id: str
    path: Path
    abc: str | None = None

    def parse(self) -> Any:
        """The music21 score of the piece (an ABC tune is parsed from its own text)."""
        from music21 import converter

        if self.abc is not None:
            return converter.parse(self.abc, format="abc")
        return converter.parse(str(self.path))


@dataclass(frozen=True)
class Collection:
    """A group of corpus pieces read the same way.

    folder: the music21 corpus folder. suffixes: file types read. language: the lyric language
    code ("" for instrumental). abc_book: each file is an ABC book of tunes, one piece per tune.
    soprano_only: keep only the top voice (the chorale melody).
    """

    name: str
    folder: str
    suffixes: tuple[str, ...]
    language: str
    abc_book: bool = False
    soprano_only: bool = False
    skip: str = ""
    language_rule: Callable[[str], str] | None = None

    def language_of(self, piece: str) -> str:
        return self.language_rule(piece) if self.language_rule is not None else self.language

    def pieces(self, limit: int | None = None) -> list[Piece]:
        """The collection's pieces in a fixed order: all of them with None, else the first `limit` of
        the training split and the first `held_out_quota(limit)` of the held-out split, so a small
        read still has both splits in their usual proportion.

        Duplicate files (a `.mxl` beside a `.xml` of the same name, `_bak` copies) and
        duplicate ABC tunes (the same notes under another number) are read once.
        """
        quota = None if limit is None else {False: limit, True: held_out_quota(limit)}
        out: list[Piece] = []
        for piece in self._all_pieces():
            if quota is None:
                out.append(piece)
            elif quota[is_heldout(piece.id)] > 0:
                quota[is_heldout(piece.id)] -= 1
                out.append(piece)
                if not any(quota.values()):
                    break
        return out

    def _all_pieces(self) -> Iterator[Piece]:
        seen: set[str] = set()
        for path in self.files():
            if not self.abc_book:
                yield Piece(f"{self.folder}/{path.name}", path)
                continue
            for index, tune in enumerate(abc_tunes(path.read_text(encoding="utf-8", errors="replace")), 1):
                body = _tune_body(tune)
                if body not in seen:
                    seen.add(body)
                    yield Piece(f"{self.folder}/{path.name}#{index}", path, tune)

    def files(self) -> list[Path]:
        """The collection's corpus files, sorted by name, duplicates removed."""
        if self.name == "chorales":
            from music21 import corpus

            found = [corpus.getWork(str(n)) for n in corpus.chorales.Iterator(returnType="filename")]
            return list(dict.fromkeys(Path(str(f[0] if isinstance(f, list) else f)) for f in found))
        root = corpus_root() / self.folder
        files = sorted(p for p in root.iterdir() if p.suffix in self.suffixes)
        stems = {p.stem for p in files if p.suffix != ".mxl"}
        return [p for p in files
                if not (p.suffix == ".mxl" and p.stem in stems) and "_bak" not in p.stem
                and not (self.skip and re.match(self.skip, p.name))]

    def fingerprint_parts(self) -> list[str]:
        """Names and sizes of the source files (for the cache fingerprint)."""
        return [f"{p.name}:{p.stat().st_size}" for p in self.files()]


def corpus_root() -> Path:
    """The folder of music21's bundled corpus."""
    from music21 import corpus

    return Path(str(corpus.getWork("bach/bwv66.6"))).parent.parent


def abc_tunes(text: str) -> list[str]:
    """The tunes of an ABC book, each with the book's header (lines before the first `X:`) in front."""
    starts = [m.start() for m in _TUNE_START.finditer(text)]
    if not starts:
        return []
    header = text[:starts[0]]
    bounds = starts + [len(text)]
    return [header + text[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _tune_body(tune: str) -> str:
    """The music lines of a tune (no header fields, no comments), whitespace removed, for duplicate checks."""
    lines = []
    for line in tune.splitlines():
        line = line.strip()
        if not line or line.startswith("%") or re.match(r"^[A-Za-z]:", line):
            continue
        lines.append(re.sub(r"\s+", "", line))
    return "".join(lines)


def _trecento_language(piece: str) -> str:
    return "la" if _LATIN_TRECENTO.search(piece) else "it"


def _essen_language(piece: str) -> str:
    return "zh" if "/han" in piece else "de"


COLLECTIONS: dict[str, Collection] = {c.name: c for c in (
    Collection("chorales", "bach", (".mxl", ".krn", ".xml"), "de", soprano_only=True),
    Collection("monteverdi", "monteverdi", (".mxl",), "it"),
    Collection("trecento", "trecento", (".xml", ".mxl"), "it", language_rule=_trecento_language),
    Collection("palestrina", "palestrina", (".krn",), "la"),
    Collection("essen", "essenFolksong", (".abc",), "de", abc_book=True, skip=r"test",
               language_rule=_essen_language),
    Collection("ryans", "ryansMammoth", (".abc",), "", abc_book=True),
    Collection("oneills", "oneills1850", (".abc",), "", abc_book=True),
    Collection("airds", "airdsAirs", (".abc",), "", abc_book=True),
    Collection("miscfolk", "miscFolk", (".abc",), "", abc_book=True),
    Collection("nottingham", "nottingham-dataset", (".abc",), "", abc_book=True),
)}
VOCAL = ("chorales", "monteverdi", "trecento", "palestrina")
FOLK = ("essen", "ryans", "oneills", "airds", "miscfolk", "nottingham")
