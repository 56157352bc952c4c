from regen.core.assets import resolve_checkpoint
from regen.core.task import load_model
from regen.music.demo import demo_section
from regen.music.task import SHIPPED


def test_shipped_checkpoint_loads_and_is_small():
    model, cfg, meta = load_model(SHIPPED, task="music")
    size = sum(p.stat().st_size for p in resolve_checkpoint(SHIPPED).iterdir())
    assert cfg.task == "music" and meta["metrics"]["valid_nll"] > 0 and size < 8 * 2**20


def test_demo_section_writes_files_and_html(tmp_path, corpus):
    html = demo_section(tmp_path)
    assert html.startswith("<section") and html.endswith("</section>") and "grade" in html
    for stem in ("harmonization", "sample"):
        for ext in ("mid", "musicxml", "png"):
            assert (tmp_path / "music" / f"{stem}.{ext}").stat().st_size > 0
            assert f"music/{stem}.{ext}" in html
