"""Throughput under load with Debian's `wrk`, a compiled load generator.

A Python load generator would spend the machine's cores on itself; wrk keeps
the client's share small, so the figures say what the server can take. Every
run goes through a generated Lua script whose `done` hook prints the summary
as one JSON line (WRK_RESULT ...), so nothing depends on wrk's human output.
"""

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

RESULT_MARK = "WRK_RESULT "

_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, '
    .. '"status": %d, "timeout": %d}\\n',
    "RESULT_MARK", summary.requests, summary.duration, e.connect, e.read, e.write,
    e.status, e.timeout))
end
""".replace("RESULT_MARK", RESULT_MARK)

# Each wrk thread numbers its own requests; with the run's prefix and the thread's
# number every job id is distinct, as from separate systems reporting failures.
_POST = """
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

local sent = 0
local headers = HEADERS
function request()
  sent = sent + 1
  local job_id = string.format("%s-%d-%d", PREFIX, thread_number, sent)
  return wrk.format("POST", nil, headers, string.format(BODY, job_id))
end
"""


# A wrk script, or a function giving each slice of a measurement its own.
Script = str | Callable[[int], str]


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    status_errors: int  # answers outside 2xx/3xx
    socket_errors: int  # connect, read, write errors and timeouts

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.status_errors + self.socket_errors

    def __add__(self, other: "LoadResult") -> "LoadResult":
        """Two runs of the same path as one (interleaved slices of a measurement)."""
        return LoadResult(self.requests + other.requests, self.seconds + other.seconds,
                          self.status_errors + other.status_errors,
                          self.socket_errors + other.socket_errors)


def parse_result(output: str) -> LoadResult:
    """The summary line the generated script's `done` printed."""
    for line in output.splitlines():
        if line.startswith(RESULT_MARK):
            data = json.loads(line[len(RESULT_MARK):])
            return LoadResult(
                requests=data["requests"],
                seconds=data["duration_us"] / 1e6,
                status_errors=data["status"],
                socket_errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
            )
    raise ValueError(f"wrk printed no summary:\n{output}")


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def get_script() -> str:
    return _DONE


def post_script(headers: dict[str, str], body_template: str, prefix: str) -> str:
    """POST `body_template` (one %s for the job id) with a distinct job id per request."""
    table = "{" + ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()) + "}"
    return (
        _POST.replace("HEADERS", table)
        .replace("PREFIX", _lua_string(prefix))
        .replace("BODY", _lua_string(body_template))
        + _DONE
    )


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (make bench does it).")
    return path


def run_wrk(url: str, *, connections: int, seconds: int, script: str, workdir: Path,
            headers: dict[str, str] | None = None, threads: int = 2) -> LoadResult:
    script_path = workdir / f"wrk-{abs(hash(script))}.lua"
    script_path.write_text(script)
    command = [wrk_path(), f"-t{min(threads, connections)}", f"-c{connections}",
               f"-d{seconds}s", "--timeout", "10s", "-s", str(script_path)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    finished = subprocess.run(command + [url], capture_output=True, text=True, timeout=seconds + 60)
    if finished.returncode != 0:
        raise RuntimeError(f"wrk failed ({finished.returncode}): {finished.stderr}")
    return parse_result(finished.stdout)
