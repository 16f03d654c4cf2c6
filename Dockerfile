# syntax=docker/dockerfile:1
# Backend Academy — production image (services mode). Same make targets as a checkout:
#   all-in-one web: make serve   (the default: migrations, content import, collectstatic, gunicorn)
#   migrate:        make setup   (migrations and the content import, once before a rollout)
#   web:            make web     (gunicorn + uvicorn workers alone, after `make setup`)
#   worker:         make worker QUEUES=default | QUEUES=exercises   (Celery on the Redis broker)
#   beat:           make beat    (Celery beat: the periodic jobs' schedule, one per deployment)
# docker-compose.yml and deploy/k8s/ run migrate, web, a worker per queue and beat.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 VENV=/opt/venv
RUN pip install --no-cache-dir "uv==0.13.9"
WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN python -m venv /opt/venv \
 && uv pip install --python /opt/venv/bin/python --require-hashes --compile-bytecode --no-cache -r requirements/base.txt \
 && touch /opt/venv/.base-installed
COPY . .
RUN /opt/venv/bin/python -m compileall -q apps config \
 && DJANGO_ENV=production DJANGO_ALLOWED_HOSTS=build.invalid \
    DJANGO_SECRET_KEY=build-time-only-collectstatic-key-not-used-at-run-time-0123456789 \
    /opt/venv/bin/python manage.py collectstatic --noinput --verbosity 0

FROM ${PYTHON_IMAGE} AS runtime
# bubblewrap runs learners' code with Debian's own /usr/bin/python3 (the sandbox binds
# /usr read-only and nothing else); the platform itself runs on the image's Python.
RUN apt-get update \
 && apt-get install -y --no-install-recommends make bubblewrap python3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --create-home --home-dir /home/app app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=app:app /app /app
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH \
    VENV=/opt/venv \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000
USER app
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["make", "serve"]
