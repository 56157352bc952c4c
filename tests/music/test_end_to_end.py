"""Tiny train -> checkpoint -> sample -> MIDI/MusicXML, plus harmonize/infill/CLI on CPU."""

import json
import re

import numpy as np
import torch
import pytest
from typer.testing import CliRunner

from regen.cli.music import app
from regen.core.run_config import load_run_config
from regen.core.task import load_model
from regen.iterative import SamplerConfig
from regen.music.scores import read_score, write_musicxml
from regen.music.tasks import harmonize, infill, unconditional, write_outputs
from regen.train.run import train_run

TINY = ["phases.denoiser.max_steps=4", "phases.denoiser.batch_size=4", "data.max_windows=32",
        "data.eval_samples=1", "sample.steps=2", "trainer.progress=false",
        "model.transformer.layers=1", "model.transformer.dim=32", "model.transformer.hidden=64",
        "model.transformer.heads=2"]


@pytest.fixture(scope="module")
def tiny_ckpt(tmp_path_factory, corpus):
    root = tmp_path_factory.mktemp("music")
    return train_run(load_run_config("music/sunmask-transformer-tiny", TINY), root / "run", out=root / "ckpt")


def test_train_sample_and_write_files(tiny_ckpt, tmp_path):
    meta = json.loads((tiny_ckpt / "meta.json").read_text())
    assert meta["phases"]["denoiser"]["steps"] == 4 and meta["seed"] == 0 and "corpus_fingerprint" in meta["data"]
    assert meta["metrics"]["valid_nll"] > 0 and meta["metrics"]["grade_median"] > 0
    model, cfg, _ = load_model(tiny_ckpt)
    res = unconditional(model, SamplerConfig(steps=4), n=2, seed=1)
    assert len(res) == 2 and res[0].grid.shape == (4, 128)
    paths = write_outputs(res[0], tmp_path, "s", "test")
    assert all(p.stat().st_size > 0 for p in paths.values())
    back = read_score(paths["musicxml"])
    assert back.grid.shape[0] == 4
    assert read_score(paths["midi"]).grid.shape[0] == 4


def test_harmonize_keeps_soprano_and_infill_changes_only_focus(tiny_ckpt, corpus):
    model, _, _ = load_model(tiny_ckpt)
    chorale = corpus.chorales("test")[0][:, :100]
    res = harmonize(model, chorale, SamplerConfig(steps=4))
    assert np.array_equal(res.grid[0], chorale[0]) and res.grid.shape == chorale.shape
    res = infill(model, chorale, "2-3", "alto,tenor", SamplerConfig(steps=4, temperature=2.0, typical=0, top_k=0))
    changed = res.grid != chorale
    allowed = np.zeros_like(changed)
    allowed[1:3, 16:48] = True
    assert changed.any() and not (changed & ~allowed).any()


def test_cli_grade_and_errors(tiny_ckpt, corpus, tmp_path):
    runner = CliRunner()
    path = write_musicxml(corpus.chorales("test")[0], tmp_path / "c.musicxml")
    out = runner.invoke(app, ["grade", str(path), str(path)])
    assert out.exit_code == 0 and out.output.strip().splitlines()[-1].startswith("median")
    bad = runner.invoke(app, ["infill", str(path), "--bars", "9-2", "--out", str(tmp_path), "--model", str(tiny_ckpt)])
    assert bad.exit_code == 2 and "--bars" in bad.output and "Traceback" not in bad.output
    harm = runner.invoke(app, ["harmonize", str(path), "--steps", "2", "--out", str(tmp_path / "h"),
                               "--model", str(tiny_ckpt)], env={"REGEN_PROGRESS": "1"})
    assert harm.exit_code == 0 and (tmp_path / "h" / "harmonized.mid").exists()
    assert "harmonize: " in harm.stderr and "0/2" in harm.stderr and "kept grade" not in harm.output


def test_best_of_keeps_the_best_graded_candidate(tiny_ckpt, corpus):
    from regen.music.grading import grade_grid
    from regen.music.config import ChoraleSampling
    from regen.music.tasks import Result, keep_best, sampler_with

    bach = corpus.windows("test")[0]
    noise = np.random.default_rng(0).integers(0, 58, bach.shape)
    fixed = np.zeros(bach.shape, dtype=bool)
    kept = keep_best([Result(noise, fixed), Result(bach, fixed), Result(noise[::-1], fixed), Result(noise, fixed)], 2)
    assert [k.grid is bach for k in kept] == [True, False] and kept[0].grade == grade_grid(bach)["grade"]

    model, _, _ = load_model(tiny_ckpt)
    base = ChoraleSampling(steps=2, temperature=2.0, typical=0, top_k=0)
    drawn = unconditional(model, base, n=6, seed=5)
    best = unconditional(model, sampler_with(base, best_of=3), n=2, seed=5)
    grades = [grade_grid(d.grid)["grade"] for d in drawn]
    assert [b.grade for b in best] == [min(grades[:3]), min(grades[3:])]
    chorale = corpus.chorales("test")[0][:, :100]
    res = harmonize(model, chorale, sampler_with(base, best_of=2))
    assert np.array_equal(res.grid[0], chorale[0]) and res.grid.shape == chorale.shape and res.grade is not None


