"""A benchmark of the tooling, not a test: how long the offline plan of each stack takes and how
much memory it needs, and how long the test suite runs. Run it before and after a change to see a
regression (`make bench`); nothing here passes or fails.

    python -m offline.bench [--repeat N] [--no-tests]

Each plan runs as `python -m offline plan <stack> --json` in its own process, policy packs
included, as a contributor runs it; its peak memory is the largest resident set of that process
or of a policy pack it waited for (`wait4`'s rusage).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass

from offline.engine import PROJECT_DIR

STACKS = ("dev", "staging", "prod", "review-pr-123")


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mib: float
    status: int


def measure(command: list[str]) -> Run:
    """Wall time and peak resident memory of one command, its output discarded."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # already reaped: tell Popen
    # ru_maxrss is in KiB on Linux.
    return Run(seconds, usage.ru_maxrss / 1024, process.returncode)


def best(command: list[str], repeat: int) -> Run:
    """The fastest of `repeat` runs (the least disturbed by whatever else the machine does)."""
    runs = [measure(command) for _ in range(repeat)]
    return min(runs, key=lambda run: run.seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest is shown")
    parser.add_argument("--no-tests", action="store_true", help="skip timing the test suite")
    args = parser.parse_args(argv)

    print(f"{'what':<34}{'wall time':>12}{'peak memory':>14}  exit")
    for stack in STACKS:
        run = best([sys.executable, "-m", "offline", "plan", stack, "--json"], args.repeat)
        print(f"{'offline plan ' + stack:<34}{run.seconds:>10.2f} s{run.peak_mib:>10.0f} MiB  {run.status}")
    if not args.no_tests:
        run = best([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], args.repeat)
        print(f"{'test suite (pytest)':<34}{run.seconds:>10.2f} s{run.peak_mib:>10.0f} MiB  {run.status}")
    print(f"({os.cpu_count()} CPUs; Python {sys.version.split()[0]}; best of {args.repeat})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
