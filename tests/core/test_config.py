from dataclasses import dataclass, field
from typing import Literal, Optional

import pytest

from regen.core.config import apply_overrides, dump_yaml, parse, read_yaml
from regen.core.errors import ConfigError
from regen.core.config import config_names
from regen.core.run_config import load_run_config


@dataclass
class Inner:
    max_steps: int = 10
    lr: float = 1e-3


@dataclass
class Outer:
    name: str
    kind: Literal["a", "b"] = "a"
    inner: Inner = field(default_factory=Inner)
    tags: list[str] = field(default_factory=list)
    limit: Optional[int] = None


def test_parse_nested_and_types():
    cfg = parse(Outer, {"name": "x", "kind": "b", "inner": {"max_steps": 5, "lr": 1}, "tags": ["t"]})
    assert cfg.inner.max_steps == 5 and cfg.inner.lr == 1.0 and cfg.kind == "b" and cfg.tags == ["t"]


def test_typo_names_closest_key():
    with pytest.raises(ConfigError, match=r"unknown key 'inner.max_stpes'; did you mean 'inner.max_steps'\?"):
        parse(Outer, {"name": "x", "inner": {"max_stpes": 5}})


@pytest.mark.parametrize("data, message", [
    ({"name": "x", "kind": "c"}, "choose one of"),
    ({"name": "x", "inner": {"max_steps": "many"}}, "must be an integer"),
    ({"name": "x", "inner": {"max_steps": True}}, "must be an integer"),
    ({}, "missing required key 'name'"),
    ({"name": "x", "inner": 3}, "must be a mapping"),
])
def test_bad_values(data, message):
    with pytest.raises(ConfigError, match=message):
        parse(Outer, data)


def test_overrides_apply_yaml_values():
    data = apply_overrides({"name": "x", "inner": {"lr": 0.1}}, ["inner.max_steps=7", "kind=b", "limit=null"])
    cfg = parse(Outer, data)
    assert (cfg.inner.max_steps, cfg.inner.lr, cfg.kind, cfg.limit) == (7, 0.1, "b", None)
    with pytest.raises(ConfigError, match="key.path=value"):
        apply_overrides({}, ["nonsense"])
    assert parse(Outer, apply_overrides({"name": "x"}, ["inner.lr=1e-9"])).inner.lr == 1e-9  # YAML 1.1 gives '1e-9'
    with pytest.raises(ConfigError, match="must be a number"):
        parse(Outer, apply_overrides({"name": "x"}, ["inner.lr=1e-x"]))


def test_round_trip_through_yaml(tmp_path):
    cfg = parse(Outer, {"name": "x", "tags": ["a"]})
    path = tmp_path / "c.yaml"
    path.write_text(dump_yaml(cfg))
    assert parse(Outer, read_yaml(path)) == cfg


def test_shipped_configs_validate_and_typo_in_override_is_caught():
    cfg = load_run_config("image/digits-vq-tiny", ["phases.converter.max_steps=3"])
    assert cfg.task == "image" and cfg.phases["converter"].max_steps == 3
    with pytest.raises(ConfigError, match="did you mean 'phases.converter.max_steps'"):
        load_run_config("image/digits-vq-tiny", ["phases.converter.max_stesp=3"])
    with pytest.raises(ConfigError, match="did you mean 'phases.converter'"):
        load_run_config("image/digits-vq-tiny", ["phases.convertor.max_steps=3"])
    with pytest.raises(ConfigError, match="did you mean 'image/digits-vq-tiny'"):
        load_run_config("image/digits-vq-tinny")
    with pytest.raises(ConfigError, match="factor must divide the 8-pixel side"):
        load_run_config("image/digits-pool-tiny", ["model.abstraction.factor=3"])
    with pytest.raises(ConfigError, match="levels must lie in"):
        load_run_config("image/digits-pool-tiny", ["model.abstraction.levels=1"])


def test_bad_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        read_yaml(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        read_yaml(bad)
    unknown = tmp_path / "task.yaml"
    unknown.write_text("task: imgae\nname: x\n")
    with pytest.raises(ConfigError, match="did you mean 'image'"):
        load_run_config(unknown)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(ConfigError, match="not a UTF-8 text file"):
        read_yaml(binary)
    with pytest.raises(ConfigError, match="is a folder"):
        read_yaml(tmp_path)


@pytest.mark.parametrize("name", [n for n in config_names() if "/logmel-" not in n])
def test_every_shipped_config_validates(name):
    cfg = load_run_config(name)
    assert name.endswith(cfg.name)


def test_an_unknown_weights_dtype_is_refused_in_one_line():
    with pytest.raises(ConfigError, match=r"^text/sunmask-tiny: trainer is invalid: weights_dtype must be one of "
                                          r"float32, float16, bfloat16$"):
        load_run_config("text/sunmask-tiny", ["trainer.weights_dtype=float64"])
