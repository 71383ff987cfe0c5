"""A local fake of an HTTP SMS gateway, run as a real process by the tests.

It accepts ``POST /sms`` with JSON ``{"to", "text", "sender", "reference"}`` and an
``Idempotency-Key`` header, as the SMS channel sends them. Each accepted message is
appended as one JSON line to the log file; a key seen before is answered 200 again
without recording a second message (what real gateways do with client references).
``GET /health`` answers 200 once the server listens.

Run: ``python tests/fakes/sms_gateway.py --port 8099 --log /tmp/sms.jsonl``.
"""

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def make_handler(log: Path, token: str | None) -> type[BaseHTTPRequestHandler]:
    seen: set[str] = set()
    lock = threading.Lock()
    if log.exists():  # survive a restart of the fake, as a real gateway would
        seen.update(json.loads(line)["key"] for line in log.read_text().splitlines() if line)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:  # keep test output quiet
            return

        def _answer(self, status: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer(200 if self.path == "/health" else 404, {"ok": self.path == "/health"})

        def do_POST(self) -> None:
            if token and self.headers.get("Authorization") != f"Bearer {token}":
                self._answer(401, {"error": "bad credentials"})
                return
            key = self.headers.get("Idempotency-Key")
            payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            if not key or not payload.get("to") or not payload.get("text"):
                self._answer(400, {"error": "Idempotency-Key, to and text are required"})
                return
            with lock:
                duplicate = key in seen
                if not duplicate:
                    seen.add(key)
                    with log.open("a") as out:
                        out.write(json.dumps({"key": key, **payload}) + "\n")
            self._answer(200, {"id": key, "duplicate": duplicate})

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--token")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.log, args.token))
    server.serve_forever()


if __name__ == "__main__":
    main()
