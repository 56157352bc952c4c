"""Representation mixing (thesis ch. 4.2): per word, characters or phonemes.

Normalised text is split into words and separators (spaces, punctuation).
Separators are always characters; each word is spelled either with its
characters (mask 0) or its ARPAbet phones (mask 1). `MixedSequence` holds three
position-aligned int64 arrays of shape (length,):

    char_ids   character id where mask == 0, else 0 (padding)
    phone_ids  phone id where mask == 1, else 0 (padding)
    mask       1 where the symbol is a phone

so an encoder computes e = (1 - m) * E_c[char_ids] + m * E_p[phone_ids] + E_m[m]
(equations 4.1-4.2). `word_index` (length,) gives each position's word number,
-1 for separators.

Modes: 'chars', 'phones', 'mixed' (each word independently phones with
probability p; p = 0.5 when training) and 'choice' (the caller gives one bool per
word). A word written as an override, "{HH AH0 L OW1}", is phones in every mode.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from regen.core.errors import RegenError
from regen.speech.text.g2p import G2P
from regen.speech.text.normalize import normalize
from regen.speech.text.symbols import CHARS, PHONES, check_phones

MODES = ("chars", "phones", "mixed", "choice")
TOKEN_PATTERN = re.compile(r"\{[^{}]*\}|[a-z]+(?:'[a-z]+)*|.", re.DOTALL)


@dataclass(frozen=True)
class Token:
    """A word (with its pronunciation) or a single separator character."""

    text: str
    phones: tuple[str, ...] | None = None  # None for separators
    forced: bool = False  # pronunciation given inline by the user

    @property
    def is_word(self) -> bool:
        return self.phones is not None


@dataclass
class MixedSequence:
    """Aligned (length,) int64 arrays for the RepMix encoder; see the module docstring."""

    char_ids: np.ndarray
    phone_ids: np.ndarray
    mask: np.ndarray
    word_index: np.ndarray

    def __len__(self) -> int:
        return int(self.mask.shape[0])

    def symbols(self) -> list[str]:
        """The mixed sequence as readable symbols (phones prefixed with '@')."""
        chars, phones = CHARS.decode(self.char_ids), PHONES.decode(self.phone_ids)
        return ["@" + p if m else c for c, p, m in zip(chars, phones, self.mask)]

    def text(self) -> str:
        """Compact form, e.g. 'the @K@AE1@T' for "the cat" with 'cat' as phones."""
        return "".join(self.symbols())


class TextFrontEnd:
    """Normalise -> tokenise -> pronounce -> mix. One instance caches pronunciations."""

    def __init__(self, g2p: G2P | None = None) -> None:
        self.g2p = g2p or G2P()

    def tokens(self, text: str, normalized: bool = False) -> list[Token]:
        """Words with pronunciations and separator characters, in order."""
        clean = text.lower() if normalized else normalize(text, lowercase=True)
        pieces = TOKEN_PATTERN.findall(clean)
        plain = [p for p in pieces if p[0].isalpha()]
        prons = dict(zip(plain, self.g2p.words(plain))) if plain else {}
        out: list[Token] = []
        for piece in pieces:
            if piece.startswith("{"):
                phones = check_phones(piece[1:-1].upper().split(), f"override {piece}")
                if not phones:
                    raise RegenError("empty pronunciation override {}; write phones like {HH AH0 L OW1}")
                out.append(Token(piece, phones, forced=True))
            elif piece[0].isalpha():
                out.append(Token(piece, prons[piece]))
            elif piece in CHARS and piece != CHARS.symbols[0]:
                out.append(Token(piece))
            else:
                raise RegenError(f"character '{piece}' has no id; normalise the text first")
        return out

    def encode(
        self,
        text: str,
        mode: str = "mixed",
        p: float = 0.5,
        rng: np.random.Generator | None = None,
        use_phones: Sequence[bool] | None = None,
        normalized: bool = False,
    ) -> MixedSequence:
        """Text -> MixedSequence in `mode` (see module docstring)."""
        tokens = self.tokens(text, normalized=normalized)
        words = [t for t in tokens if t.is_word]
        choice = self._choose(mode, len(words), p, rng, use_phones)
        chars: list[int] = []
        phones: list[int] = []
        mask: list[int] = []
        index: list[int] = []
        word = 0
        for token in tokens:
            if not token.is_word:
                chars.append(CHARS.id(token.text)), phones.append(0), mask.append(0), index.append(-1)
                continue
            if token.forced or choice[word]:
                ids = PHONES.ids(token.phones or ())
                chars += [0] * len(ids)
                phones += ids
                mask += [1] * len(ids)
            else:
                ids = CHARS.ids(token.text)
                chars += ids
                phones += [0] * len(ids)
                mask += [0] * len(ids)
            index += [word] * len(ids)
            word += 1
        as_array = lambda xs: np.asarray(xs, dtype=np.int64)  # noqa: E731
        return MixedSequence(as_array(chars), as_array(phones), as_array(mask), as_array(index))

    @staticmethod
    def _choose(mode: str, n: int, p: float, rng: np.random.Generator | None,
                use_phones: Sequence[bool] | None) -> list[bool]:
        if mode not in MODES:
            raise RegenError(f"unknown text mode '{mode}'; choose one of {', '.join(MODES)}")
        if mode == "chars":
            return [False] * n
        if mode == "phones":
            return [True] * n
        if mode == "choice":
            if use_phones is None or len(use_phones) != n:
                got = "none" if use_phones is None else len(use_phones)
                raise RegenError(f"mode 'choice' needs one true/false per word: the text has {n} words, got {got}")
            return [bool(b) for b in use_phones]
        if not 0.0 <= p <= 1.0:
            raise RegenError(f"mixing probability must lie in [0, 1], got {p}")
        rng = rng if rng is not None else np.random.default_rng()
        return [bool(b) for b in rng.random(n) < p]


def collate(sequences: Sequence[MixedSequence]) -> dict[str, np.ndarray]:
    """Pad a batch to (batch, max_length) arrays plus 'lengths' (batch,)."""
    longest = max(len(s) for s in sequences)
    batch: dict[str, np.ndarray] = {}
    for key in ("char_ids", "phone_ids", "mask", "word_index"):
        fill = -1 if key == "word_index" else 0
        out = np.full((len(sequences), longest), fill, dtype=np.int64)
        for row, seq in enumerate(sequences):
            out[row, : len(seq)] = getattr(seq, key)
        batch[key] = out
    batch["lengths"] = np.asarray([len(s) for s in sequences], dtype=np.int64)
    return batch
