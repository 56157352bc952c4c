"""The ASGI app: every router, the JSON errors, a body-size limit, `/v1/models`, `/health` and the page."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Awaitable, Callable

import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from fastapi.responses import HTMLResponse, Response

from regen.serve import errors, images, music, speech, text
from regen.serve.errors import ApiError, error_response
from regen.serve.limits import Limits
from regen.serve.models import ALIASES, Catalog

PAGE_FILES = {"app.js": "text/javascript", "style.css": "text/css"}


class BodyLimit:
    """ASGI middleware: 413 for a request body over `max_bytes`, by its Content-Length or, for a chunked
    body, as soon as the bytes read pass it."""

    def __init__(self, app: Callable[..., Awaitable[None]], max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            response = error_response(413, f"the request body is larger than {self.max_bytes // 2 ** 20} MiB; "
                                           "send a smaller file or text")
            return await response(scope, receive, send)
        seen = 0

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise ApiError(413, f"the request body is larger than {self.max_bytes // 2 ** 20} MiB; send a "
                                    "smaller file or text")
            return message

        await self.app(scope, counted, send)


def create_app(catalog: Catalog, limits: Limits) -> FastAPI:
    """The server's app over loaded models."""
    app = FastAPI(title="regen", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Regeneration learning's shipped models: OpenAI-compatible speech endpoints, "
                              "music, text and images. Errors are JSON: {\"error\": {\"message\": ...}}.")
    app.state.catalog, app.state.limits = catalog, limits
    errors.install(app)
    for module in (speech, music, text, images):
        app.include_router(module.router)
    app.add_middleware(BodyLimit, max_bytes=limits.max_upload_bytes)

    @app.get("/v1/models", tags=["models"])
    async def models() -> dict[str, Any]:
        """Every model id a request may name (OpenAI's list format)."""
        data = []
        for name in catalog.names():
            served = catalog.models[ALIASES.get(name, name)]
            data.append({"id": name, "object": "model", "created": served.created, "owned_by": "regen",
                         "regen": {"checkpoint": served.name, "kind": served.kind}})
        return {"object": "list", "data": data}

    @app.get("/health", tags=["models"])
    async def health() -> dict[str, Any]:
        """Liveness and each model's queue."""
        return {"status": "ok", "models": {n: {"kind": s.kind, "pending": s.slot.pending,
                                              "loaded_seconds": round(s.loaded_seconds, 2)}
                                          for n, s in catalog.models.items()},
                "limits": vars(limits)}

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        """The API's interactive docs, from files of the package swagger-ui-bundle (no CDN)."""
        return get_swagger_ui_html(openapi_url="/openapi.json", title="regen API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        html = resources.files("regen.serve").joinpath("page/index.html").read_text(encoding="utf-8")
        config = {"models": {n: s.kind for n, s in catalog.models.items()},
                  "voices": {n: s.voices for n, s in catalog.models.items() if s.kind == "tts"},
                  "limits": vars(limits)}
        return HTMLResponse(html.replace("/*REGEN_CONFIG*/{}", json.dumps(config)))

    @app.get("/page/{name}", include_in_schema=False)
    async def page_file(name: str, request: Request) -> Response:
        if name not in PAGE_FILES:
            raise ApiError(404, f"no endpoint GET {request.url.path}; see /docs")
        body = resources.files("regen.serve").joinpath(f"page/{name}").read_bytes()
        return Response(body, media_type=PAGE_FILES[name])

    return app
