"""The README's Python example runs as written (the serving section's client example needs a running
server: tests/serve/test_readme_serve.py runs it against one)."""

import re
from pathlib import Path


def test_readme_python_blocks_run():
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    text = text[: text.index("## Serving")] + text[text.index("## Tasks"):]
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    for block in blocks:
        scope: dict = {}
        exec(compile(block, "README.md", "exec"), scope)
        assert scope["images"].shape == (40, 8, 8)