def _best_of_lines(stderr: str, label: str) -> list[tuple[float, list[float]]]:
    """(kept grade, candidate grades) of each best-of line for `label` on stderr."""
    out = []
    for kept, n, shown in re.findall(rf"{label}: kept grade (\S+) of (\d+) candidates \(([^)]*)\)", stderr):
        grades = [float(g) for g in shown.split()]
        assert len(grades) == int(n)
        out.append((float(kept), grades))
    return out


def test_best_of_on_the_command_line(tiny_ckpt, corpus, tmp_path, monkeypatch):
    from regen.cli.main import app as main_app

    monkeypatch.setenv("REGEN_PROGRESS", "1")
    runner = CliRunner()
    out = runner.invoke(main_app, ["sample", str(tiny_ckpt), "--n", "2", "--best-of", "2",
                                   "--out", str(tmp_path / "s")])
    assert out.exit_code == 0, out.output
    assert len(list((tmp_path / "s").glob("*.mid"))) == 2
    # a bar over the sampler's steps (2 in the tiny config), one over the grading, one over the writing
    assert "sample (4 drawn)" in out.stderr and "0/2" in out.stderr and "grade" in out.stderr, out.stderr
    assert "write" in out.stderr and "wrote" not in out.stderr
    for i in range(2):
        (kept, grades), = _best_of_lines(out.stderr, f"sample-00{i}")
        assert len(grades) == 2 and kept == min(grades) and grades == sorted(grades)
    bad = runner.invoke(main_app, ["sample", "image/digits-vq-tiny", "--best-of", "2", "--out", str(tmp_path / "i")])
    assert bad.exit_code != 0 and "--best-of" in bad.output and "Traceback" not in bad.output
    assert not (tmp_path / "i").exists()
    path = write_musicxml(corpus.chorales("test")[0][:, :64], tmp_path / "m.musicxml")
    for command, label, extra in (("harmonize", "harmonization", []), ("infill", "infill", ["--bars", "2-3"])):
        out = runner.invoke(app, [command, str(path), *extra, "--best-of", "2", "--steps", "2", "--model",
                                  str(tiny_ckpt), "--out", str(tmp_path / command)])
        assert out.exit_code == 0 and f"{command} (2 drawn)" in out.stderr and "0/2" in out.stderr, out.output
        (kept, grades), = _best_of_lines(out.stderr, label)
        written = float(re.search(r"grade (\S+)$", out.stdout.strip()).group(1))
        assert len(grades) == 2 and kept == grades[0] and abs(written - kept) <= 0.05


def test_evaluate_shows_its_sampling_and_grading(tiny_ckpt, capsys, monkeypatch):
    from regen.music.task import MusicTask

    monkeypatch.setenv("REGEN_PROGRESS", "1")
    model, cfg, _ = load_model(tiny_ckpt)
    metrics = MusicTask().evaluate(cfg, model)
    err = capsys.readouterr().err
    assert metrics["grade_median"] > 0 and "sample" in err and "grade" in err and "0/1" in err, err
    monkeypatch.setenv("REGEN_PROGRESS", "0")
    MusicTask().evaluate(cfg, model)
    assert capsys.readouterr().err == ""


def test_init_from_starts_at_the_checkpoints_weights(tiny_ckpt, tmp_path):
    from regen.core.checkpoint import read_checkpoint
    from regen.core.errors import RegenError

    source = read_checkpoint(tiny_ckpt).tensors
    tune = TINY + [f"trainer.init_from={tiny_ckpt}", "phases.denoiser.lr=1e-9", "phases.denoiser.max_steps=1",
                   "data.eval_samples=1"]
    out = train_run(load_run_config("music/sunmask-transformer-tiny", tune), tmp_path / "run", out=tmp_path / "ckpt",
                    evaluate=False)
    tuned = read_checkpoint(out)
    first = read_checkpoint(tiny_ckpt).meta
    assert tuned.meta["init_from"]["weights_sha256"] == first["weights_sha256"]
    assert tuned.meta["init_from"]["phases"]["denoiser"]["steps"] == first["phases"]["denoiser"]["steps"] == 4
    assert all(torch.allclose(tuned.tensors[k], v, atol=1e-6) for k, v in source.items())
    fresh_cfg = load_run_config("music/sunmask-transformer-tiny", TINY + ["seed=5", "phases.denoiser.lr=1e-9"])
    fresh = read_checkpoint(train_run(fresh_cfg, tmp_path / "fresh", out=tmp_path / "fresh-ckpt", evaluate=False)).tensors
    assert not all(torch.allclose(fresh[k], v, atol=1e-6) for k, v in source.items())
    other = ["model.transformer.dim=16" if o.startswith("model.transformer.dim") else o for o in tune]
    with pytest.raises(RegenError, match="do not fit"):
        train_run(load_run_config("music/sunmask-transformer-tiny", other), tmp_path / "bad", evaluate=False)


