"""`App`: a Typer whose commands turn user mistakes into one line on stderr (exit 2), never a traceback."""

from __future__ import annotations

import functools
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


class App(typer.Typer):
    """typer.Typer with `one_line_errors` around every command."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, **kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Callable], Callable]:
        register = super().command(*args, **kwargs)

        def decorator(fn: Callable) -> Callable:
            register(one_line_errors(fn))
            return fn
        return decorator
