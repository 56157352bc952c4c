"""The text section of the demo page: sentences of the shipped SUNMASK text model from noise and
infilled around kept words, and sentences from keywords through a template (Y') beside Direct's."""

from __future__ import annotations

import html
from pathlib import Path

from regen.core.files import atomic_write_text
from regen.core.task import load_model
from regen.text.tasks import from_keywords, sentences

SUNMASK = "text/sunmask-tiny"
KEYWORDS = (("text/template-tiny", "keywords -> template -> sentence"),
            ("text/template-direct-tiny", "Direct: keywords -> sentence"))
INFILL = "And God said ___ ___ ___ light ___ ___ ___ ___ ."
REQUEST = "light darkness"
N = 4


def _items(lines: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>"


def demo_section(out_dir: Path) -> str:
    """Sample with the shipped text models, write the sentences to out_dir/text/sentences.txt and
    return an HTML <section>."""
    target = Path(out_dir) / "text"
    model, cfg, meta = load_model(SUNMASK, task="text")
    free = [model.vocabulary.decode(r.tolist()) for r in sentences(model, cfg.sample, N, 0).sentences]
    filled = [model.vocabulary.decode(r.tolist()) for r in sentences(model, cfg.sample, N, 0, INFILL).sentences]
    parts = [f"<h3>From noise ({html.escape(cfg.name)}, {meta.get('parameters', 0):,} parameters, "
             f"{cfg.sample.steps} denoising steps)</h3>{_items(free)}",
             f"<h3>Infilling <code>{html.escape(INFILL)}</code> (each ___ one word; the rest kept)</h3>{_items(filled)}"]
    written = [*free, *filled]
    for name, label in KEYWORDS:
        net, kcfg, _ = load_model(name, task="text-template")
        drawn, _ = from_keywords(net, kcfg.sample, REQUEST, N, 0)
        lines = [net.vocabulary.decode(r.tolist()) for r in drawn.sentences]
        written += lines
        if drawn.templates is not None:
            lines = [f"{line}   [template: {net.template_text(t)}]" for line, t in zip(lines, drawn.templates)]
        parts.append(f"<h3>{html.escape(label)} from <code>{html.escape(REQUEST)}</code></h3>{_items(lines)}")
    target.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target / "sentences.txt", "\n".join(written) + "\n")
    return (f"<section id=\"text\"><h2>Text: SUNMASK sentences and keywords → template → sentence</h2>"
            f"<p>Models trained on King James sentences (5,700-word vocabulary). The template Y' keeps the function "
            f"words and the keywords and replaces every other content word by a word class learned without labels; the converter writes it "
            f"from the keywords (paired data), the renderer writes the sentence from it (all text).</p>"
            f"{''.join(parts)}</section>")
