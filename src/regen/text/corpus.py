"""The sentence corpus of the text task, prepared as the thesis prepares EMNLP2017 News (§8.9).

Source: the King James sentence list of the speech corpus (`regen.speech.data.sentences`,
4-25 words each, in a fixed order). Splits by a hash of each sentence: the speech corpus's
held-out sentences (1 in 50) are the **test** set, a second hash bucket (1 in 50) the
**valid** set, the rest **train**. The vocabulary is the `vocab_size` most frequent tokens
of the train sentences (`regen.text.vocabulary`); as in the thesis, only sentences made
entirely of vocabulary tokens and shorter than `length` tokens are kept (in every split), and
each is padded with [PAD] to `length` (the thesis: at most 51 tokens, length 52), so every row
ends in at least one [PAD].
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import torch

from regen.speech.data.sentences import TEST_MODULUS, sentences
from regen.text.vocabulary import Vocabulary

SPLITS = ("train", "valid", "test")


def split_of(text: str, held_out: bool) -> str:
    """'test' for the speech corpus's held-out sentences, 'valid' for a second hash bucket, else 'train'."""
    if held_out:
        return "test"
    digest = hashlib.sha1(("valid:" + text).encode("utf-8")).hexdigest()
    return "valid" if int(digest[:8], 16) % TEST_MODULUS == 0 else "train"


@dataclass
class TextCorpus:
    """Kept sentences per split (raw text) and the vocabulary built on the train split."""

    vocabulary: Vocabulary
    texts: dict[str, list[str]]
    length: int
    dropped: dict[str, int]

    def tensor(self, split: str) -> torch.Tensor:
        """(sentences, length) int64 token ids of a split, padded with [PAD] (id 0)."""
        out = torch.zeros(len(self.texts[split]), self.length, dtype=torch.long)
        for row, text in enumerate(self.texts[split]):
            ids = self.vocabulary.encode(text)
            out[row, : len(ids)] = torch.tensor(ids)
        return out


@lru_cache(maxsize=4)
def load_corpus(vocab_size: int = 5700, length: int = 52) -> TextCorpus:
    """The prepared corpus (see the module docstring); about a second to build."""
    by_split: dict[str, list[str]] = {s: [] for s in SPLITS}
    for sentence in sentences():
        by_split[split_of(sentence.text, sentence.held_out)].append(sentence.text)
    vocabulary = Vocabulary.train(by_split["train"], vocab_size)
    kept: dict[str, list[str]] = {}
    dropped: dict[str, int] = {}
    for split, texts in by_split.items():
        kept[split] = [t for t in texts if len(vocabulary.tokens(t)) < length and not vocabulary.unknown(t)]
        dropped[split] = len(texts) - len(kept[split])
    return TextCorpus(vocabulary, kept, length, dropped)
