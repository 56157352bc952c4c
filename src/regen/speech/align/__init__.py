"""Durations for any corpus: which mel frames each input symbol spans.

    mas       monotonic alignment search: the best hard monotonic path through a
              (symbols, frames) score matrix by dynamic programming (Glow-TTS), and the
              durations it gives (its column counts)
    aligner   the alignment encoder whose scores MAS reads, learned without timing files
              (Glow-TTS / Matcha-TTS: Gaussian log-likelihood of each mel frame under a
              per-symbol mean, a beta-binomial prior, the path's negative log-likelihood)
    timings   durations from a voice's word timing files, for the oracle ablation only
"""
