#!/usr/bin/env bash
# Makes the wake-up prompts in the three formats the protocol allows (8 kHz mono), from text, with
# Debian's espeak-ng and sox (installed here if missing). `make sounds` runs it; the results are
# committed, so the engine and the lab never need these tools.
#
#   sounds/<format>/<name>.<format>         each prompt below, for format in gsm, ulaw and alaw
#   sounds/<format>/fpm-world-mix.<format>  symlink to pms-wakeup: the protocol's default prompt name
#
# One directory per format: the engine plays `<dir>/<format>/<name>` so Asterisk can only pick the
# file the PMS named (with every format in one directory it would pick the cheapest for the call).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

need() {
  command -v "$1" >/dev/null && return
  [[ $(id -u) -eq 0 ]] || { echo "sounds/build.sh: $1 is missing (apt-get install $2)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null
}
need espeak-ng espeak-ng
need sox sox

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# build NAME "TEXT": speaks TEXT into sounds/<format>/NAME.<format> for every format.
# Silence first: 0.3 s for a prompt that starts a call's audio (the phone's audio path opens as the
# call is answered), 0.1 s for one that follows other audio in the same call. Then the speech,
# resampled to 8 kHz mono and normalised to -3 dBFS. -R: repeatable dither, so a rebuild is
# byte-identical.
build() {
  local name=$1 text=$2 lead fmt type
  case $name in
    pms-wakeup | pms-wakeup-alert-room | pms-desk-message) lead=0.3 ;;
    *) lead=0.1 ;;
  esac
  espeak-ng -v en-us -s 150 -w "$tmp/$name.speech.wav" "$text"
  sox -R -n -r 22050 -c 1 "$tmp/$name.lead.wav" trim 0 "$lead"
  sox -R "$tmp/$name.lead.wav" "$tmp/$name.speech.wav" -r 8000 -c 1 -b 16 "$tmp/$name.wav" norm -3
  for fmt in gsm ulaw alaw; do
    case $fmt in
      gsm) type=gsm ;;
      ulaw) type=ul ;;
      alaw) type=al ;;
    esac
    mkdir -p "$fmt"
    sox -R "$tmp/$name.wav" -t "$type" "$fmt/$name.$fmt"
  done
  echo "sounds: $name: $(sox --i -D "$tmp/$name.wav") s (${lead} s lead), written as gsm, ulaw and alaw"
}

# The call itself (the AlarmClock default; a PMS may name a hotel's own prompt instead).
build pms-wakeup 'Good morning. This is your wake-up call. Good morning. This is your wake-up call.'
# After it: the guest confirms or snoozes. The digits are the engine's wakeup.confirmDigit and
# wakeup.snoozeDigit; this text assumes their defaults, 1 and 2.
build pms-wakeup-confirm 'To confirm your wake-up call, press 1. To snooze for a few minutes, press 2.'
build pms-wakeup-confirmed 'Thank you. Have a good day.'
build pms-wakeup-snoozed 'We will call you again shortly.'
# To reception, when a wake-up call went unanswered: alert-room, Asterisk's digits:<room>, alert-unanswered.
build pms-wakeup-alert-room 'Attention, reception. The wake-up call for room'
build pms-wakeup-alert-unanswered 'was not answered.'
# To the guest dialling voicemail while the PMS's message lamp is on (FIAS RE ML): before the mailbox.
build pms-desk-message 'The front desk has a message for you. Please call the reception.'

for fmt in gsm ulaw alaw; do
  ln -sfn "pms-wakeup.$fmt" "$fmt/fpm-world-mix.$fmt"
done
