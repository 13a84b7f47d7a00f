# syntax=docker/dockerfile:1
# Deckhand's image. `docker compose up` runs it with Postgres and a task worker;
# see docker-compose.yml. The image serves on port 8000 with gunicorn.

ARG PYTHON_IMAGE=python:3.11-slim

# --- builder: the locked dependencies, installed into /app/.venv -----------------
FROM ${PYTHON_IMAGE} AS builder
ARG UV_VERSION=0.13.9
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /app
# Dependencies before the code, so a code change does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
COPY . .
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev
# Settings refuse to load without SECRET_KEY. This throwaway one lives only for
# this RUN step; nothing derived from it is stored in the image.
RUN SECRET_KEY=collectstatic-only-not-a-secret DATA_DIR=/tmp/build-data \
    /app/.venv/bin/python manage.py collectstatic --noinput

# --- runtime: the slim base, the virtualenv and the code, run as a plain user ----
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH="/app/.venv/bin:${PATH}" \
    DATA_DIR=/data \
    MEDIA_ROOT=/data/media
# zoneinfo needs the IANA database for learners' time zones.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tzdata \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 deckhand \
 && useradd --system --uid 10001 --gid deckhand --home-dir /app --shell /usr/sbin/nologin deckhand \
 && mkdir -p /data/media \
 && chown -R deckhand:deckhand /data
WORKDIR /app
# Code and static files stay owned by root: the app can read them, not change them.
COPY --from=builder /app /app
# Numeric, so orchestrators that insist on a non-root user can verify it.
USER 10001:10001
VOLUME ["/data", "/data/media"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "/app/bin/healthcheck.py", "http://127.0.0.1:8000/healthz"]
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]
