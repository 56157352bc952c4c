"""Drawing many sentences: in chunks under a progress bar, and never an empty one.

A sample "says nothing" when it decodes to no word: it starts with [PAD] (the sentence end), or
holds only specials and punctuation. `draw_sentences` draws such rows again, a bounded number of
times, each time from another seed stream, and leaves out (and counts) the rows that still say
nothing, so a caller can say so in one line instead of writing an empty one.

Seeds: chunk c of a draw with seed s uses s itself for c = 0 (so a small draw is the single batch
it always was) and an independent stream of (s, c) after it; redraw a uses the stream (s, 0, a).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import torch

from regen.core.progress import progress
from regen.text.vocabulary import SPECIALS, Vocabulary

CHUNK = 16
"""Rows drawn per batch: a few seconds on one CPU core for the shipped models."""
REDRAWS = 8

Draw = Callable[[torch.Tensor, int], tuple[torch.Tensor, torch.Tensor | None]]
"""draw(rows (k,) indices of the requested rows, seed) -> (sentences (k, length), templates (k, length)
or None); row i of the result answers request rows[i] (rows matter where requests differ: keyword sets)."""


def says_nothing(vocabulary: Vocabulary, ids: Iterable[int]) -> bool:
    """Whether the row (length,) of token ids decodes to no word: nothing before its first [PAD], or only
    specials and punctuation (no letter or digit)."""
    return not any(any(c.isalnum() for c in token) for token in vocabulary.sentence(ids) if token not in SPECIALS)


def derived_seed(seed: int, *keys: int) -> int:
    """An independent seed for the stream `keys` of `seed` (numpy's SeedSequence), in [0, 2**32)."""
    return int(np.random.SeedSequence([seed, *keys]).generate_state(1)[0])


def draw_in_chunks(draw: Draw, rows: torch.Tensor, seed: int, desc: str) -> tuple[torch.Tensor, torch.Tensor | None]:
    """`draw` for request `rows` (n,) in chunks of `CHUNK`, under a bar of sentences when there is more
    than one chunk: (sentences (n, length), templates (n, length) or None)."""
    parts: list[tuple[torch.Tensor, torch.Tensor | None]] = []
    chunks = list(torch.split(rows, CHUNK))
    with progress(total=len(rows), desc=desc, unit="sentence", enabled=len(chunks) > 1) as bar:
        for c, chunk in enumerate(chunks):
            parts.append(draw(chunk, derived_seed(seed, c) if c else seed))
            bar.update(len(chunk))
    sentences = torch.cat([p[0] for p in parts])
    templates = None if parts[0][1] is None else torch.cat([p[1] for p in parts])  # type: ignore[misc]
    return sentences, templates


@dataclass
class Sentences:
    """Sentences that say something (k, length), their templates (k, length) or None, and the request rows
    (k,) they answer, of the `requested` n (the others still said nothing after `REDRAWS` redraws)."""

    sentences: torch.Tensor
    templates: torch.Tensor | None
    rows: torch.Tensor
    requested: int

    @property
    def missing(self) -> int:
        """Requested rows left out: they said nothing every time."""
        return self.requested - len(self.rows)

    def note(self) -> str:
        """One line for the user about the rows left out ('' when none is)."""
        if not self.missing:
            return ""
        return (f"note: {self.missing} of {self.requested} samples decoded to no word (only [PAD] or "
                f"punctuation) {REDRAWS + 1} times over; left out")


def draw_sentences(draw: Draw, vocabulary: Vocabulary, n: int, seed: int, desc: str) -> Sentences:
    """`n` sentences by `draw` (in chunks, under a bar), each row that says nothing drawn again up to
    `REDRAWS` times from a fresh seed stream; rows still empty are left out and counted."""
    sentences, templates = draw_in_chunks(draw, torch.arange(n), seed, desc)
    empty = torch.tensor([says_nothing(vocabulary, row.tolist()) for row in sentences], dtype=torch.bool)
    for attempt in range(1, REDRAWS + 1):
        if not empty.any():
            break
        again = empty.nonzero().squeeze(1)
        fresh, fresh_templates = draw_in_chunks(draw, again, derived_seed(seed, 0, attempt), f"{desc} (again)")
        sentences[again] = fresh
        if templates is not None and fresh_templates is not None:
            templates[again] = fresh_templates
        empty[again] = torch.tensor([says_nothing(vocabulary, row.tolist()) for row in fresh], dtype=torch.bool)
    kept = (~empty).nonzero().squeeze(1)
    return Sentences(sentences[kept], None if templates is None else templates[kept], kept, n)
