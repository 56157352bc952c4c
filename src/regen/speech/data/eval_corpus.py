"""Held-out recordings to evaluate a checkpoint on when its training corpus is not on this machine.

A speech checkpoint's config names the corpus it learned from (`data.corpus`, e.g. data/corpus-slt),
which a fresh clone does not have. `evaluation_items` then records the first held-out King James
sentences (`regen.speech.data.sentences.held_out_sentences`: hashed out of every training list,
whatever its size) in the corpus's voice (`data.voice`) with the corpus builder, into the cache
folder (`regen.core.cache`: speech/eval-held-out-<voice>), once and with a progress bar; later runs
read them back, and a run that asks for more sentences extends the set. The same sentences in the
same voice are the ones a built corpus holds out, so the metrics keep their meaning; the result
names the set (`eval_set`) either way.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from regen.core.cache import cache_dir
from regen.core.errors import RegenError
from regen.speech.data.load import CARD, Item, LoadReport, read_card
from regen.speech.data.sentences import LICENCE, SOURCE, held_out_sentences
from regen.speech.data.voices import parse_voice
from regen.speech.features.mel import MelConfig
from regen.speech.vocoder.data import load_items

EVAL_RATE = 22050  # the rate the shipped corpora were built at (the builder's default)


def evaluation_items(corpus: str | Path, voice: str, mel: MelConfig, n: int,
                     held_out: Callable[[LoadReport], list[Item]], progress: bool = True) -> tuple[list[Item], str]:
    """(up to `n` held-out items, a description of the set): `held_out(report)` of `corpus` when it is
    a folder here, else the first `n` held-out sentences read by `voice` (built on first use)."""
    if Path(corpus).is_dir():
        items = held_out(load_items(corpus, mel))[:n]
        return items, f"{len(items)} held-out utterances of corpus {corpus}"
    root = build_held_out_set(voice, n, progress, reason=f"data.corpus {corpus} is not here")
    wanted = [s.id for s in held_out_sentences(n)]
    by_id = {item.id: item for item in load_items(root, mel).items}
    missing = [i for i in wanted if i not in by_id]
    if missing:
        raise RegenError(f"the evaluation set in {root} lacks {len(missing)} sentence(s) (e.g. {missing[0]}); "
                         "delete the folder and run again to rebuild it")
    name = f"{n} held-out King James sentences read by {voice} (built into the cache; data.corpus {corpus} not found)"
    return [by_id[i] for i in wanted], name


def held_out_set_dir(voice: str) -> Path:
    """The cache folder of `voice`'s evaluation set (a corpus root of the builder)."""
    return cache_dir("speech", f"eval-held-out-{voice.replace(':', '-').replace('/', '-')}")


def build_held_out_set(voice: str, n: int, progress: bool = True, reason: str = "") -> Path:
    """The corpus root holding at least the first `n` held-out sentences read by `voice`: built
    (or extended) now, with a note on stderr, unless it already is. Returns its folder."""
    from regen.speech.data.build import build_corpus

    root = held_out_set_dir(voice)
    if (root / CARD).is_file():
        card = read_card(root)
        if card.get("complete") and card.get("sentences_requested", 0) >= n:
            return root
    chosen = held_out_sentences(n)
    why = f"{reason}: " if reason else ""
    print(f"{why}recording {len(chosen)} held-out sentences with {voice} into {root} (once; reused afterwards)",
          file=sys.stderr, flush=True)
    parse_voice(voice)  # a voice that is not installed fails here, before any folder is made
    fresh = not root.exists()
    try:
        build_corpus(root, [voice], chosen, EVAL_RATE, mel_config=None, source=SOURCE, licence=LICENCE,
                     progress=progress)
    except RegenError:
        if fresh:
            shutil.rmtree(root, ignore_errors=True)
        raise
    return root
