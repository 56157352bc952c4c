"""The speech-recognition section of the demo page: the shipped recogniser transcribes two everyday
sentences read by festival's slt voice (no model trained on them) and one of them said by the
shipped RepMix TTS, each with its word error rate."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from regen.core.assets import asset_path
from regen.core.task import load_model
from regen.speech.asr.task import SHIPPED, asr_mel, score_transcripts, transcriber
from regen.speech.data.audio import resample, save_wav
from regen.speech.data.eval_sets import everyday_sentences
from regen.speech.data.voices import parse_voice
from regen.speech.tts.speaker import Speaker

VOICE = "festival:slt"


def _clips(texts: list[str]) -> list[tuple[str, str, np.ndarray, int]]:
    """(source label, text, wave, rate): festival reads every text, the shipped TTS says the first."""
    clips = [(f"festival {VOICE.split(':')[1]} reading", text, u.audio, u.sample_rate)
             for text, u in zip(texts, parse_voice(VOICE).synthesize(texts))]
    speaker = Speaker.from_checkpoints(asset_path("speech", "repmix-tiny"), "gl", None)
    speech = speaker.say(texts[0], seed=0)
    return clips + [("RepMix TTS + Griffin-Lim saying", texts[0], speech.wave, speech.sample_rate)]


def demo_section(out_dir: Path) -> str:
    """Write the clips under out_dir/asr and return an HTML <section> with each transcript and its WER."""
    out_dir = Path(out_dir)
    target = out_dir / "asr"
    model, cfg, meta = load_model(SHIPPED, task="speech-asr")
    rate = asr_mel(cfg.model).sample_rate
    system = transcriber(cfg, model)
    rows = []
    for k, (source, text, wave, wave_rate) in enumerate(_clips(everyday_sentences()[:2]), start=1):
        wav = save_wav(target / f"clip-{k}.wav", wave, wave_rate)
        heard = system.transcribe([resample(wave, wave_rate, rate)])[0]
        wer = score_transcripts([text], [heard], cfg.model.units)["wer"]
        rows.append(f"<tr><td>{html.escape(source)}<br><audio controls src=\"{html.escape(str(wav.relative_to(out_dir)))}\">"
                    f"</audio></td><td>{html.escape(text)}</td><td>{html.escape(heard.text)}</td>"
                    f"<td>{wer:.2f}</td></tr>")
    return (f"<section id=\"asr\"><h2>Speech recognition: speech &rarr; phonemes &rarr; words</h2>"
            f"<p>The shipped {html.escape(cfg.name)} ({meta.get('parameters', 0):,} parameters) hears phonemes "
            f"with a CTC acoustic model trained on the slt corpus, then spells words with a phoneme-to-word model "
            f"learned from text alone. The sentences are from the everyday-English evaluation set, in no training "
            f"corpus.</p><table><tr><th>audio</th><th>said</th><th>heard</th><th>WER</th></tr>{''.join(rows)}"
            f"</table></section>")
