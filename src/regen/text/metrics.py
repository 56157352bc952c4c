"""Quality and diversity of generated sentences, with sacrebleu (thesis Figure 8.2).

Sentences are compared as space-joined vocabulary tokens (sacrebleu's `tokenize="none"`),
BLEU-4 with sacrebleu's default exponential smoothing (`force=True`: the text is tokenised on purpose):

- quality (the "negative BLEU" axis): corpus BLEU of the generated sentences, every test
  sentence being a reference for each of them;
- faithfulness (keywords -> sentence): corpus BLEU of each output against its own reference;
- diversity (Self-BLEU, lower is more diverse): corpus BLEU of each generated sentence with
  the other generated sentences as its references (over at most `limit` of them).
"""

from __future__ import annotations

from collections.abc import Sequence

from sacrebleu.metrics import BLEU


def _bleu(hypotheses: Sequence[str], streams: list[list[str]]) -> float:
    return float(BLEU(tokenize="none", force=True).corpus_score(list(hypotheses), streams).score)


def bleu_against(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """BLEU-4 (0-100) of `hypotheses`, each scored against every one of `references`.

    The reference n-gram counts are the same for every hypothesis, so sacrebleu extracts them once
    and is handed that one entry for every segment (what it would otherwise recompute per segment;
    the score is identical, tested)."""
    if not hypotheses or not references:
        raise ValueError("BLEU needs at least one hypothesis and one reference")
    metric = BLEU(tokenize="none", force=True)
    shared = metric._extract_reference_info([metric._preprocess_segment(ref) for ref in references])
    metric._ref_cache = [shared] * len(hypotheses)
    return float(metric.corpus_score(list(hypotheses), None).score)


def bleu_paired(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus BLEU-4 (0-100) of `hypotheses`, each against its own reference (same order)."""
    if len(hypotheses) != len(references) or not hypotheses:
        raise ValueError("BLEU needs one reference per hypothesis")
    return _bleu(hypotheses, [list(references)])


def self_bleu(sentences: Sequence[str], limit: int = 200) -> float:
    """Self-BLEU (0-100) of the first `limit` sentences: each against all the others."""
    chosen = list(sentences[:limit])
    n = len(chosen)
    if n < 2:
        raise ValueError("Self-BLEU needs at least two sentences")
    return _bleu(chosen, [[chosen[(i + k) % n] for i in range(n)] for k in range(1, n)])
