"""Stage 7 — the service layer (every user action) and its two thin front ends, CLI and Gradio UI."""
