#!/usr/bin/env bash
# Starts the test lab: Asterisk 22 in a Debian sid chroot, MariaDB, and four baresip room phones
# (8001-8004) registered to Asterisk. From nothing on a Debian 12 machine (as root) it installs and
# builds what it needs; run again, it only checks and starts what is not running. Settings: lab/lab.env.
# LAB_GALERA=1 also starts the three-node Galera cluster (lab/galera.sh up); the tests that need it
# start it themselves, so the lab does not spend three more MariaDB servers by default.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  require_root
  take_lock
  log_to up
  load_env
  local started=$SECONDS

  # systemd-analyze: the tests verify the shipped systemd unit (ops/pms-engine.service) with it.
  # chromium: the console's browser tests (test/browser/) drive Debian's Chromium with playwright-core.
  ensure_commands mmdebstrap:mmdebstrap baresip:baresip-core sox:sox systemd-analyze:systemd chromium:chromium
  bash "$LAB_DIR/build-rootfs.sh"
  ensure_mariadb
  install_asterisk_config
  install_sounds
  start_asterisk
  bash "$LAB_DIR/phones.sh" start
  wait_registered
  if [[ ${LAB_GALERA-} == 1 ]]; then
    bash "$LAB_DIR/galera.sh" up
  fi

  say "lab up in $((SECONDS - started)) s"
  bash "$LAB_DIR/status.sh"
}

