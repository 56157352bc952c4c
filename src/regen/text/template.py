"""Templates and keywords of sentences: the Y' and the X of template regeneration (paper Table 2,
"Text/Knowledge -> Template -> Text").

**Keywords** (X): the sentence's `keywords` rarest content words by training frequency, in
sentence order, padded with [PAD].

**Template** (Y'): the sentence with its function words and its keywords kept in place and
every other content word replaced by a slot class. Function words are the `function_words`
most frequent training tokens (punctuation included); the classes are learned without labels:
each content word is described by which function words stand right before and after it in the
training text (log counts, normalised), and k-means (scikit-learn) groups those profiles into
`classes` slot classes ([C0], [C1], ...), so a class gathers words used alike (names, verbs
after "shall", ...). The template is computed from the sentence alone (its keywords are too),
so the renderer template -> sentence learns from unpaired text, and the converter keywords ->
template only has to place the keywords in a sentence shape. The word map and the training
frequencies are stored in the weights (`TemplateAbstraction.table`, `.frequency`).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import torch
from sklearn.cluster import KMeans

from regen.core.abstraction import Abstraction
from regen.core.space import Space
from regen.text.vocabulary import Vocabulary


def template_words(words: list[str], classes: int) -> list[str]:
    """The template vocabulary: the sentence vocabulary `words` (function words and kept keywords
    keep their ids), then the slot classes."""
    return [*words, *(f"[C{k}]" for k in range(classes))]


def fit_template_table(rows: torch.Tensor, vocab: Vocabulary, function_words: int, classes: int,
                       seed: int = 0) -> tuple[torch.Tensor, list[str]]:
    """Learn the word -> template-token map from training sentences rows (n, length).

    Returns the table (len(vocab),) int64 of template ids and the template vocabulary. Sentence
    ids 0..function_words+1 (the specials and the most frequent tokens: a trained `Vocabulary` is
    sorted by frequency) map to themselves; every other word to its class token (ids from len(vocab)).
    """
    n_keep = 2 + function_words
    n_content = len(vocab) - n_keep
    if n_content < classes:
        raise ValueError(f"{n_content} content words cannot fill {classes} classes")
    left = torch.nn.functional.pad(rows[:, :-1], (1, 0))  # the token before each position (PAD at the start)
    right = torch.nn.functional.pad(rows[:, 1:], (0, 1))
    content = rows >= n_keep
    features = np.zeros((n_content, 2 * n_keep), dtype=np.float64)
    for neighbour, offset in ((left, 0), (right, n_keep)):
        usable = content & (neighbour < n_keep)
        words = (rows[usable] - n_keep).numpy()
        np.add.at(features, (words, neighbour[usable].numpy() + offset), 1.0)
    features = np.log1p(features)
    features /= np.linalg.norm(features, axis=1, keepdims=True).clip(min=1e-9)
    labels = KMeans(classes, n_init=4, random_state=seed).fit_predict(features)
    table = torch.arange(len(vocab))
    table[n_keep:] = torch.from_numpy(labels).long() + len(vocab)
    return table, template_words(vocab.words, classes)


class TemplateAbstraction(Abstraction):
    """Sentence tokens (batch, length) -> template tokens (batch, length): each row's keywords (ids
    >= `first_content`, the `keywords` rarest by `frequency`) kept, every other word through `table`."""

    def __init__(self, vocab_size: int, classes: int, length: int, first_content: int, keywords: int) -> None:
        super().__init__()
        self.vocab_size, self.template_size, self.length = vocab_size, vocab_size + classes, length
        self.first_content, self.keywords = first_content, keywords
        self.register_buffer("table", torch.zeros(vocab_size, dtype=torch.long))
        self.register_buffer("frequency", torch.zeros(vocab_size, dtype=torch.long))

    def set_table(self, table: torch.Tensor, frequency: torch.Tensor) -> None:
        """The word -> template map (vocab,) and the training counts (vocab,) that rank keywords."""
        if table.shape != (self.vocab_size,) or int(table.max()) >= self.template_size:
            raise ValueError(f"a template table maps {self.vocab_size} words to ids below {self.template_size}")
        if frequency.shape != (self.vocab_size,):
            raise ValueError(f"frequency must hold one count per word ({self.vocab_size})")
        self.table.copy_(table)
        self.frequency.copy_(frequency)

    @property
    def space(self) -> Space:
        return Space("text-template", "discrete", (self.length,), self.template_size)

    @property
    def target_space(self) -> Space:
        return Space("text-tokens", "discrete", (self.length,), self.vocab_size)

    def encode(self, y: torch.Tensor) -> torch.Tensor:
        keep = keyword_mask(y, self.frequency, self.first_content, self.keywords)
        return torch.where(keep, y, self.table[y])


def keyword_mask(rows: torch.Tensor, frequency: torch.Tensor, first_content: int, keywords: int) -> torch.Tensor:
    """Bool (n, length): the positions of each row's keywords (every occurrence of its `keywords`
    rarest distinct content words; ranked by (`frequency`, id) as `keyword_rows` ranks them)."""
    content = rows >= first_content
    never = torch.iinfo(torch.long).max
    score = torch.where(content, frequency[rows] * len(frequency) + rows, never)
    ordered = score.sort(-1).values
    new = torch.ones_like(ordered, dtype=torch.bool)
    new[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    rank = (new & (ordered != never)).cumsum(-1)  # distinct content words seen so far, rarest first
    last = torch.where(rank <= keywords, ordered, -1).max(-1, keepdim=True).values  # the k-th rarest's score
    return content & (score <= last)


def keyword_rows(rows: torch.Tensor, frequency: torch.Tensor, first_content: int, keywords: int) -> torch.Tensor:
    """The keywords (n, keywords) of sentences rows (n, length): each row's `keywords` rarest distinct
    content words (ids >= first_content; `frequency` (vocab,) their training counts), in sentence
    order, [PAD]-padded."""
    out = torch.zeros(len(rows), keywords, dtype=torch.long)
    for r, row in enumerate(rows.tolist()):
        seen = list(dict.fromkeys(t for t in row if t >= first_content))
        rare = set(sorted(seen, key=lambda t: (int(frequency[t]), t))[:keywords])
        chosen = [t for t in seen if t in rare]
        out[r, : len(chosen)] = torch.tensor(chosen, dtype=torch.long)
    return out


def token_frequency(rows: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """(vocab_size,) counts of every token in rows."""
    counts = Counter(rows.flatten().tolist())
    return torch.tensor([counts.get(i, 0) for i in range(vocab_size)], dtype=torch.long)
