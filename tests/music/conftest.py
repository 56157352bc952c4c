import pytest


@pytest.fixture(scope="session")
def corpus():
    """The prepared chorale corpus (parsed with music21 once, then cached)."""
    from regen.music.corpus import load_corpus

    return load_corpus(progress=False)
