"""The duration-based, non-autoregressive text -> log-mel converter (FastSpeech 2's shape) and its task.

    layers   FFT blocks, variance predictors and embeddings, the length regulator, the postnet
    pitch    frame log F0 and log energy, the variance predictors' targets
    model    `DurationConfig`, `DurationTTS`: encoder, MAS or oracle durations, variance adaptor, decoder
    data     whole-utterance training rows (phones, log-mel, pitch, voice), no timing files needed
    speak    text -> speech through the `Regenerator` with the iSTFT vocoder
    task     the `speech-duration` task
"""
