"""Stage 2 — embed, store (Chroma), keyword index (bm25s), manifest, catalogue of the reports."""
