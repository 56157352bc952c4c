"""The speech section of the demo page: two held-out sentences said by every shipped model, the
duration model in two of its voices and at a faster rate.

The sentences are the first two of the corpus builder's fixed held-out list
(`regen.speech.data.sentences`), so no shipped model trained on them; no corpus is
needed to run the demo.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from regen.core.assets import asset_path
from regen.speech.data.audio import save_wav
from regen.speech.features.figures import save_alignment_png, save_spectrogram_png
from regen.speech.data.sentences import held_out_texts
from regen.speech.tts.speaker import Speaker, Speech

DURATION = "Duration model (learned alignment) + iSTFT vocoder"
# (shipped converter, renderer, label, controls of `say`)
SYSTEMS = (("duration-tiny", "istft", f"{DURATION}, voice festival:slt", {"voice": "festival:slt"}),
           ("duration-tiny", "istft", f"{DURATION}, voice festival:kal", {"voice": "festival:kal"}),
           ("duration-tiny", "istft", f"{DURATION}, voice espeak:en-us+f3 at rate 1.3",
            {"voice": "espeak:en-us+f3", "rate": 1.3}),
           ("repmix-tiny", "istft", "RepMix TTS + iSTFT vocoder", {}),
           ("repmix-tiny", "gl", "RepMix TTS + Griffin-Lim", {}),
           ("repmix-tiny", "neural", "RepMix TTS + WaveRNN vocoder", {}),
           ("rmelnet-tiny", "gl", "R-MelNet (4 candidates x 4 noisy copies, reranked) + Griffin-Lim", {}))


def _cell(speech: Speech, target: Path, out_dir: Path, stem: str, label: str) -> str:
    wav = save_wav(target / f"{stem}.wav", speech.wave, speech.sample_rate)
    parts = [f"<audio controls src=\"{html.escape(str(wav.relative_to(out_dir)))}\"></audio>"]
    if speech.mel is not None:
        mel_png = save_spectrogram_png(target / f"{stem}-mel.png", [speech.mel], [f"{label}: log-mel"],
                                       speech.mel_config.hop_length / speech.sample_rate)
        parts.append(f"<img src=\"{html.escape(str(mel_png.relative_to(out_dir)))}\" "
                     f"alt=\"{html.escape(label)}: log-mel\">")
    kind = "durations" if label.startswith(DURATION) else "attention"
    align_png = save_alignment_png(target / f"{stem}-alignment.png", speech.alignment(), f"{label}: {kind}")
    parts.append(f"<img src=\"{html.escape(str(align_png.relative_to(out_dir)))}\" "
                 f"alt=\"{html.escape(label)}: {kind} alignment\">")
    ok = sum(p.success for p in speech.phrases)
    parts.append(f"<br><small>{speech.seconds:.2f} s; {ok}/{len(speech.phrases)} phrases with a clean alignment"
                 "</small>")
    return "<td>" + "".join(parts) + "</td>"


def demo_section(out_dir: Path) -> str:
    """Say two held-out sentences with each shipped system under out_dir/speech; return an HTML <section>."""
    out_dir = Path(out_dir)
    target = out_dir / "speech"
    texts = held_out_texts(2)
    rows = []
    for n, (model, renderer, label, controls) in enumerate(SYSTEMS):
        speaker = Speaker.from_checkpoints(asset_path("speech", model), renderer)
        cells = [_cell(speaker.say(text, seed=0, **controls), target, out_dir, f"{n + 1}-{model}-{renderer}-{k + 1}",
                       label) for k, text in enumerate(texts)]
        rows.append(f"<tr><th>{html.escape(label)}</th>{''.join(cells)}</tr>")
    meta = json.loads((asset_path("speech", "repmix-tiny") / "meta.json").read_text())
    voice = html.escape(Path(str(meta.get("data", {}).get("corpus", ""))).name)  # its folder name, not a machine path
    header = "".join(f"<th>{html.escape(t)}</th>" for t in texts)
    return (f"<section id=\"speech\"><h2>Speech: text &rarr; log-mel &rarr; waveform</h2>"
            f"<p>Two sentences held out of training, said by the shipped tiny models, trained on CPU. The "
            f"duration model (<code>regen speech say --voice ...</code>) speaks four voices; here two of them, "
            f"and a third at 1.3 times its pace: it predicts each phone's frames, pitch and energy, then the "
            f"log-mel Y', and its alignment is the hard path of those durations. RepMix and R-MelNet (the "
            f"thesis's attention models, festival's slt voice, corpus <code>{voice}</code>) draw the log-mel from "
            f"representation-mixed text, their alignments show each phrase's attention, block by block. The "
            f"renderer (Griffin-Lim, or the iSTFT or WaveRNN vocoder, trained on audio alone) draws the "
            f"waveform.</p>"
            f"<table><tr><th></th>{header}</tr>{''.join(rows)}</table></section>")
