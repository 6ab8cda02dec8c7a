"""A local OpenAI-compatible HTTP server for tests: records every request, replies from a script."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLLM:
    def __init__(self):
        self.requests: list[dict] = []
        self.reply = "好[1]"
        self.status = 200
        self.delay = 0.0
        self.raw: bytes | None = None
        self.drop_after: int | None = None  # stream: close the socket after this many pieces, no [DONE]
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                time.sleep(outer.delay)
                reply = outer.reply(body) if callable(outer.reply) else outer.reply  # a reply may read the prompt
                if outer.status != 200:
                    self.send_response(outer.status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(json.dumps({"error": {"message": "fake error", "type": "x"}}).encode())
                    return
                if outer.raw is not None:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(outer.raw)
                    return
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for k, i in enumerate(range(0, len(reply), 4)):
                        if outer.drop_after is not None and k >= outer.drop_after:
                            self.wfile.flush()
                            self.connection.shutdown(2)  # the peer vanishes mid-answer
                            self.close_connection = True
                            return
                        piece = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "fake",
                                 "choices": [{"index": 0, "delta": {"content": reply[i:i + 4]}, "finish_reason": None}]}
                        self.wfile.write(f"data: {json.dumps(piece, ensure_ascii=False)}\n\n".encode())
                        self.wfile.flush()
                    self.wfile.write(b"data: [DONE]\n\n")
                    return
                msg = {"id": "x", "object": "chat.completion", "created": 0, "model": "fake",
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
                       "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
                data = json.dumps(msg, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
