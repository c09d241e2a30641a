#!/usr/bin/env bash
# Faults injected into the running lab, for the fault suite (test/faults/) and for trying things by
# hand. Each command returns once the fault is in place (or lifted); `restore` lifts every fault.
#
#   bash lab/faults.sh asterisk-ready     wait until the Asterisk CLI answers (before a timed restart)
#   bash lab/faults.sh asterisk-restart   core restart now, at once (returns once Asterisk has booted again)
#   bash lab/faults.sh asterisk-kill      SIGKILL every Asterisk of the lab (no goodbye on any socket)
#   bash lab/faults.sh asterisk-start     start Asterisk again (lab/up.sh) and wait for the phones
#   bash lab/faults.sh asterisk-freeze    SIGSTOP Asterisk: sockets stay open, nothing answers
#   bash lab/faults.sh asterisk-thaw      SIGCONT
#   bash lab/faults.sh mariadb-stop       stop MariaDB (SIGTERM, clean shutdown)
#   bash lab/faults.sh mariadb-start      start it again (lab/up.sh)
#   bash lab/faults.sh mariadb-freeze     SIGSTOP MariaDB
#   bash lab/faults.sh mariadb-thaw       SIGCONT
#   bash lab/faults.sh ami-ready          install iptables if missing (before a timed ami-cut)
#   bash lab/faults.sh ami-cut            drop every packet to and from the AMI port on loopback
#                                         (iptables, no reset, no FIN: a firewall or a dead network)
#   bash lab/faults.sh ami-restore        remove that rule
#   bash lab/faults.sh restore            thaw, remove the rules, start whatever is down
#   bash lab/faults.sh state              what is faulted now
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_env
require_root

# Every rule this script adds carries this comment, so that `restore` removes exactly those.
TAG=pms-lab-fault

mariadb_pids() {
  pgrep -x mariadbd || pgrep -x mysqld || true
}

signal_all() {
  local sig=$1 what=$2 pids=$3 pid
  [[ -n $pids ]] || die "no $what process to signal"
  for pid in $pids; do kill "-$sig" "$pid"; done
  say "$what: SIG$sig sent to ${pids% }"
}

ami_rules() {
  local port=${PMS_AMI_PORT:-5038}
  printf '%s\n' "INPUT -i lo -p tcp --dport $port" "INPUT -i lo -p tcp --sport $port"
}

ami_cut() {
  ensure_commands iptables:iptables
  local rule
  while read -r rule; do
    # shellcheck disable=SC2086 # the rule is a list of iptables words
    iptables -C $rule -m comment --comment "$TAG" -j DROP 2>/dev/null ||
      iptables -I $rule -m comment --comment "$TAG" -j DROP
  done < <(ami_rules)
  say "AMI port ${PMS_AMI_PORT:-5038} cut on loopback (packets dropped both ways)"
}

ami_restore() {
  command -v iptables >/dev/null 2>&1 || return 0
  local rule
  while read -r rule; do
    # shellcheck disable=SC2086
    while iptables -C $rule -m comment --comment "$TAG" -j DROP 2>/dev/null; do
      iptables -D $rule -m comment --comment "$TAG" -j DROP
    done
  done < <(ami_rules)
  say "AMI port ${PMS_AMI_PORT:-5038} restored"
}

stopped() {
  local pid
  for pid in "$@"; do grep -q '^State:[[:space:]]*T' "/proc/$pid/status" 2>/dev/null && return 0; done
  return 1
}

mariadb_stop() {
  local pids pid i
  pids=$(mariadb_pids)
  [[ -n $pids ]] || return 0
  # A frozen server cannot shut down.
  for pid in $pids; do kill -CONT "$pid" 2>/dev/null || true; done
  for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
  for ((i = 0; i < 300; i++)); do
    [[ -z $(mariadb_pids) ]] && ! port_open "$PMS_DB_PORT" && {
      say "MariaDB stopped (pid ${pids% })"
      return 0
    }
    sleep 0.1
  done
  die "MariaDB (pid ${pids% }) did not stop within 30 s"
}

state() {
  local a m
  a=$(asterisk_pids)
  m=$(mariadb_pids)
  # shellcheck disable=SC2086
  printf 'asterisk %s\n' "$([[ -z $a ]] && echo down || { stopped $a && echo frozen || echo up; })"
  # shellcheck disable=SC2086
  printf 'mariadb  %s\n' "$([[ -z $m ]] && echo down || { stopped $m && echo frozen || echo up; })"
  if command -v iptables >/dev/null 2>&1 && iptables -S INPUT | grep -q -- "$TAG"; then
    echo 'ami      cut'
  else
    echo 'ami      open'
  fi
}

case ${1-} in
asterisk-ready)
  # The CLI can be slow to answer on a busy machine: give it a few seconds before calling it down.
  wait_for "the Asterisk CLI" 10 asterisk_up || die "Asterisk is not up (its CLI does not answer)"
  ;;
asterisk-restart)
  # No check first: a scenario times its wake-ups from this command (asterisk-ready comes before).
  ast_cli 'core restart now' >/dev/null || true
  wait_for "Asterisk to restart" "$LAB_START_TIMEOUT" asterisk_up || die "Asterisk did not come back"
  timeout "$LAB_START_TIMEOUT" chroot "$ROOTFS" /usr/sbin/asterisk -rx 'core waitfullybooted' >/dev/null
  say "Asterisk restarted"
  ;;
asterisk-kill)
  pids=$(asterisk_pids)
  signal_all KILL Asterisk "$pids"
  for pid in $pids; do wait_for "Asterisk pid $pid to exit" 10 eval "! pid_alive $pid"; done
  ;;
asterisk-start | mariadb-start)
  bash "$LAB_DIR/up.sh" >/dev/null
  say "lab up again"
  ;;
asterisk-freeze) signal_all STOP Asterisk "$(asterisk_pids)" ;;
asterisk-thaw) signal_all CONT Asterisk "$(asterisk_pids)" ;;
mariadb-stop) mariadb_stop ;;
mariadb-freeze) signal_all STOP MariaDB "$(mariadb_pids)" ;;
mariadb-thaw) signal_all CONT MariaDB "$(mariadb_pids)" ;;
ami-ready)
  # iptables installed and its tables loaded, so that a timed ami-cut takes effect at once (on a
  # fresh machine the first cut would otherwise install it first).
  ensure_commands iptables:iptables
  iptables -n -L INPUT >/dev/null
  ;;
ami-cut) ami_cut ;;
ami-restore) ami_restore ;;
restore)
  for pid in $(asterisk_pids) $(mariadb_pids); do kill -CONT "$pid" 2>/dev/null || true; done
  ami_restore
  bash "$LAB_DIR/up.sh" >/dev/null
  say "every fault lifted; lab up"
  ;;
state) state ;;
*)
  sed -n '2,20s/^# \{0,1\}//p' "$0" >&2
  exit 2
  ;;
esac
