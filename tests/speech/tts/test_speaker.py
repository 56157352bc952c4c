"""Text -> speech with the shipped tiny checkpoints: the speech Regenerator, phrases, alignments, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from regen.core.assets import asset_path
from regen.core.errors import RegenError
from regen.speech.tts.rerank import inspect_alignment
from regen.speech.tts.speaker import Speaker, alignment_success, split_long, text_pieces

SENTENCE = "And the Lord spake unto Moses, saying: speak unto the children."


@pytest.fixture(scope="module")
def repmix() -> Speaker:
    return Speaker.from_checkpoints(asset_path("speech", "repmix-tiny"), "gl", iterations=8)


def test_text_pieces_split_sentences_and_phrases() -> None:
    assert text_pieces("One, two. Three!", phrases=True) == [("One,", 0.15), ("two.", 0.3), ("Three!", 0.3)]
    assert text_pieces("One, two. Three!", phrases=False) == [("One, two.", 0.3), ("Three!", 0.3)]
    with pytest.raises(RegenError, match="empty text"):
        text_pieces("  \n ", phrases=True)


def test_long_pieces_are_cut_at_word_boundaries_into_near_equal_parts() -> None:
    long = "And Arphaxad lived after he begat Salah four hundred and three years"  # 68 characters
    parts = split_long(long, 40)
    assert parts == ["And Arphaxad lived after he begat", "Salah four hundred and three years"]
    assert split_long("one two three", 40) == ["one two three"] and split_long("Mahershalalhashbaz", 5) == ["Mahershalalhashbaz"]
    assert [len(p) <= 12 for p in split_long("aa bb cc dd ee ff gg hh ii", 12)] == [True] * 3
    pieces = text_pieces(long + ", and begat sons.", phrases=True, max_chars=40)
    assert pieces == [(parts[0], 0.05), (parts[1] + ",", 0.15), ("and begat sons.", 0.3)]


def test_alignment_success_needs_a_clean_diagonal() -> None:
    diagonal = torch.eye(6).repeat_interleave(3, 0)  # 18 steps, 6 symbols, 3 steps each
    assert alignment_success(inspect_alignment(diagonal, 18, 6), stopped=True, tokens=6)
    assert not alignment_success(inspect_alignment(diagonal, 18, 6), stopped=False, tokens=6)
    back = torch.cat([diagonal[:15], diagonal[3:]])  # returns to symbol 1 after symbol 4: repeats 3 symbols
    assert not alignment_success(inspect_alignment(back, 30, 6), stopped=True, tokens=6)
    stuck = torch.zeros(18, 6)
    stuck[:, 0] = 1.0  # never leaves the first symbol
    assert not alignment_success(inspect_alignment(stuck, 18, 6), stopped=True, tokens=6)
    skipping = torch.zeros(18, 6)
    skipping[:9, 0], skipping[9:, 5] = 1.0, 1.0  # jumps from the first to the last symbol
    assert not alignment_success(inspect_alignment(skipping, 18, 6), stopped=True, tokens=6)


def test_regenerator_composes_converter_and_renderer(repmix: Speaker) -> None:
    reg = repmix.regenerator
    assert reg.converter.output_space.matches(reg.abstraction.space)
    assert reg.renderer.input_space.matches(reg.abstraction.space)


def test_say_gives_plausible_reproducible_speech(repmix: Speaker) -> None:
    speech = repmix.say(SENTENCE, seed=3)
    assert [p.text for p in speech.phrases] == ["And the Lord spake unto Moses,", "saying:", "speak unto the children."]
    assert speech.mel is not None and speech.mel.shape[1] == 80
    # festival's slt reads this in about 3.6 s; a model that never stops or stops at once fails these bounds
    assert 1.5 < speech.seconds < 8.0, speech.seconds
    assert np.isfinite(speech.wave).all() and 0.01 < float(np.abs(speech.wave).max()) <= 1.0
    again = repmix.say(SENTENCE, seed=3)
    assert np.array_equal(again.wave, speech.wave)
    other = repmix.say(SENTENCE, seed=4)
    assert not np.array_equal(other.mel, speech.mel)  # prenet dropout stays on at inference
    block = speech.alignment()
    steps = sum(p.alignment.shape[0] for p in speech.phrases)
    assert block.shape == (steps, sum(len(p.symbols) for p in speech.phrases))


def test_input_modes_change_the_symbols(repmix: Speaker) -> None:
    chars = repmix.say("The children of Israel.", input_mode="chars")
    phones = repmix.say("The children of Israel.", input_mode="phones")
    assert not any(s.startswith("@") for s in chars.phrases[0].symbols)
    assert all(s.startswith("@") or not s.isalpha() for s in phones.phrases[0].symbols)
    with pytest.raises(RegenError, match="unknown input mode"):
        repmix.say("The children.", input_mode="ipa")


@pytest.mark.parametrize("text", ["", "   ", "!!! ... ?"])
def test_unspeakable_text_is_a_user_error(repmix: Speaker, text: str) -> None:
    with pytest.raises(RegenError, match="empty text|nothing speakable"):
        repmix.say(text)


@pytest.mark.parametrize("name, vocoder", [("rmelnet-tiny", "gl"), ("repmix-tiny", "lbfgs")])
def test_other_shipped_models_speak(name: str, vocoder: str) -> None:
    speaker = Speaker.from_checkpoints(asset_path("speech", name), vocoder, iterations=4)
    speech = speaker.say("Hear, O Israel.")
    assert len(speech.phrases) == 2 and np.isfinite(speech.wave).all()
    assert 0.3 < speech.seconds < 6.0, speech.seconds


def test_neural_vocoder_renders_repmix_and_rmelnet_mels() -> None:
    vocoder = asset_path("speech", "vocoder-tiny")
    for name in ("repmix-tiny", "rmelnet-tiny"):
        speech = Speaker.from_checkpoints(asset_path("speech", name), "neural", vocoder).say("Amen.")
        assert np.isfinite(speech.wave).all() and speech.seconds > 0.1
