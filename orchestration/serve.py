"""`mtqg serve`: the Dagster webserver and daemon for one home, stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from core.home import Home
from orchestration.instance import ensure_instance


def installed_code_root() -> Path:
    """The folder that holds the installed `orchestration` package. Dagster puts its working
    directory first on sys.path: run from there, a folder named `orchestration/` wherever the
    command was typed cannot stand in for the installed code."""
    return Path(__file__).resolve().parents[1]


def serve_forever(home: Home, *, port: int = 3000, host: str = "127.0.0.1") -> int:
    """Run both processes until one stops, Ctrl-C or SIGTERM; returns an exit code."""
    ensure_instance(home)
    env = dict(os.environ, DAGSTER_HOME=str(home.dagster_home), MTQG_HOME=str(home.root))
    if env.get("MTQG_SOURCES_FILE"):
        # a relative path meant where the command was typed; the processes run elsewhere
        env["MTQG_SOURCES_FILE"] = str(Path(env["MTQG_SOURCES_FILE"]).resolve())
    bin_dir = Path(sys.executable).parent
    code_root = installed_code_root()
    module = ["-d", str(code_root), "-m", "orchestration.definitions"]
    commands = {
        "webserver": [str(bin_dir / "dagster-webserver"), "-h", host, "-p", str(port), *module],
        "daemon": [str(bin_dir / "dagster-daemon"), "run", *module],
    }
    processes: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for name, command in commands.items():
        processes[name] = subprocess.Popen(command, env=env, cwd=code_root, start_new_session=True)
    print(f"Dagster UI on http://{host}:{port} (home {home.root}); Ctrl-C stops.", flush=True)
    code = 0
    try:
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"{name} stopped with exit code {process.returncode}", flush=True)
                    code = process.returncode or 1
                    stopping = True
            time.sleep(0.5)
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    return code
