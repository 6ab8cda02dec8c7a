#!/usr/bin/env bash
# Installs kaocha-rag and everything it needs on a fresh machine (Python 3.11, Debian).
# torch is pinned in the SAME pip command as the package: alone, pip would pick a
# multi-GB CUDA build (../shared/NOTES-offline.md).
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${KAOCHA_EXTRAS:-test}"
python3 -m pip install --disable-pip-version-check -q "torch==2.13.0" -e ".[${EXTRAS}]"
