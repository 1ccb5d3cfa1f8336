#!/bin/sh
# Start the web container: bring the schema up to date, refresh the seed catalogue, serve.
# Only the web service runs this, so there is a single migrator; the worker and beat wait in
# docker-compose.yml until web is healthy, i.e. until migrations have finished.
set -eu
cd /app

# Refuse to start on a configuration that is unsafe in production (e.g. no PROBE_ALLOWED_NETWORKS;
# without SECRET_KEY or FIELD_ENCRYPTION_KEYS the settings themselves refuse).
python manage.py check --deploy --fail-level ERROR

python manage.py migrate --noinput

# Adds the seed catalogue's missing categories and tools; what exists (and any edit made
# to it) is left as it is.
python manage.py load_catalog

# Options come from GUNICORN_CMD_ARGS (set in the Dockerfile); extra arguments are appended.
exec gunicorn apps.wsgi:application "$@"
