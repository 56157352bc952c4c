import shutil

import numpy as np
import pytest

from regen.speech.features.measures import word_error_rate
from regen.speech.evaluation.recognizer import recognizer

from ..conftest import SENTENCES, tone


def test_recognises_festival_speech_and_hears_no_words_in_a_tone() -> None:
    if shutil.which("festival") is None:
        pytest.skip("festival is not installed")
    from regen.speech.data.voices import parse_voice

    texts = [s.normalized for s in SENTENCES]
    utterances = list(parse_voice("festival:slt").synthesize(texts))
    wer = [word_error_rate(t, recognizer().transcribe(u.audio, u.sample_rate)) for t, u in zip(texts, utterances)]
    assert float(np.mean(wer)) < 0.4, wer  # about 0.17 for these five sentences
    assert word_error_rate(texts[0], recognizer().transcribe(tone(2.0), 22050)) == 1.0
