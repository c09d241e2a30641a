#!/usr/bin/env bash
# Stops the lab: the phones, then Asterisk, then unmounts the chroot's /proc, and the Galera cluster
# (lab/galera.sh) if a node of it runs. Leaves the rootfs cache (lab/cache) and the main MariaDB alone.
# Safe to run when nothing runs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_root
take_lock
log_to down
load_env

bash "$LAB_DIR/phones.sh" stop

stop_asterisk
rm -f "$ASTERISK_RUN/asterisk.pid" "$ASTERISK_RUN/asterisk.ctl"

if [[ -d $ROOTFS/proc ]] && mountpoint -q "$ROOTFS/proc"; then
  umount "$ROOTFS/proc" || umount -l "$ROOTFS/proc" || die "cannot unmount $ROOTFS/proc"
fi
if galera_running; then
  bash "$LAB_DIR/galera.sh" down
fi
say "lab down"
