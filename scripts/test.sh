#!/usr/bin/env bash
# Set up (idempotent) and run every test tier: unit, integration (real models and servers), browser.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
# shellcheck disable=SC1091
. .venv/bin/activate
export HF_HUB_OFFLINE=1 OMP_WAIT_POLICY=PASSIVE
python -m pytest "$@"
