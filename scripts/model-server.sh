#!/usr/bin/env bash
# An OpenAI-compatible model server on the CPU: llama.cpp's server with the packaged chat model.
# Replicas reach it with HELPDESK_GENERATOR=openai HELPDESK_OPENAI_BASE_URL=http://HOST:PORT/v1.
#   bash scripts/model-server.sh                 # 127.0.0.1:8000, all cores
#   MODEL_HOST=0.0.0.0 MODEL_PORT=8000 MODEL_THREADS=8 HELPDESK_MODEL=qwen2.5-coder-1.5b bash scripts/model-server.sh
# The packaged model is joined once into $HELPDESK_DATA_DIR/models (sha256-checked); a GGUF path works too.
# Requests from several replicas queue: the server's default would cut a running answer short
# whenever another request arrives (--interrupt_requests). HELPDESK_OPENAI_API_KEY, if set, is required.
set -euo pipefail
if [ -z "${VIRTUAL_ENV:-}" ] && [ -f "$(dirname "$0")/../.venv/bin/activate" ]; then
    # shellcheck disable=SC1091
    . "$(dirname "$0")/../.venv/bin/activate"
fi
model=$(python -c 'import os, sys
from pathlib import Path
from bot.generators import resolve_gguf
cache = Path(os.environ.get("HELPDESK_DATA_DIR", "helpdesk-data")) / "models"
print(resolve_gguf(os.environ.get("HELPDESK_MODEL", "qwen2.5-coder-0.5b"), cache, progress=sys.stderr.isatty()))')
threads="${MODEL_THREADS:-$(nproc)}"
exec python -m llama_cpp.server --model "$model" --host "${MODEL_HOST:-127.0.0.1}" --port "${MODEL_PORT:-8000}" \
    --model_alias "${HELPDESK_MODEL:-qwen2.5-coder-0.5b}" --n_threads "$threads" --n_ctx "${MODEL_CONTEXT:-4096}" \
    --interrupt_requests False \
    ${HELPDESK_OPENAI_API_KEY:+--api_key "$HELPDESK_OPENAI_API_KEY"}
