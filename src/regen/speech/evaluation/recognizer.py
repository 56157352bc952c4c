"""An off-the-shelf recogniser to score intelligibility: PocketSphinx's US English models.

Not part of any regen system: it only listens. Its word error rate on synthesised
speech, set beside its word error rate on the recordings the models learned from,
says how much of the text a listener who never heard the voice can still recover.
PocketSphinx ships its acoustic model, dictionary and language model inside the
wheel, so nothing is downloaded.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from regen.speech.data.audio import resample

RATE = 16_000  # the bundled en-us acoustic model's sample rate


class SphinxRecognizer:
    """transcribe(wave (samples,) float in [-1, 1], sample_rate) -> lower-case words."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        self.decoder = Decoder(loglevel="FATAL")

    def transcribe(self, wave: np.ndarray, sample_rate: int) -> str:
        audio = resample(np.asarray(wave, dtype=np.float32), sample_rate, RATE)
        pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        self.decoder.start_utt()
        self.decoder.process_raw(pcm, full_utt=True)
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        return hyp.hypstr if hyp is not None else ""


@lru_cache(maxsize=1)
def recognizer() -> SphinxRecognizer:
    """One shared recogniser per process (loading the models takes about a second)."""
    return SphinxRecognizer()
