"""Text generation: SUNMASK on sentences (thesis ch. 8, word level) with Coconet and SUNDAE ablations.

Data is the King James sentence list the speech corpus reads (`regen.speech.data.sentences`),
tokenised at word level with the `tokenizers` library (`regen.text.vocabulary`), restricted
to the most common words and padded to a fixed length (`regen.text.corpus`). The denoiser
(`regen.text.model`) reuses `regen.iterative` for its loss and sampler; the task
(`regen.text.task`) plugs into the one task registry.
"""
