"""The text demo section runs on (here: tiny, just trained) text models: sentences from noise, infilled
sentences that keep the given words, and keyword sentences with the template shown for regeneration only."""

from __future__ import annotations

from pathlib import Path

import pytest

from regen.core.run_config import load_run_config
from regen.text import demo
from regen.train.run import train_run

TINY = ["trainer.progress=false", "trainer.threads=1", "sample.steps=2", "phases.model.max_steps=2",
        "phases.model.batch_size=8", "data.max_sentences=64", "data.eval_samples=4", "model.transformer.layers=1",
        "model.transformer.dim=32", "model.transformer.hidden=64", "model.transformer.heads=2"]
SMALL = ["trainer.progress=false", "trainer.threads=1", "data.eval_sentences=6", "phases.renderer.max_steps=2",
         "phases.converter.max_steps=2", "phases.direct.max_steps=2", "data.paired_fraction=0.01",
         *[f"model.{stage}.{k}={v}" for stage in ("converter", "renderer", "direct")
           for k, v in (("d_model", 16), ("layers", 1), ("heads", 2))]]


def test_demo_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sunmask = train_run(load_run_config("text/sunmask-tiny", TINY), tmp_path / "s", out=tmp_path / "s-ckpt")
    keywords = tuple((str(train_run(load_run_config(f"text/{name}", SMALL), tmp_path / name, out=tmp_path / f"{name}-ckpt")),
                      label) for name, label in (("template-tiny", "regeneration"), ("template-direct-tiny", "direct")))
    monkeypatch.setattr(demo, "SUNMASK", str(sunmask))
    monkeypatch.setattr(demo, "KEYWORDS", keywords)
    page = demo.demo_section(tmp_path / "out")
    assert page.startswith("<section") and page.endswith("</section>")
    lines = (tmp_path / "out" / "text" / "sentences.txt").read_text().splitlines()
    assert len(lines) == 4 * demo.N and all(lines)
    infilled = lines[demo.N: 2 * demo.N]
    assert all(line.lower().startswith("and god said ") for line in infilled)
    assert page.count("[template: ") == demo.N  # only the regeneration rows show a template
