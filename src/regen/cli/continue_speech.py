"""`regen speech continue`: a recording continued in the same voice through learned codes (registered on
the speech commands by regen.cli.speech)."""

from __future__ import annotations

from pathlib import Path

import typer

from regen.cli.app import refuse_output_file
from regen.core.errors import RegenError


def continue_(
    recording: Path = typer.Argument(..., help="A recording whose first --prompt-seconds are continued (WAV, FLAC, "
                                     "MP3 or OGG)."),
    checkpoint: Path = typer.Option(..., "--checkpoint", help="A code language model (task speech-codes-lm)."),
    out: Path = typer.Option(..., "--out", help="Output file: .wav, .flac or .mp3."),
    seconds: float = typer.Option(3.0, "--seconds", help="Seconds of speech to draw after the prompt."),
    prompt_seconds: float = typer.Option(1.0, "--prompt-seconds", help="Seconds of the recording kept as the prompt."),
    steps: int = typer.Option(24, "--steps", min=1, help="Denoising steps per window."),
    temperature: float = typer.Option(0.8, "--temperature", help="Sampling temperature (> 0)."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
) -> None:
    """Continue a recording in the same voice through learned codes (AudioLM-style): its first seconds are
    coded by the codec, a code language model draws what follows, the codec's decoder renders both."""
    from regen.core.task import load_model
    from regen.speech.codec.lm_task import continue_speech
    from regen.speech.data.audio import read_recording, save_audio

    if not 0 < seconds <= 60 or not 0 < prompt_seconds <= 30 or not temperature > 0:
        raise RegenError("--seconds must lie in (0, 60], --prompt-seconds in (0, 30] and --temperature be > 0")
    refuse_output_file(out)
    model, _, _ = load_model(checkpoint, task="speech-codes-lm")
    rate = model.codec.mel.sample_rate
    wave, _ = read_recording(recording, rate)
    made = continue_speech(model, wave, prompt_seconds, seconds, steps, temperature, seed)
    save_audio(out, made.numpy(), rate)
    typer.echo(f"wrote {out}: {len(made) / rate:.2f} s ({prompt_seconds:g} s of prompt, as the codec renders it)")
