"""Gunicorn settings for the container; gunicorn reads ./gunicorn.conf.py by itself."""

from __future__ import annotations

import os

bind = "0.0.0.0:8000"
# Two cores is the usual small server; WEB_CONCURRENCY overrides, as on most hosts.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Importing a large .apkg upload can take a while before the task is queued.
timeout = 120
graceful_timeout = 30
# Heartbeat files on tmpfs: a container's overlay filesystem can stall workers.
worker_tmp_dir = "/dev/shm"
accesslog = "-"
errorlog = "-"
