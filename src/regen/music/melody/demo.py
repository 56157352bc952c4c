"""The lyrics -> melody section of the demo page: the shipped model sets two English lyrics, each
shown as a piano roll with its syllables and as the melody above its template Y'."""

from __future__ import annotations

import html
from pathlib import Path

from regen.core.task import load_model
from regen.music.melody.compose import compose, key_name, parse_key, parse_meter
from regen.music.melody.output import lyric_line, write_melody
from regen.music.melody.syllables import lyric_syllables
from regen.music.melody.task import SHIPPED

LYRICS = (("Amazing grace, how sweet the sound\nthat saved a wretch like me.", "G", "3/4"),
          ("The morning light is on the hill,\nthe river runs below.", "D", "4/4"))
"""(lyrics, key, meter) of the demo songs; one line is one phrase."""


def demo_section(out_dir: Path) -> str:
    """Write each demo lyric's melody (MusicXML, MIDI, piano roll, template picture) under
    out_dir/melody and return an HTML <section>."""
    out_dir = Path(out_dir)
    target = out_dir / "melody"
    model, cfg, meta = load_model(SHIPPED, task="music-melody")
    figures = []
    for k, (text, key, meter) in enumerate(LYRICS, start=1):
        syllables = lyric_syllables(text, "en")
        tonic, mode = parse_key(key)
        sung = compose(model, syllables, tonic, mode, parse_meter(meter), 1, 0, cfg.sample.temperature,
                       cfg.sample.top_k)[0]
        title = lyric_line(syllables)
        musicxml, midi, roll, template = (p.relative_to(out_dir) for p in
                                          write_melody(sung, target, f"song-{k}", title[:80]))
        caption = html.escape(f"{title} ({key_name(tonic, mode)}, {meter})")
        # shown at its own size (a long melody scrolls sideways) so its syllables and chords stay readable
        figures.append(f"<figure><div style=\"overflow-x:auto\"><img src=\"{html.escape(str(template))}\" "
                       f"alt=\"{caption}\" style=\"max-width:none\"></div>"
                       f"<figcaption>{caption}: <a href=\"{html.escape(str(musicxml))}\">MusicXML</a> (opens in "
                       f"MuseScore) · <a href=\"{html.escape(str(midi))}\">MIDI</a> · "
                       f"<a href=\"{html.escape(str(roll))}\">piano roll</a></figcaption></figure>")
    return (f"<section id=\"melody\"><h2>Music: lyrics → template → melody</h2>"
            f"<p>The shipped {html.escape(cfg.name)} model ({meta.get('parameters', 0):,} parameters) reads the "
            f"syllables of each lyric (word boundaries, stress from the CMU dictionary, punctuation and line ends), "
            f"writes a template (rhythm, bar position, chord and cadence per note), and renders a melody on it, one "
            f"note per syllable (upper panel). The lower panel is the template read back from that melody by the "
            f"extraction rules: beat strength, scale degree, the chord each bar implies, cadences.</p>{''.join(figures)}</section>")
