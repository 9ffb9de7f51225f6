"""The witness's HTTP face: one route, `POST /add-checkpoint`, on FastAPI and uvicorn (docs/adr/
witness-state-and-http.md). Every answer is plain text as the protocol specifies; nothing else is served
(no interactive docs, no schema)."""

from __future__ import annotations

import socket
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from accord.ledger.witness_protocol import ADD_CHECKPOINT_PATH, SIZE_CONTENT_TYPE, format_size
from accord.witness.rules import CONFLICT, Refusal
from accord.witness.service import Refused, Witness

# A checkpoint with its signatures and 63 proof hashes is a few kilobytes.
MAX_BODY = 64 * 1024
_TEXT = "text/plain; charset=utf-8"


def make_app(witness: Witness) -> FastAPI:
    app = FastAPI(title="Accord witness", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post(ADD_CHECKPOINT_PATH)
    async def add_checkpoint(request: Request) -> Response:
        body = await _bounded_body(request)
        if body is None:
            return _text(413, f"the request body is larger than {MAX_BODY} bytes")
        try:
            # The state is SQLite, which blocks: off the event loop, one thread per request in flight.
            lines = await run_in_threadpool(witness.add_checkpoint, body)
        except Refused as exc:
            return _refusal(exc.refusal)
        return _text(200, lines)

    return app


async def _bounded_body(request: Request) -> bytes | None:
    """The body, or None as soon as it is known to exceed MAX_BODY (it is never read whole)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _text(status: int, text: str) -> Response:
    return Response(text.encode("utf-8"), status, headers={"Content-Type": _TEXT})


def _refusal(refusal: Refusal) -> Response:
    if refusal.status == CONFLICT and refusal.held_size is not None:
        # Exactly this Content-Type, with no charset parameter: the client re-syncs on it.
        return Response(format_size(refusal.held_size), CONFLICT, headers={"Content-Type": SIZE_CONTENT_TYPE})
    return _text(refusal.status, refusal.reason + "\n")


def serve(app: FastAPI, host: str, port: int, announce: Callable[[str], None]) -> None:
    """Listen on host:port (0: any free port), call `announce` with the base URL once connections are
    accepted into the queue, and serve until SIGINT or SIGTERM."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.create_server((host, port), family=family)
    bound = listener.getsockname()[1]
    announce(f"http://[{host}]:{bound}" if family == socket.AF_INET6 else f"http://{host}:{bound}")
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[listener])
