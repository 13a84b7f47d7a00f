#!/usr/bin/env python3
"""Container health check: exit 0 when GET /healthz answers 200 with {"status": "ok"}.

Standard library only, because the slim image has no curl. The request carries a
Host header taken from ALLOWED_HOSTS, so the check still passes when the server
accepts only its public name and would answer 400 to "127.0.0.1".
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def host_header(allowed_hosts: str | None) -> str:
    """The first host Django will accept, from the comma-separated ALLOWED_HOSTS."""
    for entry in (allowed_hosts or "").split(","):
        host = entry.strip()
        if not host or host == "*":
            continue
        # ".example.com" allows example.com and every subdomain of it.
        return host.lstrip(".")
    return "localhost"


def check(url: str, *, host: str, timeout: float = 5.0) -> tuple[bool, str]:
    request = urllib.request.Request(url, headers={"Host": host, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.load(response)
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code} from {url}"
    except (OSError, ValueError) as exc:
        return False, f"{exc.__class__.__name__}: {exc}"
    if body.get("status") != "ok":
        return False, f"unexpected answer: {body!r}"
    return True, "ok"


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    healthy, detail = check(url, host=host_header(os.environ.get("ALLOWED_HOSTS")))
    print(detail, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
