"""The sentence corpus of the text task, prepared as the thesis prepares EMNLP2017 News (§8.9).

Source: the King James sentence list of the speech corpus (`regen.speech.data.sentences`,
4-25 words each, in a fixed order). Splits by a hash of each sentence: the speech corpus's
held-out sentences (1 in 50) are the **test** set, a second hash bucket (1 in 50) the
**valid** set, the rest **train**. The vocabulary is the `vocab_size` most frequent tokens
of the train sentences (`regen.text.vocabulary`); as in the thesis, only sentences made
entirely of vocabulary tokens and shorter than `length` tokens are kept (in every split), and
each is padded with [PAD] to `length` (the thesis: at most 51 tokens, length 52), so every row
ends in at least one [PAD].

The **character level** (`level="char"`) is the text8 shape built from the same splits: each
sentence lower-cased, every run of characters outside a-z made one space, the sentences of a
split joined by spaces into one stream and cut into windows of `length` characters (27 symbols:
a-z and the space, plus the two specials that no window uses).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

import torch

from regen.speech.data.sentences import TEST_MODULUS, sentences
from regen.text.vocabulary import Level, Vocabulary

SPLITS = ("train", "valid", "test")


def split_of(text: str, held_out: bool) -> str:
    """'test' for the speech corpus's held-out sentences, 'valid' for a second hash bucket, else 'train'."""
    if held_out:
        return "test"
    digest = hashlib.sha1(("valid:" + text).encode("utf-8")).hexdigest()
    return "valid" if int(digest[:8], 16) % TEST_MODULUS == 0 else "train"


@dataclass
class TextCorpus:
    """Kept sentences (or character windows) per split and the vocabulary built on the train split."""

    vocabulary: Vocabulary
    texts: dict[str, list[str]]
    length: int
    dropped: dict[str, int]

    def tensor(self, split: str) -> torch.Tensor:
        """(rows, length) int64 token ids of a split, padded with [PAD] (id 0)."""
        out = torch.zeros(len(self.texts[split]), self.length, dtype=torch.long)
        for row, text in enumerate(self.texts[split]):
            ids = self.vocabulary.encode(text)
            out[row, : len(ids)] = torch.tensor(ids)
        return out


def char_windows(texts: list[str], length: int) -> list[str]:
    """text8-style windows: lower-cased sentences, runs outside a-z made one space, joined by spaces
    and cut into consecutive `length`-character windows (a shorter tail is dropped)."""
    stream = " ".join(re.sub(r"[^a-z]+", " ", t.lower()).strip() for t in texts)
    return [stream[i: i + length] for i in range(0, len(stream) - length + 1, length)]


@lru_cache(maxsize=4)
def load_corpus(vocab_size: int = 5700, length: int = 52, level: Level = "word") -> TextCorpus:
    """The prepared corpus (see the module docstring); a few seconds to build."""
    by_split: dict[str, list[str]] = {s: [] for s in SPLITS}
    for sentence in sentences():
        by_split[split_of(sentence.text, sentence.held_out)].append(sentence.text)
    if level == "char":
        windows = {split: char_windows(texts, length) for split, texts in by_split.items()}
        vocabulary = Vocabulary.train(windows["train"], vocab_size, level)
        return TextCorpus(vocabulary, windows, length, {split: 0 for split in SPLITS})
    vocabulary = Vocabulary.train(by_split["train"], vocab_size)
    kept: dict[str, list[str]] = {}
    dropped: dict[str, int] = {}
    for split, texts in by_split.items():
        kept[split] = [t for t in texts if len(vocabulary.tokens(t)) < length and not vocabulary.unknown(t)]
        dropped[split] = len(texts) - len(kept[split])
    return TextCorpus(vocabulary, kept, length, dropped)