ensure_mariadb() {
  if ! port_open "$PMS_DB_PORT"; then
    ensure_commands mariadbd:mariadb-server
    if ! port_open "$PMS_DB_PORT"; then
      say "starting MariaDB (log: $RUN_DIR/mariadb.log)"
      mkdir -p /run/mysqld
      chown mysql:mysql /run/mysqld
      # No service manager here (containers, CI) and start-stop-daemon alone does not start it: run
      # the server directly. 9>&-: it must not hold the lab's lock.
      setsid /usr/sbin/mariadbd --user=mysql >>"$RUN_DIR/mariadb.log" 2>&1 </dev/null 9>&- &
    fi
  fi
  ensure_commands mariadb:mariadb-client
  wait_for "MariaDB on 127.0.0.1:$PMS_DB_PORT" 60 port_open "$PMS_DB_PORT" ||
    die "MariaDB does not listen on 127.0.0.1:$PMS_DB_PORT; see $RUN_DIR/mariadb.log"
  mariadb_up || allow_lab_login ||
    die "MariaDB refuses $PMS_DB_USER@$PMS_DB_HOST:$PMS_DB_PORT with the lab/lab.env password"
  local db dbs
  IFS=, read -r -a dbs <<<"$LAB_DATABASES"
  for db in "${dbs[@]}"; do
    mariadb_sql "CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4" >/dev/null ||
      die "cannot create database $db"
  done
  # Asterisk's call-record table: cdr_adaptive_odbc reads its columns when it loads, so it must exist
  # before Asterisk starts. CREATE TABLE IF NOT EXISTS: an existing table (and its rows) stays.
  if ! mariadb_sql "CREATE DATABASE IF NOT EXISTS \`$LAB_CDR_DATABASE\` CHARACTER SET utf8mb4;
    USE \`$LAB_CDR_DATABASE\`; $(<"$REPO_DIR/asterisk-conf/sql/cdr.sql")" >/dev/null; then
    die "cannot create the call-record table $LAB_CDR_DATABASE.cdr (asterisk-conf/sql/cdr.sql)"
  fi
}

# A fresh Debian MariaDB lets root in only through the Unix socket (as the Unix root user); the engine
# and Asterisk connect over TCP. For the lab's root-without-password login (lab.env), allow that too.
allow_lab_login() {
  [[ $PMS_DB_USER == root && -z $PMS_DB_PASSWORD ]] || return 1
  warn "MariaDB refuses root over TCP: allowing root without password from 127.0.0.1 (lab machine)"
  mariadb -u root -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');
    CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;" || return 1
  mariadb_up
}

# asterisk-conf/ + lab/asterisk/ (rendered from lab.env) replace the rootfs's /etc/asterisk, every time,
# so that an edit of asterisk-conf takes effect. The Debian sample configs are dropped entirely.
install_asterisk_config() {
  local stage="$RUN_DIR/asterisk-etc" f name
  rm -rf "$stage"
  mkdir -p "$stage"
  cp -a "$REPO_DIR/asterisk-conf/." "$stage/"
  for f in "$LAB_DIR"/asterisk/*; do
    name=$(basename "$f")
    render "$f" >"$stage/$name"
    chmod 0640 "$stage/$name"
  done
  # The rooms' endpoints come from the generator a hotel uses (pms-provision): PMS_HOTEL_ROOMS and
  # PMS_PROVISION_SIP_SECRET of lab.env.
  provision_rooms >"$stage/pjsip_rooms.conf" || die "pms-provision failed (see above)"
  chmod 0640 "$stage/pjsip_rooms.conf"
  # The engine writes the rooms' mailboxes into voicemail_pms_rooms.conf (PMS_VOICEMAIL_INCLUDE_FILE):
  # keep its copy (the engine rewrites it whenever it connects), or start with an empty one.
  if [[ -f $ROOTFS/etc/asterisk/voicemail_pms_rooms.conf ]]; then
    cp -a "$ROOTFS/etc/asterisk/voicemail_pms_rooms.conf" "$stage/"
  else
    printf '; Written by the PMS engine (voicemail.includeFile); empty until it has run.\n' >"$stage/voicemail_pms_rooms.conf"
  fi
  if [[ -d $ROOTFS/etc/asterisk ]] && diff -rq "$stage" "$ROOTFS/etc/asterisk" >/dev/null 2>&1; then
    CONFIG_CHANGED=
  else
    CONFIG_CHANGED=1
    rm -rf "$ROOTFS/etc/asterisk"
    cp -a "$stage" "$ROOTFS/etc/asterisk"
  fi
  # The ODBC data source of the call records (res_odbc.conf) lives outside /etc/asterisk.
  render "$LAB_DIR/odbc.ini" >"$RUN_DIR/odbc.ini"
  if ! cmp -s "$RUN_DIR/odbc.ini" "$ROOTFS/etc/odbc.ini"; then
    CONFIG_CHANGED=1
    install -m 0640 "$RUN_DIR/odbc.ini" "$ROOTFS/etc/odbc.ini"
  fi
}

# pjsip_rooms.conf for the lab's rooms, by bin/pms-provision.js with lab.env's PMS_* values only.
provision_rooms() {
  [[ -d $REPO_DIR/node_modules/tsx ]] || die "node_modules/ is missing: run npm ci (make lab-up does it)"
  local key vars=()
  for key in "${LAB_ENV_KEYS[@]}"; do
    [[ $key == PMS_* ]] && vars+=("$key=${!key}")
  done
  (cd "$REPO_DIR" && env -i PATH="$PATH" HOME="${HOME:-/root}" "${vars[@]}" node bin/pms-provision.js pjsip)
}

# The wake-up prompt library (sounds/<format>/<name>.<format>) where Asterisk plays it from:
# PMS_WAKEUP_ASTERISK_PROMPT_DIR inside the chroot. Replaced whole, so a removed prompt goes too.
install_sounds() {
  local dest="$ROOTFS${PMS_WAKEUP_ASTERISK_PROMPT_DIR:-/var/lib/asterisk/sounds/pms}"
  rm -rf "$dest.new"
  mkdir -p "$dest.new"
  cp -a "$REPO_DIR/sounds/." "$dest.new/"
  rm -rf "$dest"
  mv "$dest.new" "$dest"
}

# Replace each @KEY@ by the value of KEY from lab.env; an unknown @KEY@ (outside comments) is an error.
render() {
  local text key left
  text=$(<"$1")
  for key in "${LAB_ENV_KEYS[@]}"; do
    # Quoted replacement: bash 5.2 would otherwise expand "&" in a value to the matched text.
    text=${text//"@$key@"/"${!key}"}
  done
  left=$(grep -v '^[[:space:]]*;' <<<"$text" | grep -oE '@[A-Z][A-Z0-9_]*@' | head -n 1 || true)
  [[ -z $left ]] || die "$1 uses $left, which lab/lab.env does not define"

  printf '%s\n' "$text"
}

start_asterisk() {
  mountpoint -q "$ROOTFS/proc" || mount -t proc proc "$ROOTFS/proc"
  # The chroot shares the host's network, so it takes the host's name resolution. mmdebstrap leaves
  # no /etc/hosts: Asterisk then fails to resolve the host name (an ERROR line on every call).
  cp /etc/hosts "$ROOTFS/etc/hosts"
  cp -L /etc/resolv.conf "$ROOTFS/etc/resolv.conf" 2>/dev/null || true
  # The host's time zone too: Asterisk writes call records in its local time, and the tests compare
  # them with the host's clock (rm first: the rootfs's /etc/localtime is a symlink into its zoneinfo).
  if ! cmp -s /etc/localtime "$ROOTFS/etc/localtime"; then
    rm -f "$ROOTFS/etc/localtime"
    cp -L /etc/localtime "$ROOTFS/etc/localtime"
  fi
  mkdir -p "$ASTERISK_RUN" "$ROOTFS/var/log/asterisk"
  ln -sfn "../cache/rootfs/var/log/asterisk/messages.log" "$RUN_DIR/asterisk.log"

  local pids
  pids=$(asterisk_pids)
  if [[ -n $pids ]]; then
    # The CLI can be away for a moment while Asterisk restarts (`core restart now` in a test).
    if [[ $(wc -w <<<"$pids") -eq 1 ]] && wait_for "the Asterisk CLI" 30 asterisk_up; then
      if [[ -n $CONFIG_CHANGED ]]; then
        say "Asterisk runs (pid ${pids% }); configuration changed: core reload (modules.conf changes need a restart)"
        ast_cli 'core reload' >/dev/null
      else
        say "Asterisk runs already (pid ${pids% })"
      fi
      return
    fi
    warn "Asterisk pids ${pids% } in the chroot, but not one server answering its CLI: stopping them"
    stop_asterisk
  fi
  # An Asterisk this script does not recognise (another checkout's chroot, a system Asterisk) holds
  # the ports: a second one would take over the CLI socket and split AstDB between two processes.
  if port_open "${PMS_AMI_PORT:-5038}"; then
    die "something already listens on the AMI port ${PMS_AMI_PORT:-5038} but no Asterisk runs in $ROOTFS: stop it first"
  fi
  rm -f "$ASTERISK_RUN/asterisk.pid" "$ASTERISK_RUN/asterisk.ctl"

  touch "$ASTERISK_LOG"
  local log_lines
  log_lines=$(wc -l <"$ASTERISK_LOG")
  say "starting Asterisk (log: $RUN_DIR/asterisk.log)"
  # As root inside the chroot, without -U/-G: with them Asterisk drops capabilities and can no longer
  # read its own config. -f (no fork) under setsid rather than Asterisk's own daemon mode: a daemon
  # forks again on `core restart now` and gets a new pid, which raced with this script; with -f the
  # restart happens in place. -n: no colour codes in lab/run/asterisk-console.log. 9>&-: the server
  # must not hold the lab's lock.
  setsid chroot "$ROOTFS" /usr/sbin/asterisk -f -n >>"$RUN_DIR/asterisk-console.log" 2>&1 </dev/null 9>&- &
  local pid=$!
  wait_for "the Asterisk CLI" "$LAB_START_TIMEOUT" asterisk_up_or_dead "$pid" ||
    die "Asterisk does not answer its CLI, see $RUN_DIR/asterisk.log"
  pid_alive "$pid" || die "Asterisk exited at start, see $RUN_DIR/asterisk-console.log and $RUN_DIR/asterisk.log"
  timeout "$LAB_START_TIMEOUT" chroot "$ROOTFS" /usr/sbin/asterisk -rx 'core waitfullybooted' >/dev/null ||
    die "Asterisk did not finish booting in ${LAB_START_TIMEOUT}s, see $RUN_DIR/asterisk.log"
  local errors
  errors=$(tail -n "+$((log_lines + 1))" "$ASTERISK_LOG" | grep -E '\] (ERROR|WARNING)\[' || true)
  if [[ -n $errors ]]; then
    warn "Asterisk logged errors/warnings while starting:"
    printf '%s\n' "$errors" >&2
  fi
}

# Phones register within a second of starting. A phone that runs but is not registered (Asterisk lost
# its registration) would only retry after its registration interval: restart it instead.
# Stops waiting early when the Asterisk just started has exited.
asterisk_up_or_dead() {
  ! pid_alive "$1" || asterisk_up
}

wait_registered() {
  wait_for "phone registrations" 5 all_registered && return
  local missing
  missing=$(unregistered_phones)
  say "not registered: $missing; restarting those phones"
  # shellcheck disable=SC2086 # one argument per extension
  bash "$LAB_DIR/phones.sh" restart $missing
  wait_for "phone registrations" "$LAB_START_TIMEOUT" all_registered || {
    ast_cli 'pjsip show contacts' >&2 || true
    die "phones $(unregistered_phones) did not register in ${LAB_START_TIMEOUT}s; see $PHONES_DIR/<ext>/baresip.log and $RUN_DIR/asterisk.log"
  }
}

unregistered_phones() {
  local registered ext missing=()
  registered=$(registered_phones)
  for ext in "${PHONES[@]}"; do
    grep -qx "$ext" <<<"$registered" || missing+=("$ext")
  done
  printf '%s' "${missing[*]}"
}

all_registered() {
  [[ -z $(unregistered_phones) ]]
}

main "$@"
