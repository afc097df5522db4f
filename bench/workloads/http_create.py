"""Ticket creation through the HTTP API at fixed concurrency, driven by wrk.

wrk (C, event loop) rather than a Python client, so the load generator takes as little as
possible of the CPU it shares with the server and the database, and because the peer harness
measures django-helpdesk with wrk too: the same instrument on both sides.

The API budgets requests per token (1,200/min per process by default). A benchmark that hit
that limit would measure the throttle, so requests rotate over many tokens of the same agent;
every request still authenticates, is throttled-checked and writes exactly as a real one does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

from bench.paths import WORK

# Our own script. The body and token list come from the environment; each request gets a
# unique subject so that rows are distinguishable and nothing can be cached.
WRK_SCRIPT = r"""
local tokens = {}
local body_template = ""
local sent = 0
local next_thread_id = 0
-- thread_id is a global: setup() sets it in each thread's own interpreter.

function setup(thread)
  next_thread_id = next_thread_id + 1
  thread:set("thread_id", next_thread_id)
end

function init(args)
  for t in string.gmatch(os.getenv("BENCH_TOKENS"), "[^,]+") do tokens[#tokens + 1] = t end
  body_template = os.getenv("BENCH_BODY")
end

function request()
  sent = sent + 1
  local token = tokens[((sent * 7 + thread_id) % #tokens) + 1]
  local body = string.gsub(body_template, "@SEQ@", thread_id .. "-" .. sent)
  return wrk.format("POST", os.getenv("BENCH_PATH"), {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"non_2xx_3xx":%d,"err_connect":%d,' ..
    '"err_read":%d,"err_write":%d,"err_timeout":%d,"p50_ms":%.3f,"p95_ms":%.3f,' ..
    '"p99_ms":%.3f,"mean_ms":%.3f,"max_ms":%.3f}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, latency.max / 1000))
end
"""


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def create_body(department_id: int, requester_id: int) -> str:
    """What an integration sends: subject, body in one of our languages, department, requester."""
    return json.dumps(
        {
            "subject": "Không in được hóa đơn - drukarka nie działa @SEQ@",
            "body": "Máy in không hoạt động từ sáng nay. เครื่องพิมพ์ไม่ทำงาน. "
            "Drukarka nie drukuje faktur. The printer stopped after the update.",
            "department": department_id,
            "requester": requester_id,
            "priority": "normal",
        },
        ensure_ascii=False,
    )


def run_wrk(base: str, path: str, body: str, tokens: list[str], *, concurrency: int, seconds: int) -> dict[str, Any]:
    WORK.mkdir(parents=True, exist_ok=True)
    script = WORK / "create.lua"
    script.write_text(WRK_SCRIPT)
    env = dict(os.environ, BENCH_TOKENS=",".join(tokens), BENCH_BODY=body, BENCH_PATH=path)
    cmd = [
        "wrk", "-t", str(min(2, concurrency)), "-c", str(concurrency), "-d", f"{seconds}s",
        "--timeout", "30s", "-s", str(script), base + path,
    ]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCHJSON "))
    result: dict[str, Any] = json.loads(line.removeprefix("BENCHJSON "))
    duration = result["duration_us"] / 1e6
    result["per_s"] = result["requests"] / duration
    result["ok_per_s"] = (result["requests"] - result["non_2xx_3xx"]) / duration
    result["seconds"] = duration
    return result
