#!/usr/bin/env bash
# The lab's room phones: one baresip per extension of LAB_PHONES (lab/lab.env), each with its own
# config dir lab/run/phones/<ext>, SIP port, RTP ports and ctrl_tcp port (JSON control used by
# test/lab/phone.ts). Each phone sends silence and records what it hears (sndfile module) to
# lab/run/phones/<ext>/recordings/*-dec.wav.
#
#   phones.sh start   start the phones that do not run (restart those whose config changed)
#   phones.sh stop    stop them
#   phones.sh restart EXT...  restart these phones
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SILENCE="$RUN_DIR/silence.wav"

main() {
  require_root
  load_env
  case "${1-}" in
    start) start_all ;;
    stop) stop_all ;;
    restart)
      shift
      [[ $# -gt 0 ]] || die "usage: phones.sh restart EXT..."
      start_all "$@"
      ;;
    *) die "usage: phones.sh start|stop|restart EXT..." ;;
  esac
}

module_dir() {
  local d
  for d in /usr/lib/baresip/modules /usr/lib/*/baresip/modules /usr/local/lib/baresip/modules; do
    [[ -f $d/ctrl_tcp.so ]] && {
      printf '%s' "$d"
      return
    }
  done
  die "baresip's modules (ctrl_tcp.so) not found; is baresip-core installed?"
}

# start_all [EXT...]: start every phone; the given ones are restarted even when they run.
start_all() {
  ensure_commands baresip:baresip-core sox:sox
  mkdir -p "$PHONES_DIR"
  # aufile needs 16-bit PCM: a float wav fails ("Function not implemented") and the call drops.
  # Ten minutes, longer than any test call (at its end the phone stops sending audio).
  [[ -s $SILENCE ]] || sox -n -r 8000 -b 16 -e signed-integer -c 1 "$SILENCE" trim 0 600 ||
    die "sox could not make $SILENCE"
  local mods ext
  mods=$(module_dir)
  for ext in "${PHONES[@]}"; do
    start_phone "$ext" "$mods" "$(printf '%s\n' "$@" | grep -qx "$ext" && echo restart)"
  done
}

start_phone() {
  local ext=$1 mods=$2 force=$3 dir="$PHONES_DIR/$1" pid
  local sip_port ctrl_port rtp_port answermode password
  sip_port=$(phone_var "$ext" SIP_PORT)
  ctrl_port=$(phone_var "$ext" CTRL_PORT)
  rtp_port=$(phone_var "$ext" RTP_PORT)
  answermode=$(phone_var "$ext" ANSWERMODE)
  password=$(phone_var "$ext" PASSWORD)
  [[ $answermode == auto || $answermode == manual ]] ||
    die "LAB_PHONE_${ext}_ANSWERMODE must be auto or manual, not $answermode"
  mkdir -p "$dir/recordings" "$dir/new"

  # baresip reads <dir>/config and <dir>/accounts.
  cat >"$dir/new/config" <<EOF
# Lab phone $ext, written by lab/phones.sh from lab/lab.env: edit those, not this.
poll_method		epoll
sip_listen		127.0.0.1:$sip_port
rtp_ports		$rtp_port-$((rtp_port + 9))
audio_source		aufile,$SILENCE
snd_path		$dir/recordings
ctrl_tcp_listen		127.0.0.1:$ctrl_port
module_path		$mods
module			g711.so
module			aufile.so
module			sndfile.so
module_app		account.so
module_app		menu.so
module_app		ctrl_tcp.so
EOF
  # regint=60: re-register every minute, so a restarted Asterisk knows the phone again soon.
  cat >"$dir/new/accounts" <<EOF
<sip:$ext@$LAB_SIP_HOST:$LAB_SIP_PORT>;auth_user=$ext;auth_pass=$password;answermode=$answermode;regint=60
EOF

  pid=$(pidfile_pid "$dir/pid" baresip)
  if [[ -n $pid && -z $force ]] && cmp -s "$dir/new/config" "$dir/config" && cmp -s "$dir/new/accounts" "$dir/accounts"; then
    say "phone $ext runs already (pid $pid)"
    return
  fi
  if [[ -n $pid ]]; then
    say "phone $ext: $([[ -n $force ]] && echo 'restart asked' || echo 'configuration changed'), restarting it"
    stop_pid "$pid"
  fi
  # A fresh phone starts with no recordings: lastRecording() in the tests is then this run's.
  rm -f "$dir"/recordings/*.wav
  mv -f "$dir/new/config" "$dir/config"
  mv -f "$dir/new/accounts" "$dir/accounts"
  port_open "$ctrl_port" && die "phone $ext: ctrl port 127.0.0.1:$ctrl_port is taken by another program"

  # setsid: the phone outlives this script and the terminal that started it. 9>&-: it must not hold
  # the lab's lock (lib.sh take_lock) once this script ends.
  setsid baresip -f "$dir" >"$dir/baresip.log" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$dir/pid"
  local deadline=$((SECONDS + 10))
  until port_open "$ctrl_port"; do
    pid_alive "$pid" || die "phone $ext (baresip) exited at start, see $dir/baresip.log"
    ((SECONDS < deadline)) || die "phone $ext: ctrl_tcp 127.0.0.1:$ctrl_port not listening after 10 s, see $dir/baresip.log"
    sleep 0.1
  done
  say "phone $ext started (pid $pid, sip 127.0.0.1:$sip_port, ctrl 127.0.0.1:$ctrl_port, answer $answermode)"
}

stop_all() {
  local ext pid
  for ext in "${PHONES[@]}"; do
    pid=$(pidfile_pid "$PHONES_DIR/$ext/pid" baresip)
    if [[ -n $pid ]]; then
      stop_pid "$pid"
      say "phone $ext stopped (pid $pid)"
    fi
    rm -f "$PHONES_DIR/$ext/pid"
  done
}

main "$@"
