"""Stage 1 — read files, clean web junk, split files holding several reports, chunk by section."""
