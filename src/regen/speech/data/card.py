"""The corpus card: what a speech corpus holds, measured from its files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from regen.speech.data.load import is_corpus_root, load_corpus, read_card


def corpus_summary(path: str | Path) -> dict:
    """Counts measured from the files (not trusted from the card) plus the card's provenance."""
    path = Path(path)
    report = load_corpus(path, strict=False)
    if is_corpus_root(path):
        card = read_card(path)
    elif is_corpus_root(path.parent):  # one voice folder of a built corpus
        card = read_card(path.parent)
    else:
        card = {}
    speakers: dict[str, dict] = {}
    for item in report.items:
        entry = speakers.setdefault(item.speaker, {"utterances": 0, "seconds": 0.0, "rates": Counter()})
        entry["utterances"] += 1
        entry["seconds"] += item.seconds
        entry["rates"][item.sample_rate] += 1
    ids = {i.id for i in report.items}
    texts = {i.normalized.lower() for i in report.items}
    words = [len(i.normalized.split()) for i in report.items]
    held = sorted(report.test_ids & ids)
    return {
        "path": str(path),
        "source": card.get("source", "unknown (not built by regen)"),
        "licence": card.get("licence", "unknown"),
        "complete": card.get("complete", None),
        "requested": card.get("sentences_requested"),
        "sentences": len(texts),
        "utterances": len(report.items),
        "hours": sum(e["seconds"] for e in speakers.values()) / 3600,
        "words_min": min(words, default=0),
        "words_max": max(words, default=0),
        "speakers": speakers,
        "voices": {v["folder"]: v["spec"] for v in card.get("voices", [])},
        "held_out": held,
        "with_durations": sum(1 for i in report.items if i.durations),
        "problems": [str(p) for p in report.problems],
    }


def format_card(summary: dict, show_held_out: int = 10) -> str:
    """Human-readable corpus card."""
    lines = [
        f"corpus      {summary['path']}",
        f"source      {summary['source']}",
        f"licence     {summary['licence']}",
        f"status      {_status(summary)}",
        f"sentences   {summary['sentences']} distinct ({summary['words_min']}-{summary['words_max']} words)",
        f"utterances  {summary['utterances']} ({summary['with_durations']} with phone timings)",
        f"hours       {summary['hours']:.3f}",
        "voices:",
    ]
    for speaker, entry in summary["speakers"].items():
        rates = ", ".join(f"{r} Hz" for r in sorted(entry["rates"]))
        spec = summary["voices"].get(speaker, speaker)
        lines.append(f"  {speaker:<22} {spec:<22} {entry['utterances']:>6} utt  {entry['seconds'] / 3600:7.3f} h  {rates}")
    held = summary["held_out"]
    shown = ", ".join(held[:show_held_out]) + (" …" if len(held) > show_held_out else "")
    lines.append(f"held out    {len(held)} sentence ids (test_ids.txt): {shown or 'none'}")
    if summary["problems"]:
        lines.append(f"PROBLEMS    {len(summary['problems'])}:")
        lines += [f"  {p}" for p in summary["problems"][:10]]
    return "\n".join(lines)


def _status(summary: dict) -> str:
    if summary["complete"] is None:
        return "external corpus"
    if summary["complete"]:
        return f"complete ({summary['requested']} sentences requested per voice)"
    return "incomplete: a build was interrupted; re-run it to resume"
