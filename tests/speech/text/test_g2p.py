import shutil

import pytest

from regen.core.errors import RegenError
from regen.speech.text.g2p import G2P, ipa_to_arpabet
from regen.speech.text.symbols import PHONES

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def test_dictionary_words_with_stress() -> None:
    g2p = G2P(oov="error")
    assert g2p.word("hello") == ("HH", "AH0", "L", "OW1")
    assert g2p.word("Cat") == ("K", "AE1", "T")


def test_ipa_mapping_with_stress() -> None:
    assert ipa_to_arpabet("h ə l ˈoʊ") == ("HH", "AH0", "L", "OW1")
    assert ipa_to_arpabet("dʒ ˈɛ h ə ʃ ˌæ f æ t") == ("JH", "EH1", "HH", "AH0", "SH", "AE2", "F", "AE0", "T")
    assert ipa_to_arpabet("b ˈʌ ʔ n̩") == ("B", "AH1", "T", "AH0", "N")


@needs_espeak
def test_oov_words_go_to_espeak() -> None:
    g2p = G2P()
    word = "zorblaxian"
    assert not g2p.in_dictionary(word)
    phones = g2p.word(word)
    assert phones[0] == "Z" and any(p.endswith("1") for p in phones)
    assert all(p in PHONES for p in phones)


def test_oov_error_policy() -> None:
    with pytest.raises(RegenError, match="zorblaxian"):
        G2P(oov="error").word("zorblaxian")
