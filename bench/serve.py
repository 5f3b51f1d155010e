"""Serving benchmark: concurrent chat clients over HTTP against a real `helpdesk serve`.

Each client asks the demo questions in turn (``POST /api/v1/chat`` with ``"stream": true``) for a
fixed time, from its own address (``X-Forwarded-For``, which the server trusts from 127.0.0.1),
and measures the time to the first token and to the whole answer. A 429 (rate limit) or a
"please wait" (queue full, HTTP 503 or an SSE error marked busy) is not an error: it is counted
apart, and the client waits the Retry-After it was given. Everything else that is not a complete
answer is an error. One client first, then many, in one run, on one server.

    python -m bench.serve                      # 1 client for 60 s, then 20 clients for 60 s
    python -m bench.serve --clients 20 --seconds 60 --url http://127.0.0.1:7860

Results go to bench/results/serve.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "bot" / "demo" / "questions.jsonl"
RESULTS = ROOT / "bench" / "results" / "serve.json"


def _questions() -> list[str]:
    return [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _one(client: httpx.Client, question: str, ip: str) -> dict[str, Any]:
    """One streamed answer: outcome ok | busy | rate_limited | error, with its timings."""
    t0 = time.perf_counter()
    first = None
    try:
        with client.stream("POST", "/api/v1/chat", json={"message": question, "stream": True},
                           headers={"X-Forwarded-For": ip}) as r:
            if r.status_code == 429:
                return {"outcome": "rate_limited", "retry_after": float(r.headers.get("Retry-After", 5))}
            if r.status_code == 503:
                r.read()
                body = r.json()
                kind = "busy" if body.get("busy") else "error"
                return {"outcome": kind, "retry_after": float(r.headers.get("Retry-After", 5)),
                        "error": body.get("error", "")}
            if r.status_code != 200:
                r.read()
                return {"outcome": "error", "error": f"HTTP {r.status_code}: {r.text[:200]}"}
            kind, done = None, None
            for line in r.iter_lines():
                if line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:"):
                    data = json.loads(line[5:])
                    if kind == "token" and first is None:
                        first = time.perf_counter() - t0
                    elif kind == "error":
                        if data.get("busy"):
                            return {"outcome": "busy", "retry_after": float(data.get("retry_after", 5))}
                        return {"outcome": "error", "error": data.get("error", "")}
                    elif kind == "done":
                        done = data
    except httpx.HTTPError as exc:
        return {"outcome": "error", "error": f"{type(exc).__name__}: {exc}"}
    total = time.perf_counter() - t0
    if done is None:
        return {"outcome": "error", "error": "the stream ended without a done event"}
    return {"outcome": "ok", "ttft": first if first is not None else total, "total": total,
            "refused": done["refused"], "canned": done["canned"]}


def run_phase(url: str | list[str], clients: int, seconds: float, questions: list[str],
              ip_base: int) -> dict[str, Any]:
    """``clients`` threads asking for ``seconds``; answers started before the end are awaited.

    With several URLs (replicas of one deployment), each client sends its requests to them in turn.
    """
    urls = [url] if isinstance(url, str) else list(url)
    results: list[dict[str, Any]] = []
    lock = threading.Lock()
    start = time.perf_counter()
    end = start + seconds

    def client_loop(n: int) -> None:
        ip = f"10.{ip_base}.{n // 250}.{n % 250 + 1}"
        timeout = httpx.Timeout(600, connect=30)
        with contextlib.ExitStack() as stack:
            replicas = [stack.enter_context(httpx.Client(base_url=u, timeout=timeout)) for u in urls]
            i, sent = n, n
            while time.perf_counter() < end:
                result = _one(replicas[sent % len(replicas)], questions[i % len(questions)], ip)
                sent += 1
                with lock:
                    results.append(result)
                if result["outcome"] == "ok":
                    i += clients
                elif result["outcome"] in ("busy", "rate_limited"):
                    time.sleep(min(result["retry_after"], max(0.0, end - time.perf_counter())))
                else:
                    time.sleep(1)

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return summarize(results, clients, elapsed)


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0] * 1000)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000)


def summarize(results: list[dict[str, Any]], clients: int, elapsed: float) -> dict[str, Any]:
    """Counts by outcome, p50/p95 times in ms, and answers per second."""
    ok = [r for r in results if r["outcome"] == "ok"]
    ttft, total = [r["ttft"] for r in ok], [r["total"] for r in ok]
    errors = [r.get("error", "") for r in results if r["outcome"] == "error"]
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "answers": len(ok),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "busy": sum(r["outcome"] == "busy" for r in results),
        "rate_limited": sum(r["outcome"] == "rate_limited" for r in results),
        "refused": sum(r["refused"] for r in ok),
        "canned": sum(r["canned"] for r in ok),
        "generated": sum(not r["refused"] and not r["canned"] for r in ok),
        "answers_per_s": round(len(ok) / elapsed, 3) if elapsed else 0.0,
        "time_to_first_token_ms": {"p50": _pct(ttft, 50), "p95": _pct(ttft, 95)},
        "time_to_answer_ms": {"p50": _pct(total, 50), "p95": _pct(total, 95)},
    }


def _start_server(data_dir: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    cmd = [sys.executable, "-c", "from ui.cli import main; main()", "--data-dir", str(data_dir),
           "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=open(log_path, "wb"), stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 900
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=5).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(1)
    proc.terminate()
    raise TimeoutError("server not ready in 15 minutes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="A running server (default: start one on a fresh data dir).")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0, help="Length of each phase.")
    parser.add_argument("--single-seconds", type=float, default=None,
                        help="Length of the one-client phase (default: --seconds).")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    questions = _questions()
    proc = None
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as tmp:
        url = args.url
        if url is None:
            print("starting helpdesk serve on a fresh data dir (demo help center)…", file=sys.stderr)
            proc, url = _start_server(Path(tmp) / "data", Path(tmp) / "serve.log")
        try:
            health = httpx.get(f"{url}/api/v1/health", timeout=10).json()
            load_before = os.getloadavg()
            print("warm-up answer…", file=sys.stderr)
            run_phase(url, 1, 0.1, questions, 250)
            phases = {}
            single = args.single_seconds if args.single_seconds is not None else args.seconds
            print(f"1 client for {single:.0f} s…", file=sys.stderr)
            phases["1"] = run_phase(url, 1, single, questions, 1)
            print(f"{args.clients} clients for {args.seconds:.0f} s…", file=sys.stderr)
            phases[str(args.clients)] = run_phase(url, args.clients, args.seconds, questions, 2)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(30)
    report = {
        "benchmark": "helpdesk serve: streamed chat over HTTP",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "server": {k: health.get(k) for k in ("generator", "embedder", "documents", "chunks")},
        "questions": len(questions),
        "phases": phases,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report["phases"], indent=2))
    failed = sum(p["errors"] for p in phases.values())
    print(f"wrote {args.out}; errors: {failed}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
