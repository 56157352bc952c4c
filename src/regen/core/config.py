"""Typed configuration: YAML files validated into dataclasses.

A config class is a (nested) dataclass. `parse` checks every key and type and
fails with one line naming the bad key and, for a typo, the closest valid key.
`apply_overrides` applies `a.b=value` strings (values are read as YAML).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

import yaml

from regen.core.errors import ConfigError

T = TypeVar("T")


CONFIG_ROOT = Path(__file__).resolve().parents[1] / "configs"

_SCIENTIFIC = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+")


def config_names() -> list[str]:
    """Names of the configs shipped inside the package, e.g. 'image/digits-vq-tiny'."""
    return sorted(str(p.relative_to(CONFIG_ROOT).with_suffix("")) for p in CONFIG_ROOT.glob("*/*.yaml"))


def find_config(name_or_path: str | Path) -> Path:
    """A config file: an existing path, else a shipped config by name ('speech/repmix-tiny')."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    if path.is_dir():
        raise ConfigError(f"{path} is a folder; pass a YAML config file or a config name such as image/digits-vq-tiny")
    name = str(name_or_path).removesuffix(".yaml").removeprefix("configs/")
    shipped = CONFIG_ROOT / f"{name}.yaml"
    if shipped.is_file():
        return shipped
    close = difflib.get_close_matches(name, config_names(), n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else "`regen configs` lists the shipped ones"
    raise ConfigError(f"config {name_or_path} does not exist (neither a file nor a shipped config name); {hint}")


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping from a file or shipped config name, with one-line errors."""
    path = find_config(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not a UTF-8 text file; pass a YAML config") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path} is not valid YAML{where}; fix the syntax and retry") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a YAML mapping of keys to values")
    return data


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Return a copy of `data` with each `a.b.c=value` override applied."""
    data = _deep_copy(data)
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"override '{item}' must look like key.path=value, e.g. trainer.max_steps=100")
        key, raw = item.split("=", 1)
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        node = data
        parts = key.strip().split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = value
    return data


def parse(cls: type[T], data: Any, where: str = "config", key: str = "") -> T:
    """Validate the mapping `data` into the dataclass `cls`; `key` names it inside a larger config."""
    return _convert(cls, data, key, where)


def to_dict(obj: Any) -> Any:
    """Plain YAML-able form of a config dataclass (recursively)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


def dump_yaml(obj: Any) -> str:
    """The YAML text of a config dataclass or mapping."""
    return yaml.safe_dump(to_dict(obj), sort_keys=False)


def _deep_copy(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _deep_copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_deep_copy(v) for v in data]
    return data


def _convert(tp: Any, value: Any, key: str, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    name = key or "<top level>"
    if dataclasses.is_dataclass(tp):
        return _convert_dataclass(tp, value, key, where)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return _convert(arg, value, key, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{where}: '{name}' has an invalid value {value!r}")
    if origin is Literal:
        if value not in args:
            options = ", ".join(repr(a) for a in args)
            raise ConfigError(f"{where}: '{name}' is {value!r}; choose one of {options}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: '{name}' must be a list, got {value!r}")
        item_tp = args[0] if args else Any
        items = [_convert(item_tp, v, f"{key}[{i}]", where) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: '{name}' must be a mapping, got {value!r}")
        val_tp = args[1] if len(args) == 2 else Any
        return {str(k): _convert(val_tp, v, f"{key}.{k}", where) for k, v in value.items()}
    if tp is Any:
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: '{name}' must be true or false, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, str) and _SCIENTIFIC.fullmatch(value.strip()):
            value = float(value)  # YAML 1.1 reads 1e-9 (no dot) as a string
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: '{name}' must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(f"{where}: '{name}' must be a finite number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: '{name}' must be an integer, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ConfigError(f"{where}: '{name}' must be a string, got {value!r}")
        return str(value)
    raise ConfigError(f"{where}: '{name}' has an unsupported type {tp!r}")


def _convert_dataclass(cls: Any, value: Any, key: str, where: str) -> Any:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{key or '<top level>'}' must be a mapping of keys to values, got {value!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    prefix = f"{key}." if key else ""
    for given in value:
        if given not in fields:
            close = difflib.get_close_matches(str(given), list(fields), n=1, cutoff=0.5)
            hint = f"did you mean '{prefix}{close[0]}'?" if close else "valid keys: " + ", ".join(prefix + f for f in fields)
            raise ConfigError(f"{where}: unknown key '{prefix}{given}'; {hint}")
    kwargs = {}
    for fname, field in fields.items():
        if fname in value:
            kwargs[fname] = _convert(hints[fname], value[fname], prefix + fname, where)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{where}: missing required key '{prefix}{fname}'")
    try:
        return cls(**kwargs)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: {prefix.rstrip('.') or 'config'} is invalid: {exc}") from None
