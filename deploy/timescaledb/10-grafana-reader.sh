#!/bin/sh
# Runs once, when the timescaledb container initializes an empty data volume: a
# read-only login for Grafana, so dashboards never hold a superuser password.
# Tables created later by `anju db migrate` (as postgres) are covered by the default
# privileges.
set -eu
: "${ANJU_GRAFANA_DB_PASSWORD:?ANJU_GRAFANA_DB_PASSWORD must be set}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v pw="$ANJU_GRAFANA_DB_PASSWORD" <<'SQL'
CREATE ROLE grafana_reader LOGIN PASSWORD :'pw';
GRANT CONNECT ON DATABASE anju TO grafana_reader;
GRANT USAGE ON SCHEMA public TO grafana_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO grafana_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT ON TABLES TO grafana_reader;
SQL
