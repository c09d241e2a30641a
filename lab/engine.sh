#!/usr/bin/env bash
# The engine for hands-on testing (`make lab`): runs in the background against the lab with lab.env's
# settings and its own database (PMS_DB_DATABASE), pid in lab/run/engine.pid, log in lab/run/engine.log.
#
#   engine.sh start    start it (if it does not run) and print how to use the lab
#   engine.sh stop     stop it
#   engine.sh status   whether it runs
#   engine.sh info     print how to register a softphone and send PMS commands
#
# It shares the lab's Stasis application and AstDB with the engines the integration tests start, so it
# must not run during tests: `make test` and `make integration` stop it, and the lab tests refuse to run
# while it does (test/lab/lab.ts requireLab).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PID_FILE="$RUN_DIR/engine.pid"
LOG_FILE="$RUN_DIR/engine.log"

main() {
  load_env
  case "${1-}" in
    start) start ;;
    stop) stop ;;
    status)
      local pid
      pid=$(engine_pid)
      if [[ -n $pid ]]; then say "engine runs (pid $pid, PMS port $LAB_ENGINE_PORT, log $LOG_FILE)"; else say "engine does not run"; fi
      ;;
    info) info ;;
    *) die "usage: engine.sh start|stop|status|info" ;;
  esac
}

engine_pid() {
  local pid
  [[ -r $PID_FILE ]] || return 0
  pid=$(<"$PID_FILE")
  # dist/src/main.js; src/main.ts is an engine an older engine.sh started through tsx.
  pid_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qE 'src/main\.(js|ts)' && printf '%s' "$pid"
  return 0
}

start() {
  local pid
  pid=$(engine_pid)
  if [[ -n $pid ]]; then
    say "engine runs already (pid $pid)"
  else
    [[ -d $REPO_DIR/node_modules ]] || die "node_modules/ is missing: run npm ci (make lab does it)"
    # The compiled engine, as a hotel runs it: rebuilt first if a source changed (make build).
    make --no-print-directory -C "$REPO_DIR" dist/src/main.js >/dev/null || die "npm run build failed"
    [[ -f $REPO_DIR/dist/src/main.js ]] || die "dist/src/main.js is missing: run make build"
    port_open "$LAB_ENGINE_PORT" && die "port $LAB_ENGINE_PORT is taken by another program (LAB_ENGINE_PORT in lab/lab.env)"
    port_open "$LAB_CONSOLE_PORT" && die "port $LAB_CONSOLE_PORT is taken by another program (LAB_CONSOLE_PORT in lab/lab.env)"
    local key vars=()
    for key in "${LAB_ENV_KEYS[@]}"; do
      [[ $key == PMS_* ]] && vars+=("$key=${!key}")
    done
    mkdir -p "$RUN_DIR"
    printf '\n===== %s engine start =====\n' "$(date '+%F %T')" >>"$LOG_FILE"
    # Readiness is read from this start's lines only, not from an earlier run's.
    local from
    from=$(($(stat -c %s "$LOG_FILE") + 1))
    # setsid: it outlives this script and the terminal. 9>&-: it must not hold the lab's lock.
    (cd "$REPO_DIR" && exec setsid env "${vars[@]}" PMS_LISTEN_PORT="$LAB_ENGINE_PORT" \
      PMS_HTTP_ENABLED=true PMS_HTTP_HOST=127.0.0.1 PMS_HTTP_PORT="$LAB_CONSOLE_PORT" \
      PMS_ACCOUNTS="[{\"user\":\"$LAB_ENGINE_USER\",\"password\":\"$LAB_ENGINE_PASSWORD\",\"grade\":1}]" \
      node dist/src/main.js >>"$LOG_FILE" 2>&1 </dev/null 9>&-) &
    pid=$!
    echo "$pid" >"$PID_FILE"
    local deadline=$((SECONDS + 30))
    until grep -q "AstDB re-synced from the store" < <(tail -c "+$from" "$LOG_FILE"); do
      pid_alive "$pid" || die "the engine exited at start, see $LOG_FILE"
      ((SECONDS < deadline)) || die "the engine did not re-sync with Asterisk in 30 s, see $LOG_FILE"
      sleep 0.2
    done
    say "engine started (pid $pid, PMS port $LAB_ENGINE_PORT, log $LOG_FILE)"
  fi
  info
}

stop() {
  local pid
  pid=$(engine_pid)
  if [[ -n $pid ]]; then
    stop_pid "$pid" 10
    say "engine stopped (pid $pid)"
  fi
  rm -f "$PID_FILE"
}

info() {
  local password
  password=$(room_password "$LAB_SOFTPHONE_ROOM")
  [[ -n $password ]] || die "room $LAB_SOFTPHONE_ROOM has no password in pjsip_rooms.conf: run make lab-up"
  cat <<INFO

The lab is up: Asterisk 22, MariaDB, lab phones ${PHONES[*]} (8004 rings until answered), and the engine.

Register your own softphone as a room (LAB-ONLY credentials, do not reuse them):
  extension / user name / auth name   $LAB_SOFTPHONE_ROOM
  password                            $password
  SIP server (UDP)                    $LAB_SIP_HOST:$LAB_SIP_PORT
The lab's SIP transport listens on $LAB_SIP_HOST only (asterisk-conf/pjsip.conf): run the softphone on
this machine. Dial 8001-8003 to reach a lab phone (they answer at once), 9 + a number for the lab's
pretend outside line.

The operator console (links, rooms, wake-ups, the PMS conversation; /metrics, /healthz, /readyz):
  http://127.0.0.1:$LAB_CONSOLE_PORT/    user $LAB_ENGINE_USER, password $LAB_ENGINE_PASSWORD

Send PMS commands with pms-cli (bin/pms-cli.js; "help" lists the commands):
  export PMS_CLI_PORT=$LAB_ENGINE_PORT PMS_CLI_USER=$LAB_ENGINE_USER PMS_CLI_PASSWORD=$LAB_ENGINE_PASSWORD
  bin/pms-cli.js check-in $LAB_SOFTPHONE_ROOM --name "Li Lei" --limit 3
  bin/pms-cli.js wakeup $LAB_SOFTPHONE_ROOM $(date -d '+2 min' +%H:%M)
  bin/pms-cli.js cdr $(date +%F)
  bin/pms-cli.js                      (interactive: replies and LeaveMessage pushes as they arrive)

Engine log: $LOG_FILE    Asterisk log: $RUN_DIR/asterisk.log    Stop it all: make lab-stop
INFO
}

main "$@"
