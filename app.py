"""Start the app: python app.py (127.0.0.1:7860; GRADIO_SERVER_NAME / GRADIO_SERVER_PORT respected).

Builds the index of corpus/ on first start, then serves the chat, drafting and
corpus tabs. KAOCHA_AUTH=user:password turns on login.
"""
import os
import sys
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).parent / "src"))

from kaocha_rag.app import service  # noqa: E402
from kaocha_rag.index.index import Index  # noqa: E402
from kaocha_rag.settings import Settings  # noqa: E402
from kaocha_rag.app.ui import build, launch_kwargs  # noqa: E402


def main():
    settings = Settings()
    index = Index(settings)
    if not index.documents():
        print(f"首次启动：正在为 {settings.corpus_dir} 建索引……", flush=True)
        for r in service.ingest(index, [settings.corpus_dir],
                                progress=lambda i, n, m: print(f"  [{i}/{n}] {m}", flush=True)):
            print(f"  {r.source}: {r.status} {r.error}", flush=True)
    demo = build(index)
    auth = tuple(settings.auth.split(":", 1)) if ":" in settings.auth else None
    # launch() itself reads GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (default 127.0.0.1:7860)
    demo.launch(auth=auth, auth_message="请输入账号和密码" if auth else None, **launch_kwargs())


if __name__ == "__main__":
    main()
