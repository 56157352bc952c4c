"""Phonemes -> words, learned from text alone (the second stage of regeneration ASR).

Two parts, both estimated from text and never from audio:

- `Lexicon`: pronunciation -> words, from the words of the training text (pronounced by the
  project's G2P) and every pronunciation of every entry of the CMU dictionary (134k words, with
  variants such as "tomorrow" as T UW M AA R OW), so the recogniser is not limited to the training
  text's vocabulary. A decoded phone word that is no pronunciation
  gets its nearest pronunciations by phone edit distance (rapidfuzz over one character per
  phone).
- `WordLM`: an interpolated Kneser-Ney bigram model of the training text (discount 0.75) whose
  lower order is the continuation distribution, add-`floor` smoothed over the whole lexicon
  vocabulary, mixed with weight `prior_weight` with the word frequencies of present-day English
  (`english_frequencies`: the `wordfreq` package's English list, counts from books, news,
  subtitles and the web, shipped in its wheel), so dictionary words never seen in the King James
  text get the probability their everyday use gives them ("you" over "ye", "Sunday" over "son day").

`P2G.decode(phone_words)` runs a beam search over word sequences, a word spelling one phone word or
two whose joined pronunciation is exactly its own, scoring `lm_weight * log P_LM - edit_weight * edit distance` per word;
the language model sees the two words before.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from regen.speech.asr.decode import END, START, lm_history
from regen.speech.asr.units import PHONE_UNITS, Transcript, strip_stress, transcript
from regen.speech.text.g2p import cmu_pronunciations
from regen.speech.text.mixing import TextFrontEnd

_PHONE_CHAR = {p: chr(0x100 + i) for i, p in enumerate(PHONE_UNITS.symbols[2:])}


def pron_key(pron: Sequence[str]) -> str:
    """A pronunciation as a string of one character per phone (for fast edit distances)."""
    return "".join(_PHONE_CHAR[p] for p in pron)


class Lexicon:
    """Pronunciation (stress-free phones) -> the words spelled so: most frequent in text first, then
    words without an apostrophe (a possessive is rarer than its plural), then alphabetically."""

    def __init__(self, counts: Counter[str], entries: Iterable[tuple[str, Sequence[str]]]) -> None:
        """`entries`: (word, pronunciation) pairs, a word once per pronunciation it has."""
        by_key: dict[str, list[str]] = defaultdict(list)
        for word, pron in entries:
            if pron and word not in by_key[pron_key(pron)]:
                by_key[pron_key(pron)].append(word)
        self.words = {k: sorted(ws, key=lambda w: (-counts[w], "'" in w, w)) for k, ws in by_key.items()}
        self.keys = list(self.words)

    @property
    def vocabulary(self) -> set[str]:
        """Every word the lexicon can spell."""
        return {w for ws in self.words.values() for w in ws}

    def candidates(self, pron: Sequence[str], k: int = 4) -> list[tuple[str, int]]:
        """Up to `k` pronunciations nearest to `pron` (edit distance in phones, exact first), each with
        its words: [(word, distance), ...]."""
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        found = process.extract(pron_key(pron), self.keys, scorer=Levenshtein.distance, limit=k)
        return [(w, int(dist)) for near, dist, _ in found for w in self.words[near]]


class WordLM:
    """Interpolated Kneser-Ney bigram over words (see the module docstring)."""

    def __init__(self, sentences: Iterable[Sequence[str]], vocabulary: set[str], discount: float = 0.75,
                 floor: float = 0.1, prior: dict[str, float] | None = None, prior_weight: float = 0.0) -> None:
        self.discount = discount
        self.bigrams: Counter[tuple[str, str]] = Counter()
        for words in sentences:
            seq = [START, *words, END]
            self.bigrams.update(zip(seq, seq[1:]))
        self.history: Counter[str] = Counter()
        self.followers: Counter[str] = Counter()
        preceders: Counter[str] = Counter()
        for (a, b), c in self.bigrams.items():
            self.history[a] += c
            self.followers[a] += 1
            preceders[b] += 1
        self.vocabulary = vocabulary | set(preceders)
        total = sum(preceders.values()) + floor * len(self.vocabulary)
        self.base = {w: (preceders[w] + floor) / total for w in self.vocabulary}
        self.unknown = floor / total
        if prior is not None and prior_weight > 0:
            rest = 1.0 - prior_weight
            lowest = min(prior.values())
            self.base = {w: rest * p + prior_weight * prior.get(w, lowest) for w, p in self.base.items()}
            self.unknown = rest * self.unknown + prior_weight * lowest

    def logprob(self, history: Sequence[str], word: str) -> float:
        """Natural log P(word | history), history the words before (most recent last; a bigram reads
        only that one, none: the sentence start)."""
        previous = history[-1] if history else START
        base = self.base.get(word, self.unknown)
        seen = self.history[previous]
        if not seen:
            return math.log(base)
        direct = max(self.bigrams[(previous, word)] - self.discount, 0.0) / seen
        return math.log(direct + self.discount * self.followers[previous] / seen * base)


class EnglishTrigram:
    """The en-us word trigram language model shipped in the `pocketsphinx` wheel (present-day US
    English, estimated from text only)."""

    LOG_BASE = math.log(1.0001)  # pocketsphinx's integer log domain
    ZERO = -(2**28)  # at or below: probability zero (a word outside its vocabulary)

    def __init__(self) -> None:
        from pathlib import Path

        import pocketsphinx

        path = Path(pocketsphinx.get_model_path()) / "en-us" / "en-us.lm.bin"
        self.model = pocketsphinx.NGramModel(pocketsphinx.Config(loglevel="FATAL"), pocketsphinx.LogMath(), str(path))

    def logprob(self, history: Sequence[str], word: str) -> float:
        """Natural log P(word | the last two words of history); -inf for a word it does not know."""
        context = list(history[-2:])[::-1] or [START]  # pocketsphinx reads the history most recent first
        value = self.model.prob([word, *context])
        return value * self.LOG_BASE if value > self.ZERO else -math.inf


class MixedLM:
    """P(word | history) = (1 - weight) * P_domain + weight * P_english: the text's own bigram
    (`WordLM`) and present-day English (`EnglishTrigram`) interpolated linearly, so a word only one
    of them knows keeps that one's probability (scaled)."""

    def __init__(self, domain: WordLM, english: EnglishTrigram, weight: float) -> None:
        if not 0 < weight < 1:
            raise ValueError("the English model's weight must be in (0, 1)")
        self.domain, self.english, self.weight = domain, english, weight
        self.logprob = lru_cache(maxsize=200_000)(self._logprob)

    def _logprob(self, history: tuple[str, ...], word: str) -> float:
        domain = math.log1p(-self.weight) + self.domain.logprob(history, word)
        english = self.english.logprob(history, word)
        if english == -math.inf:
            return domain
        english += math.log(self.weight)
        return max(domain, english) + math.log1p(math.exp(-abs(domain - english)))


