"""GPU check, the Python part of ``bench/gpu.sh``: generators on the GPU with the packaged model.

The transformers generator (bf16 on CUDA) and, when the ``vllm`` package is importable, vLLM's
OpenAI-compatible server on the same weights (the generator's converted checkpoint) reached
through helpdesk's ``openai`` generator. For each: time to first token and tokens per second for
1 chat at a time and for 32 chats at once. Helpdesk prompts: the system prompt, two numbered
sources from the demo help center and a demo question. Tokens are counted with the model's own
tokenizer. Results are written after every stage, so a run cut short keeps what it measured.

    python -m bench.gpu --out bench/results/gpu.json --work /tmp/gpu --deadline EPOCH_SECONDS
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MAX_TOKENS = 128
SOURCES = [
    ("Return window", "You have 30 days from the day your order was delivered to request a return. "
     "Requests made after 30 days cannot be accepted, but faulty appliances are still covered by "
     "our 2-year warranty."),
    ("Shipping costs", "Standard shipping to Germany costs €5.95 and takes 2-3 working days. "
     "Shipping is free on EU orders of €49 or more, and on orders to mainland China of €99 or more."),
]


def _questions() -> list[str]:
    path = ROOT / "bot" / "demo" / "questions.jsonl"
    return [json.loads(line)["question"] for line in path.read_text("utf-8").splitlines() if line.strip()]


def _messages(question: str) -> list[dict[str, str]]:
    from bot.prompts import build_messages
    from knowledge.lang import detect_language

    return build_messages(question, SOURCES, detect_language(question))


def _ms(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0] * 1000, 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000, 1)


def _chat(generator, question: str, count_tokens) -> dict[str, Any]:
    t0 = time.perf_counter()
    first, pieces = None, []
    for piece in generator.stream(_messages(question), max_tokens=MAX_TOKENS):
        if first is None:
            first = time.perf_counter() - t0
        pieces.append(piece)
    total = time.perf_counter() - t0
    tokens = count_tokens("".join(pieces))
    return {"ttft": first if first is not None else total, "total": total, "tokens": tokens}


def measure(generator, count_tokens, concurrency: int, rounds: int = 1) -> dict[str, Any]:
    """``concurrency`` chats started together, ``rounds`` times: first-token and token rates."""
    questions = _questions()
    chats: list[dict[str, Any]] = []
    start = time.perf_counter()
    for r in range(rounds):
        barrier = threading.Barrier(concurrency)

        def one(i: int) -> dict[str, Any]:
            barrier.wait()
            return _chat(generator, questions[(r * concurrency + i) % len(questions)], count_tokens)

        with ThreadPoolExecutor(concurrency) as pool:
            chats += pool.map(one, range(concurrency))
    wall = time.perf_counter() - start
    decode = [(c["tokens"] - 1) / (c["total"] - c["ttft"]) for c in chats
              if c["tokens"] > 1 and c["total"] > c["ttft"]]
    return {
        "concurrent_chats": concurrency,
        "chats": len(chats),
        "time_to_first_token_ms": {"p50": _ms([c["ttft"] for c in chats], 50),
                                   "p95": _ms([c["ttft"] for c in chats], 95)},
        "tokens_per_s_per_chat_p50": round(statistics.median(decode), 1) if decode else None,
        "tokens_per_s_total": round(sum(c["tokens"] for c in chats) / wall, 1),
        "tokens_per_chat_mean": round(statistics.mean(c["tokens"] for c in chats), 1),
        "wall_s": round(wall, 2),
    }


def _write(report: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def run_transformers(report: dict[str, Any], work: Path) -> tuple[Path | None, Any]:
    """Measure the transformers generator; returns its converted checkpoint and tokenizer."""
    import torch

    from bot.generators import TransformersGenerator

    t0 = time.perf_counter()
    gen = TransformersGenerator("qwen2.5-coder-0.5b", cache_dir=work / "models", max_tokens=MAX_TOKENS)
    entry: dict[str, Any] = {"device": gen.device, "load_s": round(time.perf_counter() - t0, 1),
                             "note": "the generator runs one generate() at a time (a lock): "
                                     "32 chats queue behind each other"}
    report["transformers"] = entry
    measure(gen, gen.count_tokens, 1)  # warm-up: CUDA kernels, caches
    entry["1"] = measure(gen, gen.count_tokens, 1, rounds=5)
    entry["32"] = measure(gen, gen.count_tokens, 32)
    converted = next((work / "models").glob("hf-*"), None)
    tokenizer = gen.tokenizer
    del gen
    torch.cuda.empty_cache()
    return converted, tokenizer


def run_vllm(report: dict[str, Any], checkpoint: Path, tokenizer, work: Path, deadline: float) -> None:
    """Start vLLM's OpenAI server on the checkpoint and measure it through the openai generator."""
    from bot.generators import OpenAIGenerator
    from tests.servers import free_port, stop

    port = free_port()
    log = work / "vllm.log"
    cmd = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(checkpoint),
           "--served-model-name", "qwen", "--host", "127.0.0.1", "--port", str(port),
           "--dtype", "bfloat16", "--max-model-len", "4096", "--gpu-memory-utilization", "0.5"]
    t0 = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_NO_USAGE_STATS": "1"})
        try:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"vLLM exited with {proc.returncode}: {log.read_text()[-1500:]}")
                if time.time() > deadline - 90:
                    raise TimeoutError("vLLM did not start in time")
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2)
                    break
                except OSError:
                    time.sleep(2)
            entry: dict[str, Any] = {"start_s": round(time.perf_counter() - t0, 1)}
            report["vllm"] = entry
            gen = OpenAIGenerator(f"http://127.0.0.1:{port}/v1", model="qwen", max_tokens=MAX_TOKENS)

            def count(text: str) -> int:
                return len(tokenizer.encode(text, add_special_tokens=False))

            measure(gen, count, 1)
            entry["1"] = measure(gen, count, 1, rounds=5)
            entry["32"] = measure(gen, count, 32)
        finally:
            stop(proc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--deadline", type=float, default=time.time() + 540)
    args = parser.parse_args(argv)
    report: dict[str, Any] = {
        "benchmark": "generators on the GPU: packaged Qwen2.5-Coder-0.5B, helpdesk prompts",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "max_tokens": MAX_TOKENS,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "skipped": {},
    }
    try:
        import torch

        report["machine"]["torch"] = torch.__version__
        report["machine"]["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except ImportError:
        report["skipped"]["all"] = "torch is not installed"
        _write(report, args.out)
        return 1
    if not torch.cuda.is_available():
        report["skipped"]["all"] = "torch sees no CUDA device"
        _write(report, args.out)
        return 1
    checkpoint = tokenizer = None
    try:
        checkpoint, tokenizer = run_transformers(report, args.work)
    except Exception as exc:  # reported, and vLLM is still tried on whatever exists
        report["skipped"]["transformers"] = f"{type(exc).__name__}: {exc}"[:1000]
    _write(report, args.out)
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        report["skipped"]["vllm"] = "the vllm package is not installed"
    elif checkpoint is None or tokenizer is None:
        report["skipped"]["vllm"] = "no converted checkpoint (the transformers stage failed)"
    elif time.time() > args.deadline - 150:
        report["skipped"]["vllm"] = "not enough time left"
    else:
        try:
            run_vllm(report, checkpoint, tokenizer, args.work, args.deadline)
        except Exception as exc:
            report["skipped"]["vllm"] = f"{type(exc).__name__}: {exc}"[:1000]
    _write(report, args.out)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0 if "transformers" in report else 1


if __name__ == "__main__":
    raise SystemExit(main())
