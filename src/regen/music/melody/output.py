"""A sung melody as standard files: MusicXML with the syllables under their notes, MIDI, a
piano-roll PNG with the syllables written above the notes, and a picture of the melody above its
template. Every file is written atomically."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any, Sequence

from regen.core.files import atomic_path, save_figure
from regen.music.fonts import default_family, drawable, figure_fonts
from regen.music.melody.cjk import unspaced
from regen.music.melody.segments import TICKS, TONIC_NAMES, Segment, bar_ticks
from regen.music.melody.syllables import Syllable
from regen.music.melody.template import CADENCE_FULL, CADENCE_HALF, TemplateNote, melody_template


def lyric_line(syllables: Sequence[Syllable]) -> str:
    """The words the syllables spell, punctuation kept: "Amazing grace, how sweet"; Han and kana
    without spaces between them, as written: "床前明月光，疑是地上霜。"."""
    out = []
    for s, after in zip(syllables, [*syllables[1:], None]):
        joined = s.position in ("begin", "middle") or (after is not None and unspaced(s.text[-1:])
                                                        and unspaced(after.text[:1]))
        out.append(s.text + s.punctuation + ("" if joined else " "))
    return "".join(out).strip()


def melody_score(segment: Segment, title: str) -> Any:
    """A music21 Score of one voice: key, meter, a pickup bar when the melody starts mid-bar, and
    each note with its syllable (music21 `Lyric` with its syllabic position)."""
    from music21 import clef, instrument, key, metadata, meter, note, stream

    part = stream.Part(id="voice")
    part.partName = "Voice"
    part.insert(0, instrument.Vocalist())
    part.insert(0, clef.TrebleClef() if statistics.median(segment.pitches) >= 57 else clef.BassClef())
    part.insert(0, key.Key(TONIC_NAMES[segment.tonic], segment.mode))
    part.insert(0, meter.TimeSignature(segment.meter))
    if segment.start:
        part.append(note.Rest(quarterLength=segment.start / TICKS))
    for k, (rest, duration, pitch) in enumerate(zip(segment.rests, segment.durations, segment.pitches)):
        if rest:
            part.append(note.Rest(quarterLength=rest / TICKS))
        sung = note.Note(pitch, quarterLength=duration / TICKS)
        if segment.syllables is not None:
            syllable = segment.syllables[k]
            sung.lyrics.append(note.Lyric(text=syllable.text + syllable.punctuation, syllabic=syllable.position))
        part.append(sung)
    measures = part.makeMeasures()
    if segment.start:
        measures.getElementsByClass(stream.Measure).first().padAsAnacrusis(useInitialRests=True)
    score = stream.Score()
    score.insert(0, metadata.Metadata(title=title))
    score.insert(0, measures)
    return score.makeNotation()


def write_musicxml(segment: Segment, path: str | Path, title: str) -> Path:
    """Write the melody with its syllables as MusicXML (opens in MuseScore)."""
    score = melody_score(segment, title)
    with atomic_path(path, ".musicxml") as tmp:
        score.write("musicxml", fp=tmp)
    return Path(path)


def write_midi(segment: Segment, path: str | Path, title: str) -> Path:
    """Write the melody as a one-track MIDI file."""
    score = melody_score(segment, title)
    with atomic_path(path, ".mid") as tmp:
        score.write("midi", fp=tmp)
    return Path(path)


def _draw_roll(ax: Any, segment: Segment) -> float:
    """Draw the notes (x: quarters from the first bar line, y: MIDI pitch), their syllables and the
    bar lines on `ax`; return the end of the last note in quarters."""
    from matplotlib.patches import Rectangle

    onsets = segment.onsets()
    end = (onsets[-1] + segment.durations[-1]) / TICKS
    for k, (t, duration, pitch) in enumerate(zip(onsets, segment.durations, segment.pitches)):
        ax.add_patch(Rectangle((t / TICKS, pitch - 0.4), duration / TICKS - 0.05, 0.8, facecolor="#1f77b4",
                               edgecolor="#0b3c61", linewidth=0.5))
        if segment.syllables is not None:
            syllable = segment.syllables[k]
            hyphen = "-" if syllable.position in ("begin", "middle") else ""
            ax.text(t / TICKS, pitch + 0.7, drawable(syllable.text + hyphen), fontsize=7, va="bottom")
    bar = bar_ticks(segment.meter) / TICKS
    for line in range(int(end // bar) + 2):
        ax.axvline(line * bar, color="#dddddd", linewidth=0.8, zorder=0)
    ax.set_xlim(0, end + 0.25)
    ax.set_ylim(min(segment.pitches) - 2, max(segment.pitches) + 4)
    ax.set_ylabel("MIDI pitch")
    return end


def _key_label(segment: Segment) -> str:
    return f"{segment.meter}, {TONIC_NAMES[segment.tonic].replace('-', 'b')} {segment.mode}"


def write_pianoroll(segment: Segment, path: str | Path, title: str) -> Path:
    """Draw the melody as a piano roll (x: quarters from the first bar line, y: MIDI pitch) with bar
    lines and each note's syllable above it (CJK in a CJK font, `regen.music.fonts`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    end = (segment.onsets()[-1] + segment.durations[-1]) / TICKS
    with figure_fonts():
        fig, ax = plt.subplots(figsize=(min(24.0, max(6.0, end / 1.5)), 3.8), dpi=110)
        _draw_roll(ax, segment)
        ax.set_xlabel(f"quarter notes ({_key_label(segment)})")
        ax.set_title(drawable(title))
        fig.tight_layout()
        return save_figure(fig, path)


