"""The repository's nginx configuration (deploy/nginx.conf) run in front of local app processes.

``bench.load --processes P`` serves its students through this, and ``tests/test_deploy.py``
checks the file with it: the same file a teacher deploys, with only its listening port, its
list of app processes and its temporary files moved (nothing else in it is changed).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "deploy" / "nginx.conf"


def nginx_binary() -> str | None:
    """nginx's path, or None where it is not installed (Debian puts it in /usr/sbin)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


def config_for(folder: Path, port: int, backends: list[int]) -> Path:
    """deploy/nginx.conf listening on ``port`` of 127.0.0.1, balancing the app processes on
    ``backends`` (ports of 127.0.0.1), its pid, log and temporary files in ``folder``;
    written to ``folder/nginx.conf``, whose path is returned."""
    if not backends:
        raise ValueError("give at least one app process's port to balance")
    text = CONFIG.read_text().replace("listen 80;", f"listen 127.0.0.1:{port};")
    text = re.sub(r"(\s*server 127\.0\.0\.1:85\d\d;)+", "", text)
    servers = "".join(f"\n        server 127.0.0.1:{b};" for b in backends)
    text = text.replace("hash $emlab_route consistent;", f"hash $emlab_route consistent;{servers}")
    text = text.replace("/tmp/emlab-nginx", str(folder / "nginx"))
    path = folder / "nginx.conf"
    path.write_text(text)
    return path


def start_nginx(
    folder: Path, port: int, backends: list[int], seconds: float = 10
) -> subprocess.Popen:
    """nginx in the foreground with ``config_for(folder, port, backends)``, once it answers
    on ``port`` (RuntimeError with its output if it exits or stays silent ``seconds``)."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (apt-get install nginx)")
    config = config_for(folder, port, backends)
    proc = subprocess.Popen(
        [binary, "-c", str(config), "-g", "daemon off;"], stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return proc
        except urllib.error.HTTPError:
            return proc  # nginx answered (an app process may answer 404 to the path)
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"nginx did not start: {proc.stderr.read()}") from None
            time.sleep(0.1)