@dataclass
class P2G:
    """Lexicon plus language model; `decode` turns per-word phone sequences into words."""

    lexicon: Lexicon
    lm: WordLM | MixedLM
    lm_weight: float = 1.0
    edit_weight: float = 8.0
    beam: int = 16
    neighbours: int = 4

    def __post_init__(self) -> None:
        # the n-best of one utterance repeat most of their phone words: search the lexicon once per word
        self._options = lru_cache(maxsize=4096)(self._search)

    def _search(self, pron: tuple[str, ...]) -> list[tuple[str, float]]:
        return [(w, -self.edit_weight * d) for w, d in self.lexicon.candidates(pron, self.neighbours)]

    def word_options(self, pron: Sequence[str]) -> list[tuple[str, float]]:
        """(word, -edit_weight * phone edit distance) for the words of the pronunciations nearest to `pron`."""
        return self._options(tuple(pron))

    def decode(self, phone_words: Sequence[Sequence[str]]) -> tuple[list[str], float]:
        """(words, score): `spell` without the spans."""
        words, score, _ = self.spell(phone_words)
        return words, score

    def spell(self, phone_words: Sequence[Sequence[str]]) -> tuple[list[str], float, list[int]]:
        """(words, score, spans): the best words for the phone words under the LM, each word spelling one
        phone word or, when their joined pronunciation is exactly a word's, two adjacent ones (the
        recogniser may split a compound, "birth day" for "birthday"; `spans` says how many each word
        spells); score = lm_weight * log P_LM (each word given the two before, and the end of sentence)
        - edit_weight * summed edit distances. A beam of `beam` hypotheses per number of phone words
        consumed."""
        n = len(phone_words)
        beams: dict[int, list[tuple[float, list[str], list[int]]]] = {0: [(0.0, [], [])]}
        for i in range(n):
            current = sorted(beams.pop(i, []), key=lambda b: -b[0])[: self.beam]
            for span in (1, 2)[: n - i]:
                pron = tuple(p for word in phone_words[i: i + span] for p in word)
                options = [(w, edit) for w, edit in self.word_options(pron) if span == 1 or edit == 0]
                beams.setdefault(i + span, []).extend(
                    (score + edit + self.lm_weight * self.lm.logprob(lm_history(words), w), [*words, w], [*spans, span])
                    for score, words, spans in current for w, edit in options)
        done = [(s + self.lm_weight * self.lm.logprob(lm_history(ws), END), ws, sp)
                for s, ws, sp in beams.get(n, [(0.0, [], [])])]
        score, words, spans = max(done, key=lambda b: b[0])
        return words, score, spans


