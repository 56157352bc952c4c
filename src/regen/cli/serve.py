"""`regen serve`: load the shipped models once and serve the web page and the HTTP API."""

from __future__ import annotations

import errno
import os
import socket
import typer

from regen.core.errors import RegenError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _check_port(host: str, port: int) -> None:
    """A one-line RegenError, before any model loads, when `host:port` cannot be listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except socket.gaierror:
            raise RegenError(f"--host {host} is not an address of this machine; use 127.0.0.1 (the default)") from None
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise RegenError(f"port {port} on {host} is taken by another program; pass --port with another "
                                 "number") from None
            raise RegenError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another --host or --port "
                             "(ports below 1024 need root)") from None


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (127.0.0.1: this machine only; "
                             "0.0.0.0 opens it to the network)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    models: str = typer.Option("speech,asr,music,melody,text,image", "--models",
                               help="Model groups to load, comma-separated: speech (text to speech), asr, music "
                                    "(chorales, harmonize), melody (lyrics), text, image."),
    max_text_chars: int = typer.Option(1000, "--max-text-chars", min=1, help="Longest text per request."),
    max_upload_mb: float = typer.Option(10.0, "--max-upload-mb", min=0.01, help="Largest request body (MiB)."),
    max_audio_seconds: float = typer.Option(300.0, "--max-audio-seconds", min=1, help="Longest audio to transcribe."),
    queue: int = typer.Option(4, "--queue", min=0, help="Requests that may wait per model (beyond: 429)."),
    timeout: float = typer.Option(120.0, "--timeout", min=1, help="Seconds a request may wait and run."),
    log_level: str = typer.Option("warning", "--log-level", help="uvicorn's log level: warning, info or debug."),
) -> None:
    """Serve every shipped model from memory: a page at http://HOST:PORT/ and an HTTP API that OpenAI's
    audio clients speak (/v1/audio/speech, /v1/audio/transcriptions, /v1/models), with music, text and
    image endpoints beside it; API docs at /docs."""
    import uvicorn

    from regen.core.threads import apply_threads
    from regen.serve.app import create_app
    from regen.serve.limits import Limits
    from regen.serve.models import Catalog

    groups = [m.strip() for m in models.split(",") if m.strip()]
    if not groups:
        raise RegenError("--models is empty; name groups such as speech,asr,music")
    if log_level not in ("critical", "error", "warning", "info", "debug"):
        raise RegenError(f"--log-level {log_level!r}: choose warning, info or debug")
    _check_port(host, port)
    os.environ["REGEN_PROGRESS"] = "0"  # no progress bars of single requests in the server's log
    apply_threads(cap=1)  # one thread per request: two models answer at once on two cores
    limits = Limits(max_text_chars=max_text_chars, max_upload_bytes=int(max_upload_mb * 2 ** 20),
                    max_audio_seconds=max_audio_seconds, queue=queue, timeout_s=timeout)
    catalog = Catalog(groups, limits, report=lambda line: typer.echo(line, err=True))
    if host not in LOOPBACK:
        typer.echo(f"note: listening on {host}: other machines can reach this server", err=True)
    where = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    typer.echo(f"serving {len(catalog.models)} models on {where}/ (API docs {where}/docs); Ctrl-C stops",
               err=True)
    uvicorn.run(create_app(catalog, limits), host=host, port=port, log_level=log_level,
                limit_concurrency=64, timeout_keep_alive=5, timeout_graceful_shutdown=5)
