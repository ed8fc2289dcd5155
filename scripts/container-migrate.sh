#!/bin/sh
# Runs inside the application image as the migrate task (its command is `sh -c` with this file):
# prepares the database with psql, then runs the application's Alembic migrations.
#
#   PGUSER, PGPASSWORD          the administrative login: the RDS master in a base stack (read only
#                               by this task), the review app's own login in a review stack
#   POSTGRES_USER, _PASSWORD    the application's login, which the API and cron tasks use
#   POSTGRES_ENDPOINT, _PORT, _DB   where the database is
#
# The preparation is idempotent: PostGIS (migrations never create it), and, where the application
# has a login of its own, that role with the password of its secret, allowed to connect and to
# create its tables in the public schema. Alembic then runs as the application's login, so the
# application owns the tables it migrates. Any failure exits non-zero and stops the deploy.
set -eu
export PGHOST="$POSTGRES_ENDPOINT" PGPORT="$POSTGRES_PORT" PGDATABASE="$POSTGRES_DB" PGSSLMODE=require
psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 <<'SQL'
\getenv app_user POSTGRES_USER
\getenv app_password POSTGRES_PASSWORD
CREATE EXTENSION IF NOT EXISTS postgis;
SELECT :'app_user' <> current_user AS separate_login \gset
\if :separate_login
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user') AS new_role \gset
\if :new_role
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password';
\else
ALTER ROLE :"app_user" LOGIN PASSWORD :'app_password';
\endif
GRANT CONNECT, TEMPORARY ON DATABASE :"DBNAME" TO :"app_user";
GRANT USAGE, CREATE ON SCHEMA public TO :"app_user";
\endif
SQL
echo "database prepared; migrating as $POSTGRES_USER"
exec alembic -c migrations/alembic.ini upgrade head