def training_texts(limit: int | None = None, extra: tuple[str, ...] = ()) -> list[str]:
    """The text P2G learns from: the King James sentences of the corpus builder (first `limit`), then
    every sentence of the `extra` text sources ('austen'), held-out ones removed."""
    from regen.speech.data.sentences import text_sentences

    return [t for i, source in enumerate(("bible", *extra)) for t in text_sentences(source, None if i else limit)]


def english_frequencies(vocabulary: Iterable[str]) -> dict[str, float]:
    """Each word's frequency in present-day English (the `wordfreq` package), normalised over
    `vocabulary`; 1e-9 for a word it does not list or reads as another token (wordfreq strips a
    trailing apostrophe, so "this'" would get the frequency of "this")."""
    from wordfreq import tokenize, word_frequency

    freq = {w: word_frequency(w, "en", minimum=1e-9) if tokenize(w, "en") == [w] else 1e-9 for w in vocabulary}
    total = sum(freq.values())
    return {w: f / total for w, f in freq.items()}


@lru_cache(maxsize=4)
def build_p2g(limit: int | None = None, prior_weight: float = 0.0, extra: tuple[str, ...] = (),
              english_lm: float = 0.0) -> P2G:
    """The P2G of `training_texts(limit, extra)` and the CMU dictionary, its LM's lower order mixed with
    present-day English word frequencies by `prior_weight`, the whole LM interpolated with
    `EnglishTrigram` by `english_lm` (0: not) (built once per process, a few seconds)."""
    front_end = TextFrontEnd()
    scripts: list[Transcript] = [transcript(t, front_end) for t in training_texts(limit, extra)]
    counts: Counter[str] = Counter(w for s in scripts for w in s.words)
    entries = [(w, strip_stress(p)) for w, variants in cmu_pronunciations().items() if w.replace("'", "").isalpha()
               for p in variants]
    entries += [(w, p) for s in scripts for w, p in zip(s.words, s.prons)]
    lexicon = Lexicon(counts, entries)
    prior = english_frequencies(lexicon.vocabulary) if prior_weight > 0 else None
    lm: WordLM | MixedLM = WordLM((s.words for s in scripts), lexicon.vocabulary, prior=prior, prior_weight=prior_weight)
    if english_lm > 0:
        lm = MixedLM(lm, EnglishTrigram(), english_lm)
    return P2G(lexicon, lm)
