"""A codec trained a few steps on the session's tiny espeak corpus, shared by the codec tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from regen.core.run_config import load_run_config
from regen.train.run import train_run

CODEC = {"dim": 16, "hidden": 32, "encoder_blocks": 1, "decoder_blocks": 1, "code_dim": 8, "codebooks": 2,
         "codebook_size": 16}


@pytest.fixture(scope="module")
def codec(espeak_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    overrides = [f"model.{k}={v}" for k, v in CODEC.items()] + [
        "phases.codec.batch_size=2", "phases.codec.max_steps=3", "data.chunk_frames=16", "data.chunks_per_utterance=1",
        "data.stats_utterances=4", "data.valid_utterances=1", "trainer.progress=false", f"data.corpus={espeak_corpus}"]
    run = tmp_path_factory.mktemp("codec")
    return train_run(load_run_config("speech/codec-tiny", overrides), run / "run", out=run / "ckpt", evaluate=False)
