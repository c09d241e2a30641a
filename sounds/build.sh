#!/usr/bin/env bash
# Makes the default wake-up prompt in the three formats the protocol allows (8 kHz mono), from text,
# with Debian's espeak-ng and sox (installed here if missing). `make sounds` runs it; the results are
# committed, so the engine and the lab never need these tools.
#
#   sounds/<format>/pms-wakeup.<format>     the prompt, for format in gsm, ulaw, alaw
#   sounds/<format>/fpm-world-mix.<format>  symlink to it: the protocol's default prompt name
#
# One directory per format: the engine plays `<dir>/<format>/<name>` so Asterisk can only pick the
# file the PMS named (with every format in one directory it would pick the cheapest for the call).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

TEXT='Good morning. This is your wake-up call. Good morning. This is your wake-up call.'

need() {
  command -v "$1" >/dev/null && return
  [[ $(id -u) -eq 0 ]] || { echo "sounds/build.sh: $1 is missing (apt-get install $2)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null
}
need espeak-ng espeak-ng
need sox sox

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
espeak-ng -v en-us -s 150 -w "$tmp/speech.wav" "$TEXT"
# 0.3 s of silence first (the phone's audio path opens as the call is answered), then the speech,
# resampled to 8 kHz mono and normalised to -3 dBFS. -R: repeatable dither, so a rebuild is byte-identical.
sox -R -n -r 22050 -c 1 "$tmp/lead.wav" trim 0 0.3
sox -R "$tmp/lead.wav" "$tmp/speech.wav" -r 8000 -c 1 -b 16 "$tmp/prompt.wav" norm -3

for fmt in gsm ulaw alaw; do
  mkdir -p "$fmt"
  case $fmt in
    gsm) sox -R "$tmp/prompt.wav" -t gsm "$fmt/pms-wakeup.gsm" ;;
    ulaw) sox -R "$tmp/prompt.wav" -t ul "$fmt/pms-wakeup.ulaw" ;;
    alaw) sox -R "$tmp/prompt.wav" -t al "$fmt/pms-wakeup.alaw" ;;
  esac
  ln -sfn "pms-wakeup.$fmt" "$fmt/fpm-world-mix.$fmt"
done
echo "sounds: $(sox --i -D "$tmp/prompt.wav") s prompt written as gsm, ulaw and alaw"
