"""The baseline of the witness benchmark: a FastAPI endpoint at the same path, served by the same
`accord.witness.server.serve` (same uvicorn settings), that reads the body and answers a constant line
without doing anything. `python -m bench.bare_endpoint` prints `bare endpoint listening on URL`."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response

from accord.ledger.witness_protocol import ADD_CHECKPOINT_PATH
from accord.witness.server import serve

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
_ANSWER = ("\u2014 bare " + "A" * 100 + "\n").encode()  # as long as a cosignature line


@app.post(ADD_CHECKPOINT_PATH)
async def add_checkpoint(request: Request) -> Response:
    await request.body()
    return Response(_ANSWER, 200, headers={"Content-Type": "text/plain; charset=utf-8"})


if __name__ == "__main__":
    serve(app, "127.0.0.1", 0, lambda url: print(f"bare endpoint listening on {url}", flush=True))
