#!/usr/bin/env bash
# Set up (idempotent) and start the web chat at http://127.0.0.1:7860 on the packaged models.
# A fresh data directory gets the bundled demo help center, so the first run answers questions.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate
export HF_HUB_OFFLINE=1
exec helpdesk serve "$@"