def test_init_parts_grafts_one_stage_of_another_checkpoint(tiny_ckpt, tmp_path):
    from regen.core.checkpoint import read_checkpoint
    from regen.core.errors import CheckpointError, ConfigError

    source = read_checkpoint(tiny_ckpt).tensors
    prefix = "net.embed"  # one module's weights, (vocabulary, model.transformer.dim)
    graft = TINY + ["seed=5", "phases.denoiser.lr=1e-9", "phases.denoiser.max_steps=1",
                    f"trainer.init_parts={{{prefix}: {tiny_ckpt}}}"]
    out = read_checkpoint(train_run(load_run_config("music/sunmask-transformer-tiny", graft), tmp_path / "run",
                                    out=tmp_path / "ckpt", evaluate=False))
    grafted = [k for k in source if k.startswith(prefix + ".")]
    assert grafted and all(torch.allclose(out.tensors[k], source[k], atol=1e-6) for k in grafted)
    rest = [k for k in source if k not in grafted and source[k].is_floating_point() and source[k].numel() > 1]
    assert not all(torch.allclose(out.tensors[k], source[k], atol=1e-6) for k in rest)  # seed 5 elsewhere
    assert out.meta["init_parts"][prefix]["tensors"] == len(grafted)
    nothing = TINY + ["trainer.init_parts={nowhere.at_all: %s}" % tiny_ckpt]
    with pytest.raises(ConfigError, match="prefix 'nowhere.at_all' names no weight"):
        train_run(load_run_config("music/sunmask-transformer-tiny", nothing), tmp_path / "bad", evaluate=False)
    wider = [o for o in graft if not o.startswith("model.transformer.dim")] + ["model.transformer.dim=16"]
    with pytest.raises(CheckpointError, match="has no weights of this model's shapes"):
        train_run(load_run_config("music/sunmask-transformer-tiny", wider), tmp_path / "bad2", evaluate=False)


def test_augment_writes_the_best_graded_samples_and_training_reads_them(tiny_ckpt, tmp_path):
    from regen.core.errors import RegenError
    from regen.music.augment import load_augmentation

    runner = CliRunner()
    out = tmp_path / "aug.npz"
    done = runner.invoke(app, ["augment", "--model", str(tiny_ckpt), "--n", "4", "--keep", "2", "--steps", "2",
                               "--out", str(out)])
    assert done.exit_code == 0, done.output
    grids = load_augmentation(out)
    with np.load(out, allow_pickle=False) as saved:
        grades, source = saved["grades"], json.loads(str(saved["source"]))
    assert grids.shape == (2, 4, 128) and grades[0] <= grades[1] and source["drawn"] == 4
    ckpt = train_run(load_run_config("music/sunmask-transformer-tiny", TINY + [f"data.augment={out}"]),
                     tmp_path / "run", out=tmp_path / "ckpt", evaluate=False)
    meta = json.loads((ckpt / "meta.json").read_text())
    assert meta["data"]["train_windows"] == 32 + 2 and meta["data"]["augment"] == str(out)
    bad = runner.invoke(app, ["augment", "--model", str(tiny_ckpt), "--n", "2", "--keep", "3", "--out", str(out)])
    assert bad.exit_code == 2 and "--keep 3" in bad.output and "Traceback" not in bad.output
    wrong = runner.invoke(app, ["augment", "--model", str(tiny_ckpt), "--n", "2", "--keep", "1",
                                "--out", str(tmp_path / "aug.txt")])
    assert wrong.exit_code == 2 and "must end in .npz" in wrong.output and not (tmp_path / "aug.txt").exists()
    np.savez(tmp_path / "foreign.npz", grids=np.zeros((2, 3, 5), dtype=np.int16))
    with pytest.raises(RegenError, match="expected"):
        load_augmentation(tmp_path / "foreign.npz")


def test_the_step_callback_counts_steps_and_leaves_the_samples_alone(tiny_ckpt):
    model, _, _ = load_model(tiny_ckpt)
    sampler, init = SamplerConfig(steps=3), torch.zeros(1, 4, 128, dtype=torch.long)
    plain = model.sample(init, sampler=sampler, seed=3)
    counted = []
    barred = model.sample(init, sampler=sampler, seed=3, callback=counted.append)
    assert torch.equal(plain, barred) and len(counted) == 3
