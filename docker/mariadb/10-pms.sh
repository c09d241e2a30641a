#!/bin/bash
# First start of the MariaDB container only (docker-entrypoint-initdb.d, empty data volume): the
# engine's database and user, Asterisk's call-record database with its `cdr` table
# (asterisk-conf/sql/cdr.sql, mounted at /pms/cdr.sql) and Asterisk's user, which may only add rows.
# Names and passwords come from the environment (docker/.env); nothing here is secret.
set -euo pipefail

for v in PMS_DB_DATABASE PMS_DB_USER PMS_DB_PASSWORD CDR_DB_NAME CDR_DB_USER CDR_DB_PASSWORD; do
  [[ -n ${!v-} ]] || { echo "10-pms.sh: $v is not set" >&2; exit 1; }
done
# Names go into SQL identifiers: letters, digits and _ only.
for v in PMS_DB_DATABASE PMS_DB_USER CDR_DB_NAME CDR_DB_USER; do
  [[ ${!v} =~ ^[A-Za-z0-9_]{1,64}$ ]] || { echo "10-pms.sh: $v must be letters, digits and _" >&2; exit 1; }
done
# Passwords go into SQL string literals: quote them.
q() { printf "'%s'" "${1//\'/\'\'}"; }

sql() { mariadb --protocol=socket -uroot -p"$MARIADB_ROOT_PASSWORD" "$@"; }

sql <<SQL
CREATE DATABASE IF NOT EXISTS \`$PMS_DB_DATABASE\` CHARACTER SET utf8mb4;
CREATE DATABASE IF NOT EXISTS \`$CDR_DB_NAME\` CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS '$PMS_DB_USER'@'%' IDENTIFIED BY $(q "$PMS_DB_PASSWORD");
CREATE USER IF NOT EXISTS '$CDR_DB_USER'@'%' IDENTIFIED BY $(q "$CDR_DB_PASSWORD");
-- The engine: its own database (it runs its migrations), and reads the call records (GetCDR).
GRANT ALL PRIVILEGES ON \`$PMS_DB_DATABASE\`.* TO '$PMS_DB_USER'@'%';
GRANT SELECT ON \`$CDR_DB_NAME\`.* TO '$PMS_DB_USER'@'%';
-- Asterisk (cdr_adaptive_odbc): reads the table's columns and inserts rows, nothing else.
GRANT SELECT, INSERT ON \`$CDR_DB_NAME\`.* TO '$CDR_DB_USER'@'%';
FLUSH PRIVILEGES;
SQL
sql "$CDR_DB_NAME" </pms/cdr.sql
echo "10-pms.sh: databases $PMS_DB_DATABASE and $CDR_DB_NAME (table cdr) ready"
