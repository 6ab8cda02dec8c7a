"""Start and stop a real Chroma server (`chroma run`) on a free loopback port, for tests."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    def __init__(self, path: Path, port: int | None = None):
        self.path, self.port, self.proc = Path(path), port or free_port(), None

    def start(self, timeout: float = 30.0) -> "ChromaServer":
        exe = shutil.which("chroma")
        if exe is None:
            raise RuntimeError("找不到 chroma 命令：chromadb 安装不完整（pip install chromadb 会带上它）")
        self.proc = subprocess.Popen([exe, "run", "--path", str(self.path), "--host", "127.0.0.1",
                                      "--port", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"chroma run did not listen on port {self.port} within {timeout} s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None


def index_on_server(srv: ChromaServer, settings_factory, embedder, folder: Path, collection: str):
    """An Index whose vectors live on ``srv``, holding one small report about 丙地 (85万平方米)."""
    from kaocha_rag.index.index import Index

    s = settings_factory(chroma_host="127.0.0.1", chroma_port=srv.port, collection=collection)
    ix = Index(s, embedder=embedder)
    p = Path(folder) / "丙.txt"
    p.write_text("赴丙地考察报告\n一、基本情况\n丙地新建标准厂房85万平方米。", encoding="utf-8")
    ix.ingest([p])
    return ix
