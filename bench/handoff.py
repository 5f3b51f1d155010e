"""Live hand-off benchmark: how long an agent's reply takes to reach the customer's screen.

Starts PostgreSQL, ``chroma run``, the llama.cpp server and two ``helpdesk serve`` replicas on
them (as tests/scale does). For each phase a customer starts a conversation on replica A, asks for
a person, and holds A's event stream (``GET /api/v1/chat/events``) open; an agent claims it and
sends messages, on A itself ("1 replica") or on B ("2 replicas": nothing is shared but the
database). Each figure is the time from the agent's ``POST /api/v1/inbox/{id}/messages`` to the
``agent_message`` event arriving on the customer's stream, at the default poll interval
(``HELPDESK_HANDOFF__POLL_SECONDS``, 0.5 s). Messages are spaced at random so they do not keep
step with the poll.

    python -m bench.handoff                  # results in bench/results/handoff.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bot.generators import resolve_gguf
from tests.scale.conftest import replicas, shared_servers
from tests.servers import llama_server, postgres_bin, postgres_server

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "handoff.json"
MODEL_CACHE = Path(os.environ.get("HELPDESK_TEST_MODEL_CACHE", ROOT / "tests" / "artifacts" / "models"))
ADMIN = {"Authorization": "Bearer test-admin-key"}  # tests/ui/conftest.py's key, set by helpdesk_server


def _listen(url: str, sid: str, out: queue.Queue, stop: threading.Event) -> None:
    with httpx.stream("GET", f"{url}/chat/events", params={"session_id": sid},
                      timeout=httpx.Timeout(10, read=120)) as r:
        for line in r.iter_lines():
            if line.startswith("data:"):
                out.put((time.perf_counter(), json.loads(line[5:])))
            if stop.is_set():
                return


def phase(customer_api: str, agent_api: str, n: int, seed: int) -> dict:
    """One customer on ``customer_api``, one agent on ``agent_api``: ``n`` replies timed to the screen."""
    rnd = random.Random(seed)
    with httpx.Client(base_url=customer_api, timeout=60) as customer, \
            httpx.Client(base_url=agent_api, headers=ADMIN, timeout=60) as agent:
        sid = customer.post("/chat", json={"message": "Do you sell gift cards?"}).json()["session_id"]
        customer.post("/handoff", json={"session_id": sid}).raise_for_status()
        agent.post(f"/inbox/{sid}/claim").raise_for_status()
        events: queue.Queue = queue.Queue()
        stop = threading.Event()
        thread = threading.Thread(target=_listen, args=(customer_api, sid, events, stop), daemon=True)
        thread.start()
        time.sleep(1.0)
        while not events.empty():  # what happened before: the notice, the agent joining
            events.get()
        times, lost = [], 0
        for i in range(n):
            text = f"reply {seed}-{i}"
            t0 = time.perf_counter()
            agent.post(f"/inbox/{sid}/messages", json={"text": text}).raise_for_status()
            deadline = t0 + 10
            while True:
                try:
                    at, event = events.get(timeout=max(0.01, deadline - time.perf_counter()))
                except queue.Empty:
                    lost += 1
                    break
                if event.get("text") == text:
                    times.append(at - t0)
                    break
            time.sleep(rnd.uniform(0.05, 0.6))
        agent.post(f"/inbox/{sid}/release")
        stop.set()
    ms = sorted(t * 1000 for t in times)
    q = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    return {"messages": n, "received": len(ms), "lost": lost, "p50_ms": round(q[49]), "p95_ms": round(q[94]),
            "min_ms": round(ms[0]), "max_ms": round(ms[-1])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=60)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    bin_dir = postgres_bin()
    if bin_dir is None:
        print("PostgreSQL is not installed (apt-get install -y postgresql)", file=sys.stderr)
        return 2
    model = resolve_gguf("qwen2.5-coder-0.5b", MODEL_CACHE, progress=False)
    with tempfile.TemporaryDirectory(prefix="helpdesk-handoff-") as tmp:
        root = Path(tmp)
        print("starting PostgreSQL, chroma run, the llama.cpp server and two replicas…", file=sys.stderr)
        with postgres_server(bin_dir) as pg, llama_server(model, root) as model_url, \
                shared_servers(root, pg, model_url, "handoff") as shared:
            with replicas(root, model, shared.env(HELPDESK_SERVER__RATE_LIMIT_PER_MINUTE="1000000",
                                                  HELPDESK_SERVER__HANDOFFS_PER_HOUR="0")) as (a, b):
                phases = {"1 replica": phase(a.api, a.api, args.messages, 1),
                          "2 replicas": phase(a.api, b.api, args.messages, 2)}
    report = {
        "benchmark": "live hand-off: an agent's reply to the customer's screen (SSE receipt)",
        "measured": ("POST /api/v1/inbox/{id}/messages on the agent's replica to the agent_message event on "
                     "the customer's GET /api/v1/chat/events stream on replica A; PostgreSQL shared; "
                     "streams poll the database every 0.5 s (the default)"),
        "caveat": f"every process shares this machine's {os.cpu_count()} cores with other work",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average": [round(x, 2) for x in os.getloadavg()]},
        "phases": phases,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, p in phases.items():
        print(f"{name:11s} p50 {p['p50_ms']} ms  p95 {p['p95_ms']} ms  lost {p['lost']} of {p['messages']}")
    print(f"wrote {args.out}", file=sys.stderr)
    return 1 if any(p["lost"] for p in phases.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
