"""Lyrics -> melody through a music template (TeleMelody's two stages).

- `melodies`: one monophonic voice line (notes, rests, syllables, bars, key) read from music21.
- `sources`: which collections of music21's bundled corpus are read, languages, held-out split.
- `extraction`: extraction of every collection, cached as JSON, with a summary of what was kept.
- `syllables`: lyrics -> syllables with word, punctuation, line and stress features; `cjk`: Chinese,
  Japanese and Korean split by script (a syllable per Han character, kana mora, Hangul block).
- `template`: the rule-based template Y' (rhythm, cadences, tonality, scale degrees, chords).
- `segments`, `tokens`: melodies on a 1/12-quarter grid and the token rows of lyrics, template, melody.
- `stages`, `model`: the grammar-bound token stages and the Regenerator / Direct models.
- `task`: the `music-melody` task on the registry; `evaluation`: PD, DD, MD and lyric fit.
- `compose`, `output`: lyrics in, sung melodies out as MusicXML, MIDI and a piano roll.
"""

from regen.music.melody.extraction import CorpusMelodies, ExtractionSummary, load_melodies
from regen.music.melody.melodies import Melody, MelodyNote, melody_from_part
from regen.music.melody.syllables import Syllable, lyric_syllables, sung_syllables
from regen.music.melody.template import MelodyTemplate, TemplateNote, melody_template

__all__ = ["CorpusMelodies", "ExtractionSummary", "Melody", "MelodyNote", "MelodyTemplate", "Syllable",
           "TemplateNote", "load_melodies", "lyric_syllables", "melody_from_part", "melody_template",
           "sung_syllables"]
