#!/usr/bin/env bash
# Copy the Tasking Manager's database from the deployment it replaces into a stack's database, in
# the cut-over's maintenance window (docs/operations/cutover.md). Run it from a host that reaches
# both servers, with PostgreSQL client tools at least as new as the source server.
#
#   SOURCE_URL   the old database, read-only use: postgresql://user@host:5432/tm_production
#                (its password in SOURCE_PASSWORD, never in the URL or on a command line)
#   PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD
#                the new stack's database as its application login (tm_app, the secret
#                tasking-manager/<stack>/database-app-login), which then owns every copied table
#   DUMP_DIR     where the dump is kept (default: a new temporary directory), for a second try
#
# What it does: dumps the source without owners or grants; drops whatever the application login
# owns in the target (the empty schema the first deploy's migrations made); restores the dump as
# the application login, without the PostGIS extension (the target's migrate step created it and
# an application login cannot); compares the row counts of every copied table. Afterwards, run the
# migrations (scripts/run-migrations.sh <stack>) to bring the copied schema to the deployed version.
set -euo pipefail

: "${SOURCE_URL:?the old database, postgresql://user@host:port/name}"
: "${SOURCE_PASSWORD:?the password of the old database login}"
: "${PGHOST:?}" "${PGDATABASE:?}" "${PGUSER:?}" "${PGPASSWORD:?}"
export PGSSLMODE=${PGSSLMODE:-require}
dump_dir=${DUMP_DIR:-$(mktemp -d)}
dump="$dump_dir/tasking-manager.dump"

source_psql() { PGPASSWORD="$SOURCE_PASSWORD" psql --no-psqlrc -X -At -v ON_ERROR_STOP=1 "$SOURCE_URL" "$@"; }
target_psql() { psql --no-psqlrc -X -At -v ON_ERROR_STOP=1 "$@"; }
# Exact row counts of every table of the public schema but PostGIS's own, one line.
counts_sql=$(cat <<'SQL'
SELECT coalesce(string_agg(format('%s=%s', c.relname, (xpath('/row/n/text()', query_to_xml(
         format('SELECT count(*) AS n FROM public.%I', c.relname), false, true, '')))[1]), ' '
         ORDER BY c.relname), '')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND n.nspname = 'public' AND c.relname <> 'spatial_ref_sys'
SQL
)

echo "dumping the source to $dump"
PGPASSWORD="$SOURCE_PASSWORD" pg_dump --format=custom --no-owner --no-privileges --file="$dump" "$SOURCE_URL"
# Everything but PostGIS's own: the extension, its comment and its table of coordinate systems
# (the target's migrate step created them; the application uses only EPSG codes PostGIS ships).
pg_restore --list "$dump" \
  | grep -v -E ' (EXTENSION - postgis|COMMENT - EXTENSION postgis|TABLE DATA public spatial_ref_sys)( |$)' \
  > "$dump_dir/restore.list"

echo "emptying what $PGUSER owns in $PGDATABASE"
# Drops exactly the objects the application login owns (the grants it holds were made by the
# master login, so they stay).
target_psql -c "DROP OWNED BY CURRENT_USER"
echo "restoring as $PGUSER"
pg_restore --no-owner --no-privileges --exit-on-error --use-list="$dump_dir/restore.list" --dbname="$PGDATABASE" "$dump"

source_counts=$(source_psql -c "$counts_sql")
target_counts=$(target_psql -c "$counts_sql")
echo "source: $source_counts"
echo "target: $target_counts"
if [ "$source_counts" != "$target_counts" ]; then
  echo "the row counts differ: do not switch over" >&2
  exit 1
fi
echo "copied; now run the migrations: scripts/run-migrations.sh <stack>"
