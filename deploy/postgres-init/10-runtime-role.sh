#!/bin/sh
# Runs once, when the PostgreSQL container initialises its data directory (docker-entrypoint-initdb.d).
# Creates the runtime role of the portal: not a superuser, owns nothing; `manage.py db_grant_runtime`
# (the migrate service) grants it its privileges after each migration. docs/security.md.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE egov_app LOGIN PASSWORD '${EGOV_APP_DB_PASSWORD:-egov_app}' NOSUPERUSER NOCREATEDB NOCREATEROLE;
SQL