ROMAN = {"major": ("", "I", "ii", "iii", "IV", "V", "vi", "vii°"),
         "minor": ("", "i", "ii°", "III", "iv", "V", "VI", "vii°")}
"""Roman numeral of the diatonic triad on each root degree by mode (V and vii° of minor with the raised 7th;
index 0 = no chord)."""
CADENCE_MARK = {CADENCE_HALF: "half", CADENCE_FULL: "full"}


def write_template_figure(segment: Segment, path: str | Path, title: str) -> Path:
    """Draw the melody above its template Y' (`melody_template`): per note the beat strength of its
    onset (bar height), its scale degree (a '#' marks the degree raised a semitone), the chord the
    bar implies (Roman numeral at each change) and the cadences at phrase ends."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    template = [n for n in melody_template(segment.to_melody()).notes if not n.rest]
    onsets = [t / TICKS for t in segment.onsets()]
    end = (segment.onsets()[-1] + segment.durations[-1]) / TICKS
    with figure_fonts():
        fig, (roll, lanes) = plt.subplots(2, 1, sharex=True, figsize=(min(24.0, max(7.0, end / 1.3)), 5.6),
                                          dpi=110, gridspec_kw={"height_ratios": [3, 2]})
        _draw_roll(roll, segment)
        roll.set_title(drawable(title))
        _draw_lanes(lanes, segment, template, onsets, end)
        fig.tight_layout()
        return save_figure(fig, path)


def _draw_lanes(lanes: Any, segment: Segment, template: list[TemplateNote], onsets: list[float], end: float) -> None:
    """The template lanes under the roll: beat strength bars, scale degrees, chords and cadences per note."""
    widths = [d / TICKS - 0.05 for d in segment.durations]
    lanes.bar(onsets, [0.25 + 0.75 * n.beat_strength for n in template], width=widths, align="edge",
              color="#9ecae1", edgecolor="#3182bd", linewidth=0.5)
    previous = None
    for x, note in zip(onsets, template):
        degree = ("#" if note.alteration else "") + str(note.degree)
        lanes.text(x + 0.05, 1.15, degree, fontsize=8, va="center")
        if note.chord != previous:
            lanes.text(x + 0.05, 1.55, ROMAN[segment.mode][note.chord], fontsize=8, va="center", color="#636363")
            previous = note.chord
        if note.cadence in CADENCE_MARK:
            lanes.text(x + 0.05, 1.95, CADENCE_MARK[note.cadence], fontsize=8, va="center", color="#a50f15",
                       fontweight="bold", fontfamily=default_family())
    bar = bar_ticks(segment.meter) / TICKS
    for line in range(int(end // bar) + 2):
        lanes.axvline(line * bar, color="#dddddd", linewidth=0.8, zorder=0)
    lanes.set_ylim(0, 2.2)
    lanes.set_yticks([0.5, 1.15, 1.55, 1.95], ["rhythm\n(beat strength)", "scale degree", "chord", "cadence"])
    lanes.set_xlabel(f"quarter notes ({_key_label(segment)})")


def write_melody(segment: Segment, out_dir: Path, stem: str, title: str) -> list[Path]:
    """`stem`.musicxml, `stem`.mid, `stem`.png (piano roll) and `stem`-template.png (the melody above
    its template) in `out_dir`."""
    out_dir = Path(out_dir)
    return [write_musicxml(segment, out_dir / f"{stem}.musicxml", title),
            write_midi(segment, out_dir / f"{stem}.mid", title),
            write_pianoroll(segment, out_dir / f"{stem}.png", title),
            write_template_figure(segment, out_dir / f"{stem}-template.png", f"{title}: melody and template")]
