"""``python -m kaocha_rag.cli``: the command line lives in ``app/cli.py``; this name is kept because
users and scripts run it."""
import sys

from .app.cli import main

if __name__ == "__main__":
    sys.exit(main())
