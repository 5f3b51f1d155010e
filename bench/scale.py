"""Scale-out benchmark: the same load on 1 and on 2 helpdesk replicas over shared servers, in one run.

Starts real servers on 127.0.0.1 (PostgreSQL, ``chroma run``, llama.cpp's server with the packaged
model) and two ``helpdesk serve`` replicas pointed at them, as in deploy/compose.yaml (generator
``openai``, answer concurrency 4, a rate limit counted in PostgreSQL on every request). Then
``--clients`` streaming chat clients run for ``--seconds`` against replica A alone, then against A
and B in turn (each client alternates, like a round-robin balancer), then against A alone again,
to show drift on a shared machine.

What it measures is the app tier, on purpose: the questions are the demo FAQ questions (answered
word for word, no model call) and off-topic questions that the answerability gate refuses (no
model call). Each still costs a replica the embedding of the question, the FAQ lookup, a hybrid
search (Chroma query and BM25) for the refused ones, the rate counter and two conversation writes
in PostgreSQL. On a CPU the model server is the bottleneck of generated answers and more
replicas do not make it faster; their job is this work. Every process (servers, replicas and the
load clients) shares this machine's cores, which the report states.

    python -m bench.scale                        # 8 clients, 30 s per phase
    python -m bench.scale --clients 16 --seconds 60

Results go to bench/results/scale.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.serve import run_phase
from bot.generators import resolve_gguf
from tests.scale.conftest import replicas, shared_servers
from tests.servers import llama_server, postgres_bin, postgres_server

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "scale.json"
MODEL_CACHE = Path(os.environ.get("HELPDESK_TEST_MODEL_CACHE", ROOT / "tests" / "artifacts" / "models"))
OFF_TOPIC = [  # each checked to be refused by the gate, before any model call
    "What is the capital of Mongolia?", "Do you repair bicycles?", "Who won the football match yesterday?",
    "Can you recommend a good film?", "你们卖自行车吗？", "How tall is Mount Everest?", "Who wrote Hamlet?",
    "What is the boiling point of iron?", "How many moons does Jupiter have?", "Can I adopt a cat from you?",
]


def questions() -> list[str]:
    """The demo FAQ's questions (canned answers) interleaved with off-topic ones (refusals)."""
    with open(ROOT / "bot" / "demo" / "kb" / "faq.csv", encoding="utf-8", newline="") as f:
        faq = [row["question"] for row in csv.DictReader(f)]
    mixed = []
    for i in range(max(len(faq), len(OFF_TOPIC))):
        mixed += [faq[i % len(faq)], OFF_TOPIC[i % len(OFF_TOPIC)]]
    return mixed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0, help="Length of each phase.")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    bin_dir = postgres_bin()
    if bin_dir is None:
        print("PostgreSQL is not installed (apt-get install -y postgresql)", file=sys.stderr)
        return 2
    asked = questions()
    model = resolve_gguf("qwen2.5-coder-0.5b", MODEL_CACHE, progress=False)
    with tempfile.TemporaryDirectory(prefix="helpdesk-scale-") as tmp:
        root = Path(tmp)
        print("starting PostgreSQL, chroma run, the llama.cpp server and two replicas…", file=sys.stderr)
        with postgres_server(bin_dir) as pg, llama_server(model, root) as model_url, \
                shared_servers(root, pg, model_url, "scale") as shared:
            env = shared.env(HELPDESK_SERVER__DEMO_KB="true", HELPDESK_SERVER__CONCURRENCY="4",
                             HELPDESK_SERVER__RATE_LIMIT_PER_MINUTE="1000000")
            with replicas(root, model, env) as (a, b):
                health = httpx.get(f"{a.api}/health", timeout=10).json()
                load_before = os.getloadavg()
                run_phase([a.url, b.url], 2, 3, asked, 250)  # warm both replicas
                phases = {}
                for name, urls in (("1 replica", [a.url]), ("2 replicas", [a.url, b.url]),
                                   ("1 replica again", [a.url])):
                    print(f"{name}: {args.clients} clients for {args.seconds:.0f} s…", file=sys.stderr)
                    phases[name] = run_phase(urls, args.clients, args.seconds, asked, len(phases) + 1)
                load_after = os.getloadavg()
    one = (phases["1 replica"]["answers_per_s"] + phases["1 replica again"]["answers_per_s"]) / 2
    report = {
        "benchmark": "1 vs 2 helpdesk replicas on shared Chroma, PostgreSQL and model servers",
        "measured": ("the app tier: streamed /api/v1/chat requests answered without a model call "
                     "(demo FAQ questions, canned; off-topic questions, refused by the gate after a "
                     "hybrid search); each request also writes the rate counter and the turn to PostgreSQL"),
        "caveat": (f"every process (PostgreSQL, Chroma, the model server, both replicas and the "
                   f"{args.clients} load clients) shares this machine's {os.cpu_count()} cores"),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in load_after]},
        "server": {k: health.get(k) for k in ("generator", "embedder", "documents", "chunks")},
        "replica_settings": {"concurrency": 4, "rate_limit_per_minute": 1000000},
        "questions": len(asked),
        "phases": phases,
        "speedup_2_vs_1": round(phases["2 replicas"]["answers_per_s"] / one, 2) if one else None,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, p in phases.items():
        print(f"{name:16s} {p['answers_per_s']:6.1f} req/s  p50 {p['time_to_answer_ms']['p50']} ms  "
              f"p95 {p['time_to_answer_ms']['p95']} ms  errors {p['errors']}  generated {p['generated']}")
    print(f"2 vs 1 replica: x{report['speedup_2_vs_1']}; wrote {args.out}", file=sys.stderr)
    return 1 if any(p["errors"] for p in phases.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
