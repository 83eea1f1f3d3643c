"""``embviz serve``: the dashboard on a file, on localhost unless ``--network``."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .common import _say


def dashboard_path() -> Path:
    """``dashboard.py`` of this checkout (the package is installed in editable mode)."""
    return Path(__file__).resolve().parents[2] / "dashboard.py"


def serve_command(args) -> tuple[list[str], dict[str, str]]:
    """The ``streamlit run`` command line and environment for :func:`cmd_serve`."""
    from ..errors import EmbeddingFormatError, ParameterError

    script = dashboard_path()
    if not script.exists():
        raise ParameterError("embviz serve", "dashboard", "found beside the package", str(script))
    env = dict(os.environ)
    # glibc gives every script thread its own malloc arena, and a room of users then holds on to
    # hundreds of MB it freed (bench/memory.py: 20 users 387 -> 633 MB with the default, 375 -> 461
    # MB with 2 arenas); it is read when the process starts, so it is set here
    env.setdefault("MALLOC_ARENA_MAX", "2")
    if args.file is not None:
        path = Path(args.file).expanduser().resolve()
        if not path.is_file():
            raise EmbeddingFormatError("no such file" if not path.exists() else "is a folder; serve opens "
                                       "one file (vectors or coordinates)", path=args.file)
        env["EMBVIZ_FILE"] = str(path)
    if not 0 < args.port < 65536:
        raise ParameterError("embviz serve", "--port", "in 1..65535", args.port)
    from .. import cache, datasets
    from ..app import security

    # settings that name folders, made absolute: the server runs in the checkout (cmd_serve)
    for name in (cache.ENV, datasets.DATA_DIR_ENV, security.DATA_DIRS_ENV):
        if env.get(name):
            env[name] = os.pathsep.join(str(Path(p).expanduser().resolve()) if p else p
                                        for p in env[name].split(os.pathsep))
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
           "--server.address", "0.0.0.0" if args.network else "127.0.0.1", "--server.port", str(args.port),
           "--browser.gatherUsageStats", "false"]
    return cmd, env


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now (checked by binding it briefly)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def cmd_serve(args) -> int:
    import subprocess

    from ..errors import ParameterError

    cmd, env = serve_command(args)
    bind = "0.0.0.0" if args.network else "127.0.0.1"
    if not port_free(bind, args.port):
        raise ParameterError("embviz serve", "--port", f"a free port (port {args.port} on {bind} is in use; "
                             "choose another, e.g. --port " f"{args.port + 1})", args.port)
    if args.network:
        print("embviz: warning: --network serves the dashboard to every machine that can reach this one "
              f"on port {args.port}; it has no login.", file=sys.stderr)
    host = "0.0.0.0" if args.network else "localhost"
    _say(args, f"embviz dashboard on http://{host}:{args.port}  (Ctrl-C to stop)")
    # from the checkout, so that its .streamlit/config.toml (upload limit, XSRF, session TTL, no
    # garbage collection after every run) applies wherever the command is typed
    return subprocess.call(cmd, env=env, cwd=dashboard_path().parent)


