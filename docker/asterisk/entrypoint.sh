#!/bin/sh
# Start of the Asterisk container: writes the files that carry secrets or per-hotel data, from the
# container's environment (docker/.env through docker/compose.yaml), then runs Asterisk. The image
# itself holds no secret. Every value is checked first: a newline or a ";" in a password would
# otherwise inject configuration lines.
set -eu

die() {
  echo "pms-asterisk: $*" >&2
  exit 1
}

# need NAME PATTERN: the variable must be set, non-empty and match the (grep -E) pattern.
need() {
  eval "v=\${$1-}"
  [ -n "$v" ] || die "$1 is not set (see docker/.env.example)"
  printf '%s' "$v" | grep -Eqx "$2" || die "$1 has characters this file cannot hold safely (allowed: $2)"
}

SECRET='[A-Za-z0-9._~@%+=:,/-]{8,128}'
NAME='[A-Za-z0-9_-]{1,32}'
need AMI_USERNAME "$NAME"
need AMI_PASSWORD "$SECRET"
need ARI_USERNAME "$NAME"
need ARI_PASSWORD "$SECRET"
need CDR_DB_USER "$NAME"
need CDR_DB_PASSWORD "$SECRET"
need CDR_DB_HOST '[A-Za-z0-9.-]{1,253}'
need CDR_DB_NAME '[A-Za-z0-9_]{1,64}'
need ENGINE_SUBNET '[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}'

umask 027
etc=/etc/asterisk
shared=/var/lib/pms-shared

# AMI user of the engine (manager.conf includes it). Only the compose network may log in.
cat >"$etc/manager_pms_credentials.conf" <<CONF
; Written by the container's entrypoint from its environment at start: edit docker/.env, not this.
[$AMI_USERNAME]
secret = $AMI_PASSWORD
deny = 0.0.0.0/0.0.0.0
permit = $ENGINE_SUBNET
read = all
write = all
CONF

cat >"$etc/ari_pms_credentials.conf" <<CONF
; Written by the container's entrypoint from its environment at start: edit docker/.env, not this.
[$ARI_USERNAME]
type = user
read_only = no
password = $ARI_PASSWORD
CONF

cat >"$etc/res_odbc_pms_credentials.conf" <<CONF
; Written by the container's entrypoint from its environment at start: edit docker/.env, not this.
username => $CDR_DB_USER
password => $CDR_DB_PASSWORD
CONF

# The ODBC data source of the call records (asterisk-conf/odbc.ini.example), on the MariaDB service.
cat >/etc/odbc.ini <<CONF
[asteriskcdrdb]
Description = Asterisk call records (CDR)
Driver = MariaDB Unicode
SERVER = $CDR_DB_HOST
PORT = 3306
TCPIP = 1
DATABASE = $CDR_DB_NAME
CHARSET = utf8mb4
CONF

# The room endpoints, generated from the hotel's rooms by the "provision" service (pms-provision).
[ -s "$shared/pjsip_rooms.conf" ] ||
  die "$shared/pjsip_rooms.conf is missing: the provision service writes it (docker compose up runs it first)"
cp "$shared/pjsip_rooms.conf" "$etc/pjsip_rooms.conf"

# The rooms' mailboxes: written by the engine (voicemail.includeFile) into the shared volume, read here.
[ -f "$shared/voicemail_pms_rooms.conf" ] ||
  printf '; Written by the PMS engine (voicemail.includeFile); empty until it has run.\n' >"$shared/voicemail_pms_rooms.conf"
chown asterisk:asterisk "$shared" "$shared/voicemail_pms_rooms.conf"
ln -sfn "$shared/voicemail_pms_rooms.conf" "$etc/voicemail_pms_rooms.conf"

chown root:asterisk "$etc"/*_pms_credentials.conf "$etc/pjsip_rooms.conf" /etc/odbc.ini
chmod 0640 "$etc"/*_pms_credentials.conf "$etc/pjsip_rooms.conf" /etc/odbc.ini
chown -R asterisk:asterisk /var/lib/asterisk/astdb /var/spool/asterisk/voicemail
mkdir -p /var/run/asterisk && chown asterisk:asterisk /var/run/asterisk

exec "$@"
