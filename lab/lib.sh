# shellcheck shell=bash disable=SC2034  # the variables here are used by the scripts that source it
# Shared by lab/*.sh: paths, lab.env, logging, package installation, process and port checks.
# Sourced, never run. Everything fails loudly: callers run with `set -euo pipefail`.

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_DIR=$(dirname "$LAB_DIR")
CACHE_DIR="$LAB_DIR/cache"
RUN_DIR="$LAB_DIR/run"
ROOTFS="$CACHE_DIR/rootfs"
PHONES_DIR="$RUN_DIR/phones"
ASTERISK_LOG="$ROOTFS/var/log/asterisk/messages.log"
# The rootfs's /var/run is an absolute symlink to /run: outside the chroot, use $ROOTFS/run.
ASTERISK_RUN="$ROOTFS/run/asterisk"

# Packages of the sid root filesystem in which Asterisk runs (Debian 12 has no asterisk package):
# docker/asterisk/packages.txt, the list the Asterisk image installs too (one source for both).
PACKAGES_FILE="$REPO_DIR/docker/asterisk/packages.txt"
[[ -r $PACKAGES_FILE ]] || {
  printf '[lab] ERROR: %s is missing\n' "$PACKAGES_FILE" >&2
  exit 1
}
mapfile -t ROOTFS_PACKAGES < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$PACKAGES_FILE")

say() { printf '[lab] %s\n' "$*"; }
warn() { printf '[lab] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[lab] ERROR: %s\n' "$*" >&2
  exit 1
}

# Send this script's output to the terminal and to lab/run/<name>.log.
log_to() {
  mkdir -p "$RUN_DIR"
  local file="$RUN_DIR/$1.log"
  printf '\n===== %s %s =====\n' "$(date '+%F %T')" "$1" >>"$file"
  exec > >(tee -a "$file") 2> >(tee -a "$file" >&2)
}

require_root() {
  [[ $EUID -eq 0 ]] || die "the lab needs root (chroot, mount, apt-get): run it as root"
}

# One lab script at a time: up.sh and down.sh racing would leave half-started processes.
take_lock() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/.lock"
  flock -w 300 9 || die "another lab script holds $RUN_DIR/.lock for 5 minutes"
}

# lab.env: KEY=value lines, read literally (no quotes, no expansion) exactly like test/lab/lab.ts does.
load_env() {
  local file="$LAB_DIR/lab.env" line key n=0
  [[ -r $file ]] || die "$file is missing"
  LAB_ENV_KEYS=()
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    # Only PMS_* and LAB_* keys: a line such as PATH=... must not change this script's environment.
    [[ $line =~ ^((PMS|LAB)_[A-Z0-9_]+)=(.*)$ ]] || die "$file:$n: expected PMS_...=value or LAB_...=value, got: $line"
    key=${BASH_REMATCH[1]}
    printf -v "$key" '%s' "${BASH_REMATCH[3]}"
    LAB_ENV_KEYS+=("$key")
  done <"$file"
  IFS=, read -r -a PHONES <<<"$LAB_PHONES"
}

# The value of a per-phone setting, e.g. phone_var 8001 CTRL_PORT -> $LAB_PHONE_8001_CTRL_PORT.
phone_var() {
  local name="LAB_PHONE_$1_$2"
  [[ -n ${!name-} ]] || die "lab/lab.env has no $name"
  printf '%s' "${!name}"
}

# The SIP password of a room as the lab's Asterisk has it: its [<room>-auth] section in
# pjsip_rooms.conf, which lab/up.sh generates with pms-provision. Empty when there is none.
room_password() {
  local conf="$ROOTFS/etc/asterisk/pjsip_rooms.conf"
  [[ -r $conf ]] || return 0
  awk -v s="[$1-auth](room-auth)" '$0 == s { f = 1; next } /^\[/ { f = 0 } f && $1 == "password" { print $3; exit }' "$conf"
}

# --- Host packages -------------------------------------------------------------------------------

APT_UPDATED=
# Waits for apt's lock (another apt-get running) instead of failing at once.
APT_OPTS=(-o DPkg::Lock::Timeout=300)
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [[ -z $APT_UPDATED ]]; then
    say "apt-get update"
    apt-get "${APT_OPTS[@]}" update -qq >>"$RUN_DIR/apt.log" 2>&1 || die "apt-get update failed, see $RUN_DIR/apt.log"
    export APT_UPDATED=1 # once per lab command, sub-scripts included
  fi
  say "apt-get install $*"
  apt-get "${APT_OPTS[@]}" install -y -qq "$@" >>"$RUN_DIR/apt.log" 2>&1 || die "apt-get install $* failed, see $RUN_DIR/apt.log"
}

