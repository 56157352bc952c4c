"""Integration: train stage 1 (abstraction), then the stages on its output, then sample, on CPU."""

import json

import torch

from regen.core.checkpoint import read_checkpoint
from regen.core.run_config import load_run_config
from regen.core.task import get_task
from regen.train.run import train_run

FAST = ["trainer.progress=false", "trainer.val_every=20", "trainer.ckpt_every=20",
        "sample.samples_per_class=5"]


def test_vqvae_then_renderer_then_converter_then_sample(tmp_path):
    cfg = load_run_config("image/digits-vq-tiny", FAST + [
        "phases.abstraction.max_steps=40", "phases.renderer.max_steps=20", "phases.converter.max_steps=20",
        "model.options.mismatch=converter", "phases.finetune.max_steps=5", "model.options.joint_weight=0.5",
        "data.label_fraction=0.2"])
    out = train_run(cfg, tmp_path / "run", out=tmp_path / "ck")
    for phase in ("abstraction", "renderer", "converter", "finetune"):
        summary = json.loads((tmp_path / "run" / phase / "summary.json").read_text())
        assert summary["steps"] > 0
    assert json.loads((tmp_path / "run" / "converter" / "summary.json").read_text())["examples"] < 300
    assert json.loads((tmp_path / "run" / "renderer" / "summary.json").read_text())["examples"] == 1257
    ckpt = read_checkpoint(out, task="image")
    assert set(ckpt.meta["metrics"]) == {"accuracy", "fd", "diversity", "nn_train"}
    assert ckpt.meta["git_commit"] and ckpt.meta["command"] and ckpt.meta["data"]["fingerprint"]
    task = get_task("image")
    loaded, model = task.load(ckpt)
    files = task.sample(loaded, model, tmp_path / "samples", n=3, seed=0, temperature=1.0)
    assert [f.name for f in files] == ["samples.png", "abstractions.png"]
    assert all(f.stat().st_size > 1000 for f in files)


def test_resume_skips_finished_phases(tmp_path):
    cfg = load_run_config("image/digits-pool-tiny", FAST + [
        "phases.renderer.max_steps=10", "phases.converter.max_steps=10"])
    train_run(cfg, tmp_path / "run", out=tmp_path / "a")
    weights = (tmp_path / "run" / "renderer" / "weights.safetensors").stat().st_mtime
    train_run(cfg, tmp_path / "run", resume=True, out=tmp_path / "b")
    assert (tmp_path / "run" / "renderer" / "weights.safetensors").stat().st_mtime == weights
    a, b = read_checkpoint(tmp_path / "a"), read_checkpoint(tmp_path / "b")
    assert all(torch.equal(a.tensors[k], b.tensors[k]) for k in a.tensors)
    # the training time is the phases' time across resumes, not the resumed call's (which trained nothing)
    phases = sum(json.loads((tmp_path / "run" / p / "summary.json").read_text())["seconds"]
                 for p in ("renderer", "converter"))
    assert b.meta["train_seconds"] == a.meta["train_seconds"] == round(phases, 2) > 0
    assert b.meta["wall_seconds"] < b.meta["train_seconds"]
