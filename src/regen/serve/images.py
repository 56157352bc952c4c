"""Image endpoint: 8x8 digits of a chosen class, as a PNG grid or JSON (grey levels 0..LEVELS-1 and the PNG)."""

from __future__ import annotations

import base64
import math
import tempfile
from pathlib import Path
from typing import Literal, Optional

import torch
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from regen.serve.errors import ApiError
from regen.serve.limits import FIGURES
from regen.serve.models import catalog_of

router = APIRouter(tags=["images"])


class DigitsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: Optional[str] = Field(None, description="image/digits-vq-tiny (default), image/digits-pool-tiny or "
                                 "image/digits-direct-tiny (the Direct baseline)")
    digit: int = Field(..., ge=0, le=9)
    n: int = Field(8, ge=1)
    temperature: Optional[float] = Field(None, gt=0)
    seed: int = Field(0, ge=0, le=2 ** 31 - 1)
    response_format: Literal["png", "json"] = "png"


@router.post("/v1/images/digits", response_class=Response,
             responses={200: {"content": {"image/png": {}}, "description": "A grid of the digits"}})
async def digits(body: DigitsRequest, request: Request) -> Response:
    """`n` digits of class `digit` drawn by class -> Y' -> image (or by Direct)."""
    from regen.vision.digits import LEVELS
    from regen.vision.figures import save_grid
    from regen.vision.task import draw

    limits = request.app.state.limits
    if body.n > limits.max_n * 4:
        raise ApiError(400, f"'n' is {body.n}; at most {limits.max_n * 4} digits per request", "n")
    if body.temperature is not None and not math.isfinite(body.temperature):
        raise ApiError(400, "'temperature' must be a finite positive number", "temperature")
    served = catalog_of(request).get(body.model, "digits")
    temperature = body.temperature or served.cfg.sample.temperature

    def work() -> tuple[bytes, list]:
        with torch.no_grad():
            images, _ = draw(served.model, torch.full((body.n,), body.digit, dtype=torch.long), temperature,
                             body.seed)
        with tempfile.TemporaryDirectory(prefix="regen-serve-") as folder:
            with FIGURES:
                path = save_grid(images, Path(folder) / "digits.png", 1, f"{body.digit}")
            return path.read_bytes(), images.long().tolist()

    png, pixels = await served.slot.run(work)
    headers = {"x-regen-model": served.name}
    if body.response_format == "png":
        return Response(png, media_type="image/png", headers=headers)
    return JSONResponse({"model": served.name, "digit": body.digit, "levels": LEVELS, "images": pixels,
                         "png": base64.b64encode(png).decode("ascii")}, headers=headers)
