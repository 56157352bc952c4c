"""`App`: a Typer whose commands turn user mistakes into one line on stderr (exit 2), never a traceback."""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import typer

from regen.core.errors import RegenError


def one_line_errors(fn: Callable) -> Callable:
    """Print a RegenError (or an OS error about a user's file) as one line and exit with status 2."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RegenError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            typer.echo(f"error: {exc.strerror or exc}{where}; check the path and its permissions", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
    return wrapper


def refuse_output_dir(path: Path, option: str = "--out") -> None:
    """Before any work: a one-line RegenError unless `path` is, or could be made, a writable folder.
    Creates nothing, so a later mistake leaves no empty output folder behind."""
    path = Path(path).absolute()
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise RegenError(f"{option} {path}: {existing} is a file, not a folder; choose another folder")
    try:  # a probe folder, removed at once: permissions alone miss read-only mounts and /proc
        os.rmdir(tempfile.mkdtemp(prefix=".regen-probe.", dir=existing))
    except OSError as exc:
        raise RegenError(f"{option} {path}: cannot write into {existing} ({exc.strerror or exc}); "
                         "choose another folder") from None


def refuse_output_file(path: Path, option: str = "--out") -> None:
    """Before any work: a one-line RegenError unless a file could be written at `path`; creates nothing."""
    if Path(path).is_dir():
        raise RegenError(f"{option} {path} is a folder; give a file name")
    refuse_output_dir(Path(path).absolute().parent, option)


class App(typer.Typer):
    """typer.Typer with `one_line_errors` around every command and callback."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, **kwargs)

    def callback(self, *args: Any, **kwargs: Any) -> Callable[[Callable], Callable]:
        return _wrapping(super().callback(*args, **kwargs))

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Callable], Callable]:
        return _wrapping(super().command(*args, **kwargs))


def _wrapping(register: Callable[[Callable], Any]) -> Callable[[Callable], Callable]:
    """A decorator that registers `one_line_errors(fn)` and returns `fn` unchanged."""
    def decorator(fn: Callable) -> Callable:
        register(one_line_errors(fn))
        return fn
    return decorator
