"""Stage 4 — retrieve, understand the question, check support, extract or generate, cite."""
