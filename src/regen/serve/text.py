"""Text endpoints: sentences from noise, a template's slots filled, and sentences from keywords
(keywords -> template -> sentence). JSON in, JSON out."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Optional

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from regen.serve.errors import ApiError
from regen.serve.models import catalog_of

router = APIRouter(tags=["text"])


class TextRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: Optional[str] = Field(None, description="text/sunmask-tiny (default)")
    template: Optional[str] = Field(None, description="Words with ___ slots to fill (each ___ one word); "
                                    "leave out for sentences from noise")
    n: int = Field(4, ge=1)
    steps: Optional[int] = Field(None, ge=1)
    temperature: Optional[float] = Field(None, gt=0)
    seed: int = Field(0, ge=0, le=2 ** 31 - 1)


class KeywordsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: Optional[str] = Field(None, description="text/template-tiny (default)")
    keywords: str = Field(..., description="One to three content words, e.g. 'light darkness'")
    n: int = Field(4, ge=1)
    temperature: Optional[float] = Field(None, gt=0)
    seed: int = Field(0, ge=0, le=2 ** 31 - 1)


def _check(request: Request, n: int, text: Optional[str], field: str, steps: Optional[int] = None,
           temperature: Optional[float] = None) -> None:
    limits = request.app.state.limits
    if n > limits.max_n:
        raise ApiError(400, f"'n' is {n}; at most {limits.max_n} per request", "n")
    if text is not None and len(text) > limits.max_text_chars:
        raise ApiError(400, f"'{field}' has {len(text)} characters; at most {limits.max_text_chars}", field)
    if steps is not None and steps > limits.max_steps:
        raise ApiError(400, f"'steps' is {steps}; at most {limits.max_steps} per request", "steps")
    if temperature is not None and not math.isfinite(temperature):
        raise ApiError(400, "'temperature' must be a finite positive number", "temperature")


@router.post("/v1/text/sentences")
async def sentences(body: TextRequest, request: Request) -> dict:
    """Sentences drawn from noise, or `template`'s ___ slots filled (its other words kept)."""
    from regen.text.tasks import parse_template, sentences as draw

    _check(request, body.n, body.template, "template", body.steps, body.temperature)
    served = catalog_of(request).get(body.model, "text")
    sampler = served.cfg.sample
    if body.steps is not None:
        sampler = replace(sampler, steps=body.steps)
    if body.temperature is not None:
        sampler = replace(sampler, temperature=body.temperature)
    if body.template is not None:
        parse_template(served.model, body.template)  # a bad template: 400 before the queue

    def work() -> dict:
        drawn = draw(served.model, sampler, body.n, body.seed, body.template)
        lines = [served.model.vocabulary.decode(r.tolist()) for r in drawn.sentences]
        return {"object": "list", "model": served.name, "data": [{"text": line} for line in lines],
                "note": drawn.note()}

    return await served.slot.run(work)


@router.post("/v1/text/from-keywords")
async def from_keywords(body: KeywordsRequest, request: Request) -> dict:
    """Sentences written around `keywords`, each with the template (Y') it was written from."""
    from regen.text.tasks import from_keywords as run, parse_keywords

    _check(request, body.n, body.keywords, "keywords", temperature=body.temperature)
    served = catalog_of(request).get(body.model, "keywords")
    sample = served.cfg.sample if body.temperature is None else replace(served.cfg.sample,
                                                                         temperature=body.temperature)
    parse_keywords(served.model, body.keywords)  # unknown or function words only: 400 before the queue

    def work() -> dict:
        drawn, dropped = run(served.model, sample, body.keywords, body.n, body.seed)
        net = served.model
        templates = ([net.template_text(t) for t in drawn.templates] if drawn.templates is not None
                     else [None] * len(drawn.sentences))
        data = [{"text": net.vocabulary.decode(r.tolist()), "template": t}
                for r, t in zip(drawn.sentences, templates)]
        note = " ".join(filter(None, [drawn.note(), f"dropped function words: {', '.join(dropped)}" if dropped
                                      else ""]))
        return {"object": "list", "model": served.name, "data": data, "note": note}

    return await served.slot.run(work)
