"""Inference paths (the CLI, every task's model and config code) must not import Lightning:
it costs seconds on every `regen` command that only loads a model."""

import subprocess
import sys

CHECK = """
import sys
import regen.cli.main
from regen.core.task import get_task, task_names
from regen.speech.tts.speaker import Speaker
for name in task_names():
    get_task(name)
loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'lightning')
print(len(task_names()), loaded[:3])
"""


def test_loading_tasks_does_not_import_lightning():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) >= 8 and out[1] == "[]"


def test_training_still_finds_fit_objective():
    import regen.train

    assert callable(regen.train.fit_objective)
