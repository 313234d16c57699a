"""Server-sent events from sse-starlette (PyPI) on uvicorn, for tests/tests/sse_servers.rs.

Run: python sse_starlette_app.py PORT. Routes: /completion (tokens, then [DONE]), /multiline
(one event whose data spans lines), /many (10,000 numbered events), /resume (reconnection:
ids 1-3, then 4-5 after Last-Event-ID: 3, then 204), /hold (one event, then open until the
client leaves), /seen (the Last-Event-ID of every /resume request), /disconnects (how many
/hold clients left).
"""

import asyncio
import json
import sys

import uvicorn
from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SEEN = []
DISCONNECTS = [0]


async def completion(request):
    async def events():
        for i, token in enumerate(["Hello", ",", " world", "!"], start=1):
            yield {"data": json.dumps({"text": token}), "id": str(i)}
        yield {"data": "[DONE]"}

    return EventSourceResponse(events())


async def multiline(request):
    async def events():
        yield {"event": "note", "data": "line one\nline two"}

    return EventSourceResponse(events())


async def many(request):
    async def events():
        for n in range(1, 10001):
            yield {"data": json.dumps({"n": n}), "id": str(n)}

    return EventSourceResponse(events())


async def resume(request):
    last = request.headers.get("last-event-id")
    SEEN.append(last)
    if last is None:
        numbers, retry = [1, 2, 3], 10
    elif last == "3":
        numbers, retry = [4, 5], None
    else:
        return Response(status_code=204)

    async def events():
        for n in numbers:
            event = {"data": json.dumps({"n": n}), "id": str(n)}
            if retry is not None:
                event["retry"] = retry
            yield event

    return EventSourceResponse(events())


async def hold(request):
    async def events():
        try:
            yield {"data": json.dumps({"n": 1})}
            while True:
                await asyncio.sleep(3600)
        finally:
            DISCONNECTS[0] += 1

    return EventSourceResponse(events())


async def seen(request):
    return JSONResponse(SEEN)


async def disconnects(request):
    return JSONResponse(DISCONNECTS[0])


app = Starlette(
    routes=[
        Route("/completion", completion),
        Route("/multiline", multiline),
        Route("/many", many),
        Route("/resume", resume),
        Route("/hold", hold),
        Route("/seen", seen),
        Route("/disconnects", disconnects),
    ]
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="info")
