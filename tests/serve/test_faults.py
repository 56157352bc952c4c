"""Faults: a model that raises, a full queue, a request past its time, a client that hangs up while
uploading or while its model runs. The server answers each with a JSON error and keeps serving.

The model faults run on an app of this process over stand-in digit models (one slow, one failing);
the hung-up upload goes to the real server."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Iterator

import httpx
import pytest
import torch
import uvicorn

from regen.serve.app import create_app
from regen.serve.limits import Limits, ModelSlot
from regen.serve.models import Catalog, Served
from tests.serve.conftest import Server, free_port


class StandIn(torch.nn.Module):
    """A digit model that takes `delay` seconds, then fails (with a path in its message) or draws blanks."""

    def __init__(self, delay: float, fail: bool) -> None:
        super().__init__()
        self.delay, self.fail = delay, fail

    def sample(self, labels: torch.Tensor, *_: object) -> tuple[torch.Tensor, torch.Tensor]:
        time.sleep(self.delay)
        if self.fail:
            raise RuntimeError("weights missing at /root/secret/model.safetensors")
        return torch.zeros(len(labels), 4, 4), torch.zeros(len(labels), 8, 8)


def _app_server(limits: Limits) -> tuple[str, uvicorn.Server, threading.Thread]:
    catalog = Catalog.__new__(Catalog)
    catalog.limits = limits
    cfg = SimpleNamespace(sample=SimpleNamespace(temperature=1.0))
    catalog.models = {name: Served(name, "digits", StandIn(delay, fail), cfg, ModelSlot(name, limits), 0.0)
                      for name, delay, fail in (("image/slow", 1.0, False), ("image/fast", 0.0, False),
                                                ("image/broken", 0.0, True))}
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(catalog, limits), host="127.0.0.1", port=port,
                                           log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


@pytest.fixture()
def stand_ins(request: pytest.FixtureRequest) -> Iterator[str]:
    url, server, thread = _app_server(request.param)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def _digits(url: str, model: str, timeout: float = 30) -> httpx.Response:
    return httpx.post(f"{url}/v1/images/digits", json={"digit": 1, "n": 2, "model": model}, timeout=timeout)


@pytest.mark.parametrize("stand_ins", [Limits()], indirect=True)
def test_a_failing_model_gets_500_and_the_server_goes_on(stand_ins: str) -> None:
    broken = _digits(stand_ins, "image/broken")
    assert broken.status_code == 500
    message = broken.json()["error"]["message"]
    assert "RuntimeError" in message and "keeps serving" in message and "/root" not in message
    assert _digits(stand_ins, "image/broken").status_code == 500  # its queue was released
    assert _digits(stand_ins, "image/fast").status_code == 200


@pytest.mark.parametrize("stand_ins", [Limits(queue=1)], indirect=True)
def test_a_full_queue_gets_429(stand_ins: str) -> None:
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: _digits(stand_ins, "image/slow"), range(6)))
    codes = sorted(a.status_code for a in answers)
    assert set(codes) == {200, 429} and codes.count(200) >= 2, codes
    assert all("busy" in a.json()["error"]["message"] for a in answers if a.status_code == 429)
    assert _digits(stand_ins, "image/slow").status_code == 200  # the queue drained


@pytest.mark.parametrize("stand_ins", [Limits(timeout_s=0.4)], indirect=True)
def test_a_request_past_its_time_gets_504_then_the_model_serves_again(stand_ins: str) -> None:
    late = _digits(stand_ins, "image/slow")
    assert late.status_code == 504 and "took longer" in late.json()["error"]["message"]
    assert _digits(stand_ins, "image/fast").status_code == 200  # other models never waited
    time.sleep(1.0)  # the slow model finishes the abandoned work
    assert httpx.get(f"{stand_ins}/health").json()["models"]["image/slow"]["pending"] == 0


@pytest.mark.parametrize("stand_ins", [Limits()], indirect=True)
def test_a_client_that_hangs_up_while_its_model_runs(stand_ins: str) -> None:
    with pytest.raises(httpx.ReadTimeout):
        _digits(stand_ins, "image/slow", timeout=0.2)
    assert _digits(stand_ins, "image/slow").status_code == 200  # after the abandoned one
    assert httpx.get(f"{stand_ins}/health").json()["models"]["image/slow"]["pending"] == 0


def test_a_client_killed_mid_upload(server: Server) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    for _ in range(3):
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"POST /v1/audio/transcriptions HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n"
                         b"Content-Type: multipart/form-data; boundary=xyz\r\n\r\n--xyz\r\nContent-Disposition: "
                         b"form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nRIFF" + bytes(4000))
        # the socket is closed with most of the body unsent
    assert httpx.get(f"{server.url}/health", timeout=10).json()["status"] == "ok"
    assert httpx.post(f"{server.url}/v1/images/digits", json={"digit": 4, "n": 2}, timeout=30).status_code == 200
