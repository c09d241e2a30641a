#!/usr/bin/env bash
# What of the lab runs: Asterisk (pid, AMI/ARI ports, registered phones), the phones, MariaDB, and
# the Galera nodes (lab/galera.sh) when one of them runs.
# Read-only: it never connects to the phones' ctrl_tcp ports (baresip serves one client at a time).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_root
load_env

if asterisk_up; then
  printf 'Asterisk    up (pid %s), %s\n' "$(asterisk_pids | sed "s/ $//")" \
    "$(ast_cli 'core show uptime' | sed -n 's/^System uptime: //p')"
  printf '            AMI %s:%s %s, ARI %s %s\n' "$PMS_AMI_HOST" "$PMS_AMI_PORT" \
    "$(port_open "$PMS_AMI_PORT" && echo open || echo CLOSED)" "$PMS_ARI_URL" \
    "$(port_open "${PMS_ARI_URL##*:}" && echo open || echo CLOSED)"
  registered=$(registered_phones | tr '\n' ' ')
  printf '            registered: %s\n' "${registered:-none}"
  # Call records: cdr_adaptive_odbc registered and its ODBC connection up (res_odbc.conf, odbc.ini).
  # Read whole outputs first: `cmd | grep -q` could fail under pipefail when grep exits early.
  cdr_status=$(ast_cli 'cdr show status')
  odbc_status=$(ast_cli 'odbc show asteriskcdrdb')
  if grep -q 'Adaptive ODBC' <<<"$cdr_status" && grep -qE 'active connections: [1-9]' <<<"$odbc_status"; then
    printf '            call records into MariaDB %s.cdr\n' "$LAB_CDR_DATABASE"
  else
    printf '            call records NOT written (cdr show status, odbc show; see %s/asterisk.log)\n' "$RUN_DIR"
  fi
elif [[ -d $ROOTFS ]]; then
  printf 'Asterisk    DOWN (rootfs %s)\n' "$ROOTFS"
else
  printf 'Asterisk    DOWN (no rootfs yet: make lab-up builds it)\n'
fi

for ext in "${PHONES[@]}"; do
  pid=$(pidfile_pid "$PHONES_DIR/$ext/pid" baresip)
  if [[ -n $pid ]]; then
    printf 'Phone %s  up (pid %s, ctrl 127.0.0.1:%s, answer %s)\n' "$ext" "$pid" "$(phone_var "$ext" CTRL_PORT)" \
      "$(phone_var "$ext" ANSWERMODE)"
  else
    printf 'Phone %s  DOWN\n' "$ext"
  fi
done

if mariadb_up; then
  printf 'MariaDB     up on %s:%s\n' "$PMS_DB_HOST" "$PMS_DB_PORT"
else
  printf 'MariaDB     DOWN on %s:%s\n' "$PMS_DB_HOST" "$PMS_DB_PORT"
fi
if galera_running; then
  bash "$LAB_DIR/galera.sh" status
fi
printf 'Logs        %s/*.log, %s/<ext>/baresip.log\n' "$RUN_DIR" "$PHONES_DIR"
