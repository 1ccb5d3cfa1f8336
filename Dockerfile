# Stackledger: one image for the web server, the Celery worker and Celery beat.
# The default command serves the web app with gunicorn; docker-compose.yml runs the same
# image as `celery -A apps worker` / `celery -A apps beat`, and runs migrations through
# docker/entrypoint-web.sh before gunicorn starts.
FROM python:3.11-slim

# PYTHONPATH=/app matters: `pip install .` also puts a copy of `apps` in site-packages, and
# settings derive BASE_DIR (templates/, fixtures/, var/) from the imported apps package.
# The `celery` console script does not put the working directory on sys.path, so without
# this the worker would import the site-packages copy and look for templates there.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app

# Unprivileged user; it owns only /app/var (scratch: SQLite/broker files when those defaults
# are used, the beat schedule, collected static files).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app

# Dependencies and the package first, so template/static edits reuse this layer.
COPY pyproject.toml README.md ./
COPY apps/ apps/
RUN pip install --no-cache-dir . \
    && rm -rf build *.egg-info

COPY templates/ templates/
COPY static/ static/
COPY fixtures/ fixtures/
COPY manage.py ./
COPY docker/ docker/
RUN chmod 0755 docker/entrypoint-web.sh \
    && mkdir -p /app/var \
    && chown app:app /app/var

USER app

# DEBUG=0 selects whitenoise's CompressedManifestStaticFilesStorage, so the manifest is
# built here. The keys are throwaways for this one command and are not kept in the image.
RUN SECRET_KEY=collectstatic-build-only FIELD_ENCRYPTION_KEYS=collectstatic-build-only DEBUG=0 \
    python manage.py collectstatic --noinput

# gunicorn reads GUNICORN_CMD_ARGS, so the CMD here and docker/entrypoint-web.sh share one
# set of options (override the variable at run time to change them).
ENV GUNICORN_CMD_ARGS="--bind=0.0.0.0:8000 --workers=3 --access-logfile=- --worker-tmp-dir=/dev/shm"

EXPOSE 8000

CMD ["gunicorn", "apps.wsgi:application"]
