"""Load test over the app's HTTP API (loopback only, bounded in users and time).

    python scripts/load_test.py [--users 20] [--seconds 120] [--url http://127.0.0.1:7860]

Without --url it starts `python app.py` on a free port with a fresh data folder (the index
of corpus/ is built first, as on a first start). N users, each a gradio_client session of its
own, ask dev_qa questions in a loop; after every answer the user checks that the chat it got
back holds exactly its own questions (a mixed-up history counts as an error). Meanwhile
another client uploads reports through /upload and deletes them again. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(data_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "KAOCHA_DATA_DIR": str(data_dir), "GRADIO_SERVER_PORT": str(port)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 600
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, f"http://127.0.0.1:{port}/"
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"app.py exited with {proc.returncode}")
            time.sleep(1)
    proc.kill()
    raise SystemExit("app did not start within 600 s")


def text(msg) -> str:
    c = msg["content"]
    return c if isinstance(c, str) else "".join(p.get("text", "") for p in c)


def user(url: str, questions: list[str], until: float, out: dict, seed: int) -> None:
    from gradio_client import Client

    rng = random.Random(seed)
    client = Client(url, verbose=False)
    mine: list[str] = []
    while time.time() < until:
        q = rng.choice(questions)
        if len(mine) >= 6:  # a fresh conversation now and then, like a real user
            client.predict(api_name="/clear")
            mine = []
        t0 = time.perf_counter()
        try:
            chat, _, _ = client.predict(q, [], api_name="/ask")
            out["lat"].append(time.perf_counter() - t0)
            mine.append(q)
            got = [text(m) for m in chat if m["role"] == "user"]
            # the UI escapes Markdown characters in the displayed question: compare the letters
            if [g.replace("\\", "") for g in got] != mine:
                out["mixed"] += 1
        except Exception as exc:  # noqa: BLE001 - every failure counts, whatever its type
            out["errors"].append(f"{type(exc).__name__}: {str(exc)[:120]}")


def ingester(url: str, until: float, out: dict) -> None:
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False)
    folder = Path(tempfile.mkdtemp(prefix="kload-"))
    n = 0
    while time.time() < until:
        n += 1
        p = folder / f"负载测试{n}.txt"
        p.write_text(f"关于赴负载{n}市考察的报告\n一、基本情况\n负载{n}市建成充电桩{n * 37}个。\n" * 3, encoding="utf-8")
        try:
            t0 = time.perf_counter()
            result, *_ = client.predict([handle_file(str(p))], api_name="/upload")
            out["ingest_lat"].append(time.perf_counter() - t0)
            if result["data"][0][1] != "已加入":
                out["errors"].append(f"upload: {result['data'][0]}")
            client.predict(p.name, api_name="/delete")
        except Exception as exc:  # noqa: BLE001
            out["errors"].append(f"ingest {type(exc).__name__}: {str(exc)[:120]}")
        time.sleep(2)


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--url", default="")
    a = ap.parse_args()
    if not 1 <= a.users <= 100 or not 1 <= a.seconds <= 900:
        raise SystemExit("--users 1–100 and --seconds 1–900: this script is a bounded load test")
    proc = None
    url = a.url
    if not url:
        proc, url = start_app(Path(tempfile.mkdtemp(prefix="kload-data-")))
    if not url.startswith(("http://127.0.0.1", "http://localhost")):
        raise SystemExit(f"loopback only: {url}")
    questions = [json.loads(line)["question"] for line in (SHARED / "eval" / "dev_qa.jsonl").open(encoding="utf-8")]
    out = {"lat": [], "errors": [], "mixed": 0, "ingest_lat": []}
    until = time.time() + a.seconds
    threads = [threading.Thread(target=user, args=(url, questions, until, out, i)) for i in range(a.users)]
    threads.append(threading.Thread(target=ingester, args=(url, until, out)))
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.time() - t0
    lat = np.array(out["lat"]) * 1000
    print("| users | seconds | answers | answers/s | p50 ms | p95 ms | errors | mixed histories | uploads "
          "| upload p50 s | app peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {a.users} | {wall:.0f} | {len(lat)} | {len(lat) / wall:.1f} | {np.percentile(lat, 50):.0f} "
          f"| {np.percentile(lat, 95):.0f} | {len(out['errors'])} | {out['mixed']} | {len(out['ingest_lat'])} "
          f"| {np.median(out['ingest_lat']) if out['ingest_lat'] else float('nan'):.1f} "
          f"| {peak_rss_mb(proc.pid) if proc else float('nan'):.0f} |")
    for e in out["errors"][:10]:
        print("error:", e)
    if proc:
        proc.terminate()
        proc.wait(30)


if __name__ == "__main__":
    main()
