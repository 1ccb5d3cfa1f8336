#!/bin/sh
# Start the web container: bring the schema up to date, refresh the seed catalogue, serve.
# Only the web service runs this, so there is a single migrator; the worker and beat wait in
# docker-compose.yml until web is healthy, i.e. until migrations have finished.
set -eu
cd /app

python manage.py migrate --noinput

# The catalogue fixture uses natural keys (Category by key, Tool by name): loading it again
# updates those rows in place rather than duplicating them.
python manage.py loaddata catalog

# Options come from GUNICORN_CMD_ARGS (set in the Dockerfile); extra arguments are appended.
exec gunicorn apps.wsgi:application "$@"
