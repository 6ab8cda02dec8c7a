"""Stage 6 — evaluation helpers and benchmark corpora (used by `kaocha-rag eval` and scripts/)."""
