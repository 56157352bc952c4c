"""Word- or character-level vocabulary with the `tokenizers` library, storable as a tensor.

At word level, tokens are words (letters, digits and inner apostrophes: "Herod's") and single
punctuation marks; at character level (the text8 shape), single characters, the space included.
Both are found by a `tokenizers` regex pre-tokenizer; the vocabulary is the most frequent
tokens of the training text after two specials, [PAD] (id 0, fills sentences to their fixed
length) and [UNK]. For checkpoints the vocabulary travels inside the safetensors weights as
a (size, MAX_CHARS) int32 tensor of Unicode code points (`to_codes` / `from_codes`), so a
checkpoint needs no pickled or side-car tokenizer file.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from typing import Literal

import torch
from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers
from torch import nn

from regen.core.errors import RegenError

PAD, UNK = "[PAD]", "[UNK]"
PAD_ID = 0  # [PAD] is the first word of every vocabulary
SPECIALS = (PAD, UNK)
MAX_CHARS = 32
TOKEN_PATTERN = r"[\w']+|[^\w\s]"
Level = Literal["word", "char"]
_ATTACH_LEFT = re.compile(r" ([,.;:?!)\]])")
_ATTACH_RIGHT = re.compile(r"([(\[]) ")


def _tokenizer(vocab: dict[str, int], level: Level) -> Tokenizer:
    tok = Tokenizer(models.WordLevel(vocab, unk_token=UNK))
    if level == "char":
        tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    else:
        tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(),
                                                     pre_tokenizers.Split(Regex(TOKEN_PATTERN), behavior="isolated")])
    return tok


class Vocabulary:
    """Token <-> id mapping of `words` (ids in list order; the specials first) at `level`."""

    def __init__(self, words: Sequence[str], level: Level = "word") -> None:
        if tuple(words[:2]) != SPECIALS:
            raise ValueError(f"a vocabulary starts with {SPECIALS}")
        self.words = list(words)
        self.level = level
        self.ids = {w: i for i, w in enumerate(self.words)}
        self._tok = _tokenizer(self.ids, level)

    @classmethod
    def train(cls, texts: Iterable[str], size: int, level: Level = "word") -> "Vocabulary":
        """The `size` most frequent tokens of `texts` (specials included in the count)."""
        tok = _tokenizer({PAD: 0, UNK: 1}, level)
        tok.train_from_iterator(texts, trainers.WordLevelTrainer(vocab_size=size, special_tokens=list(SPECIALS),
                                                                 show_progress=False))
        vocab = tok.get_vocab()
        return cls(sorted(vocab, key=vocab.__getitem__), level)

    def __len__(self) -> int:
        return len(self.words)

    @property
    def pad(self) -> int:
        """The id of [PAD]."""
        return PAD_ID

    @property
    def unk(self) -> int:
        return 1

    def tokens(self, text: str) -> list[str]:
        """The tokens of `text` as the pre-tokenizer splits it (in or out of the vocabulary)."""
        return [piece for piece, _ in self._tok.pre_tokenizer.pre_tokenize_str(text)]

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`; tokens outside the vocabulary become [UNK]."""
        return self._tok.encode(text).ids

    def unknown(self, text: str) -> list[str]:
        """Tokens of `text` that the vocabulary lacks."""
        return [t for t in self.tokens(text) if t not in self.ids]

    def sentence(self, ids: Iterable[int]) -> list[str]:
        """The tokens of `ids` up to the first [PAD], which ends a sentence."""
        return [self.words[i] for i in itertools.takewhile(lambda i: i != self.pad, ids)]

    def decode(self, ids: Iterable[int]) -> str:
        """Readable text up to the first [PAD] (the end of the sentence: a token after it is not read, so a
        sample with a [PAD] inside shows as the shorter sentence it is); characters joined, or words joined
        by spaces with punctuation attached to its word."""
        words = self.sentence(ids)
        if self.level == "char":
            return "".join(words)
        return _ATTACH_RIGHT.sub(r"\1", _ATTACH_LEFT.sub(r"\1", " ".join(words)))

    def to_codes(self, size: int | None = None) -> torch.Tensor:
        """(size, MAX_CHARS) int32 code points, zero-padded; rows past the words stay zero."""
        size = size or len(self)
        if size < len(self):
            raise ValueError(f"{len(self)} words do not fit {size} rows")
        codes = torch.zeros(size, MAX_CHARS, dtype=torch.int32)
        for row, word in enumerate(self.words):
            if len(word) > MAX_CHARS:
                raise ValueError(f"token {word[:12]!r}... is longer than {MAX_CHARS} characters")
            codes[row, : len(word)] = torch.tensor([ord(c) for c in word], dtype=torch.int32)
        return codes

    @classmethod
    def from_codes(cls, codes: torch.Tensor, level: Level = "word") -> "Vocabulary":
        """Inverse of `to_codes`; all-zero rows end the vocabulary."""
        words = []
        for row in codes.tolist():
            word = "".join(chr(c) for c in row if c)
            if not word:
                break
            words.append(word)
        return cls(words, level)


class StoredVocabulary(nn.Module):
    """The vocabulary of a model, kept in its weights as the buffer `codes` (size, MAX_CHARS)."""

    def __init__(self, size: int, level: Level = "word") -> None:
        super().__init__()
        self.size, self.level = size, level
        self.register_buffer("codes", torch.zeros(size, MAX_CHARS, dtype=torch.int32))
        self._cached: Vocabulary | None = None

    def set(self, vocabulary: Vocabulary) -> None:
        """Store `vocabulary`; it must have exactly `size` tokens."""
        if len(vocabulary) != self.size:
            raise RegenError(f"the corpus gives {len(vocabulary)} tokens but the config asks for "
                             f"data.vocab_size={self.size}; set data.vocab_size={len(vocabulary)}")
        self.codes.copy_(vocabulary.to_codes())
        self._cached = vocabulary

    def get(self) -> Vocabulary:
        """The stored vocabulary; RegenError for a model never trained."""
        if self._cached is None:
            if not bool(self.codes.any()):
                raise RegenError("this text model holds no vocabulary; train it or load a trained checkpoint")
            self._cached = Vocabulary.from_codes(self.codes, self.level)
        return self._cached

    def _load_from_state_dict(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super()._load_from_state_dict(*args, **kwargs)
        self._cached = None  # new weights, maybe a new vocabulary


class VocabularyOwner:
    """Mixin of the text models: the vocabulary they hold in `stored_vocabulary`."""

    stored_vocabulary: StoredVocabulary

    def set_vocabulary(self, vocabulary: Vocabulary) -> None:
        """Store the corpus's vocabulary in the weights (it must have `vocab_size` tokens)."""
        self.stored_vocabulary.set(vocabulary)

    @property
    def vocabulary(self) -> Vocabulary:
        """The tokens the weights were trained on."""
        return self.stored_vocabulary.get()
