"""The digits section of the demo page: samples from the shipped checkpoints."""

from __future__ import annotations

import html
from pathlib import Path

from regen.core.task import get_task, open_checkpoint

SHIPPED = ("digits-pool-tiny", "digits-vq-tiny", "digits-direct-tiny")


def demo_section(out_dir: Path) -> str:
    """Write sample grids under `out_dir/image/` and return the page's HTML section."""
    task = get_task("image")
    rows = []
    for name in SHIPPED:
        _, ckpt = open_checkpoint(f"image/{name}")
        cfg, model = task.load(ckpt)
        files = task.sample(cfg, model, out_dir / "image" / name, n=10, seed=0, temperature=None)
        m = ckpt.meta.get("metrics", {})
        images = "".join(f'<img src="{f.relative_to(out_dir)}" alt="{html.escape(f.stem)}">' for f in files)
        rows.append(f"<tr><td><b>{name}</b><br>{cfg.model.method}</td>"
                    f"<td>{m.get('accuracy', 0):.3f}</td><td>{m.get('fd', 0):.2f}</td>"
                    f"<td>{m.get('diversity', 0):.3f}</td><td>{ckpt.meta.get('parameters', 0):,}</td>"
                    f"<td>{images}</td></tr>")
    return ("<section><h2>Images: class &rarr; Y' &rarr; digit</h2>"
            "<p>Each row of a grid is one digit class. The regeneration models draw an abstraction Y' "
            "(the digit at 3 grey levels, or a 4&times;4 grid of VQ-VAE codes) from the class, then render the "
            "8&times;8 digit at its 17 grey levels from it; "
            "the renderer never saw a label. Direct maps the class to pixels in one model. Samples are drawn at "
            "each checkpoint's sampling temperature (sample.temperature). Metrics on 500 samples: "
            "accuracy of a classifier trained on real digits, Fr&eacute;chet distance in its features against the "
            "test images (lower is better), and same-class diversity.</p>"
            "<table><tr><th>model</th><th>accuracy</th><th>FD</th><th>diversity</th><th>parameters</th>"
            "<th>samples (and decoded Y')</th></tr>" + "".join(rows) + "</table></section>")
