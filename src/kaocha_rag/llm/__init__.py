"""Stage 3 — the optional chat model: an OpenAI-compatible endpoint or the bundled local model."""
