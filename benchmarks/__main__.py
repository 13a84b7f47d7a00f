"""Run the benchmarks: `python -m benchmarks` for all, or name some (`study import`).

Each one runs in its own process, as `python -m benchmarks.<module>` does, so
one's data and caches don't colour the next one's figures.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time

BENCHMARKS = {
    "study": "benchmarks.study_bench",
    "search": "benchmarks.search_cards",
    "export": "benchmarks.export_bench",
    "import": "benchmarks.import_bench",
    "classroom": "benchmarks.classroom_bench",
    "stats": "benchmarks.stats_bench",
}


def main(argv: list[str]) -> int:
    wanted = argv or list(BENCHMARKS)
    unknown = [name for name in wanted if name not in BENCHMARKS]
    if unknown:
        print(f"Unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}.")
        return 2
    env = {**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-key")}
    failed = []
    for name in wanted:
        module = BENCHMARKS[name]
        if importlib.util.find_spec(module) is None:
            print(f"== {name}: not available")
            continue
        print(f"== {name} ({module})", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", module], env=env)
        print(f"== {name} took {time.perf_counter() - started:.0f} s\n", flush=True)
        if result.returncode:
            failed.append(name)
    if failed:
        print(f"Failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