# ensure_commands cmd:package ... installs the packages of the missing commands in one apt-get call.
ensure_commands() {
  local pair missing=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [[ ${#missing[@]} -eq 0 ]] || apt_install "${missing[@]}"
}

# The Debian mirror this machine's apt already uses (entry of the main suite, not -security/-updates).
# Read at run time so that no host name is written into the project.
debian_mirror() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r $f ]] || continue
    # deb822 stanzas are separated by blank lines; RS="" makes awk read one stanza per record.
    uri=$(awk 'BEGIN { RS = ""; FS = "\n" }
      {
        types = ""; uris = ""; suites = ""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Types:/) types = $i
          if ($i ~ /^URIs:/) uris = $i
          if ($i ~ /^Suites:/) suites = $i
        }
        sub(/^Suites:[ \t]*/, "", suites); sub(/^URIs:[ \t]*/, "", uris)
        if (types !~ /(^|[ \t:])deb([ \t]|$)/) next
        n = split(suites, s, /[ \t]+/)
        for (j = 1; j <= n; j++) if (s[j] != "" && s[j] !~ /-/) { split(uris, u, /[ \t]+/); print u[1]; exit }
      }' "$f")
    [[ -n $uri ]] && break
  done
  if [[ -z $uri && -r /etc/apt/sources.list ]]; then
    # deb [options] URI suite components
    uri=$(awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
      if ($(i + 1) !~ /-/) { print $i; exit } }' /etc/apt/sources.list)
  fi
  [[ -n $uri ]] || die "found no Debian main suite (URIs:/deb line) in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list"
  printf '%s' "${uri%/}"
}

# --- Processes and ports -------------------------------------------------------------------------

# True when a TCP port on 127.0.0.1 accepts connections.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pid_alive() {
  [[ -n ${1-} && -d /proc/$1 ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# The pid in a pid file when that process is alive and runs the expected program, else nothing.
pidfile_pid() {
  local file=$1 comm=$2 pid
  [[ -r $file ]] || return 0
  pid=$(<"$file")
  if pid_alive "$pid" && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm" ]]; then printf '%s' "$pid"; fi
}

# Stop a process: SIGTERM, wait up to $2 seconds, then SIGKILL.
stop_pid() {
  local pid=$1 wait_s=${2:-5} i
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < wait_s * 10; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  warn "pid $pid ignored SIGTERM for ${wait_s}s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  # Gone for good (its sockets closed) before the caller reuses its ports.
  for ((i = 0; i < 50; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  warn "pid $pid still alive 5 s after SIGKILL"
}

# wait_for <what> <seconds> <command...>: poll every 0.2 s until the command succeeds or time runs out.
wait_for() {
  local what=$1 deadline=$((SECONDS + $2))
  shift 2
  until "$@"; do
    ((SECONDS < deadline)) || {
      warn "gave up waiting for $what"
      return 1
    }
    sleep 0.2
  done
}

# --- Asterisk in the chroot ----------------------------------------------------------------------

ast_cli() {
  chroot "$ROOTFS" /usr/sbin/asterisk -rx "$1" 2>&1
}

asterisk_up() {
  [[ -x $ROOTFS/usr/sbin/asterisk ]] && ast_cli 'core show uptime' 2>/dev/null | grep -q 'System uptime'
}

# Pids of the Asterisk servers running in the lab's chroot (not `asterisk -rx` clients), found by
# their root directory: a pid file can be stale or overwritten, and there must never be two.
asterisk_pids() {
  local p pid
  for p in /proc/[0-9]*; do
    [[ $(cat "$p/comm" 2>/dev/null) == asterisk ]] || continue
    [[ $(readlink "$p/root" 2>/dev/null) == "$ROOTFS" ]] || continue
    tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qE '(^| )-[a-zA-Z]*[rR]' && continue
    pid=${p#/proc/}
    pid_alive "$pid" && printf '%s ' "$pid"
  done
  return 0
}

# `core stop now`, then SIGTERM/SIGKILL whatever Asterisk still runs in the chroot.
stop_asterisk() {
  local pids pid i
  pids=$(asterisk_pids)
  [[ -n $pids ]] || return 0
  if asterisk_up; then
    say "stopping Asterisk (core stop now)"
    ast_cli 'core stop now' >/dev/null || true
  fi
  for ((i = 0; i < 100; i++)); do
    [[ -z $(asterisk_pids) ]] && break
    sleep 0.1
  done
  for pid in $(asterisk_pids); do
    warn "Asterisk pid $pid still runs: SIGTERM"
    stop_pid "$pid" 5
  done
  say "Asterisk stopped (pid ${pids% })"
}

# Phones whose registration Asterisk currently knows ("pjsip show contacts": `Contact: 8001/sip:...`).
registered_phones() {
  ast_cli 'pjsip show contacts' | awk '$1 == "Contact:" && $2 ~ /^[^<].*\// { split($2, a, "/"); print a[1] }' | sort -u
}

# --- MariaDB -------------------------------------------------------------------------------------

mariadb_up() {
  command -v mariadb >/dev/null 2>&1 || return 1
  mariadb --protocol=tcp -h "$PMS_DB_HOST" -P "$PMS_DB_PORT" -u "$PMS_DB_USER" ${PMS_DB_PASSWORD:+-p"$PMS_DB_PASSWORD"} \
    --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1
}

# True when a node of the Galera cluster (lab/galera.sh) runs: its pid file names a live mariadbd.
galera_running() {
  local file
  for file in "$RUN_DIR"/galera/*/mariadbd.pid; do
    [[ -n $(pidfile_pid "$file" mariadbd) ]] && return 0
  done
  return 1
}

mariadb_sql() {
  mariadb --protocol=tcp -h "$PMS_DB_HOST" -P "$PMS_DB_PORT" -u "$PMS_DB_USER" ${PMS_DB_PASSWORD:+-p"$PMS_DB_PASSWORD"} \
    --connect-timeout=5 -e "$1"
}
