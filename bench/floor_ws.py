"""The floor for bench/live_bench.py: the live protocol's fan-out with nothing else.

    .venv/bin/python bench/floor_ws.py --port 8042 --frames var/bench/live-<ts>-frames.json

A bare asyncio `websockets` server (one process, one event loop) that speaks just enough
of the live-session protocol for the benchmark's clients, with no Django, no channel
layer and no database:

* every connection gets a ``state`` frame with the current ``seq`` on connect and on
  ``sync``;
* a connection on ``/ws/live/<code>/host/`` sends ``start`` / ``next`` / ``reveal`` /
  ``end``; each is one public event (``question``, ``closed``, ``ended``) with the next
  ``seq``, serialised once and written to every connection (``websockets.broadcast``),
  then ``done`` to the host;
* ``answer`` frames are acknowledged at once (``ack`` with ``ref`` = the key; a key seen
  before is a duplicate), nothing is stored.

The question and closed events carry the same bodies as the platform's (``--frames``:
the question payloads and reveals that bench/live_bench.py took from the platform's
selectors), so both servers write frames of the same size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"))


class Floor:
    def __init__(self, frames: dict[str, Any], seconds_per_question: int) -> None:
        self.questions: list[dict[str, Any]] = frames.get("questions") or [
            {"id": 1, "type": "true_false", "prompt_html": "<p>?</p>", "choices": []}
        ]
        self.closed: list[dict[str, Any]] = frames.get("closed") or [{}]
        self.limit_ms = seconds_per_question * 1000
        self.connections: set[ServerConnection] = set()
        self.seq = 0
        self.index = -1
        self.status = "lobby"
        self.keys: set[str] = set()

    def state(self) -> str:
        return dumps(
            {
                "type": "state",
                "seq": self.seq,
                "state": {"status": self.status, "index": self.index, "seq": self.seq},
            }
        )

    def publish(self, event: str, body: dict[str, Any]) -> None:
        self.seq += 1
        text = dumps({"type": "event", "event": event, "seq": self.seq, **body})
        broadcast(self.connections, text)

    def act(self, action: str) -> bool:
        if action in {"start", "next"}:
            if self.index + 1 >= len(self.questions) or self.status == "question":
                return False
            self.index += 1
            self.status = "question"
            now = int(time.time() * 1000)
            self.publish(
                "question",
                {
                    "index": self.index,
                    "total": len(self.questions),
                    "round": self.index + 1,
                    "question": self.questions[self.index],
                    "timing": {
                        "server_now": now,
                        "deadline": now + self.limit_ms,
                        "remaining_ms": self.limit_ms,
                        "limit_ms": self.limit_ms,
                    },
                },
            )
        elif action == "reveal":
            if self.status != "question":
                return False
            self.status = "review"
            body = self.closed[self.index % len(self.closed)]
            self.publish("closed", {"index": self.index, "voided": False, **body})
        elif action == "end":
            self.status = "ended"
            body = self.closed[-1]
            self.publish(
                "ended",
                {"leaderboard": body.get("leaderboard", []), "players": body.get("players", 0)},
            )
        else:
            return False
        return True

    async def handler(self, ws: ServerConnection) -> None:
        host = ws.request is not None and ws.request.path.endswith("/host/")
        await ws.send(self.state())
        self.connections.add(ws)
        try:
            async for raw in ws:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "answer":
                    key = str(message.get("key"))
                    duplicate = key in self.keys
                    self.keys.add(key)
                    ack = {"type": "ack", "ref": key, "index": message.get("index")}
                    await ws.send(dumps({**ack, "duplicate": duplicate}))
                elif kind == "sync":
                    await ws.send(self.state())
                elif host:
                    if self.act(str(kind)):
                        await ws.send(dumps({"type": "done", "action": kind, "ref": None}))
                    else:
                        await ws.send(dumps({"type": "error", "code": "invalid_state"}))
        except Exception:
            pass
        finally:
            self.connections.discard(ws)


async def main(args: argparse.Namespace) -> None:
    frames = json.loads(Path(args.frames).read_text()) if args.frames else {}
    floor = Floor(frames, args.seconds_per_question)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(
        floor.handler,
        "127.0.0.1",
        args.port,
        compression=None if args.compression == "none" else "deflate",
        max_size=64 * 1024,  # as config/workers.py
        ping_interval=20,
        ping_timeout=20,
        backlog=4096,
    ):
        print(f"floor listening on 127.0.0.1:{args.port}", flush=True)
        await stop


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8042)
    parser.add_argument("--frames", help="JSON with 'questions' and 'closed' bodies")
    parser.add_argument("--seconds-per-question", type=int, default=15)
    parser.add_argument("--compression", choices=["deflate", "none"], default="deflate")
    return parser.parse_args()


if __name__ == "__main__":
    try:
        import uvloop  # the platform's workers run on uvloop too (uvicorn's default)
    except ImportError:
        asyncio.run(main(parse_args()))
    else:
        uvloop.run(main(parse_args()))
