#!/usr/bin/env bash
# Builds the Debian sid root filesystem in which the lab's Asterisk 22 runs (Debian 12 has no asterisk
# package): lab/cache/rootfs, about 370 MB, about 20 s. Does nothing when it is already built; installs
# packages added to ROOTFS_PACKAGES since the build. Called by up.sh; safe to run on its own.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STAMP="$ROOTFS/.lab-rootfs-packages"
BUILDING="$CACHE_DIR/rootfs.building"

# Unmount whatever an interrupted build left mounted under a directory (deepest first).
unmount_under() {
  local dir
  dir=$(realpath -m "$1")
  awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" || die "cannot unmount $m"; done
}

main() {
  require_root
  mkdir -p "$CACHE_DIR" "$RUN_DIR"

  if [[ -f $STAMP ]]; then
    add_missing_packages
    return
  fi
  if [[ -e $ROOTFS ]]; then
    # No stamp: a rootfs from somewhere else, or one moved in by hand. Rebuild rather than trust it.
    warn "$ROOTFS has no $(basename "$STAMP"): rebuilding it"
    unmount_under "$ROOTFS"
    rm -rf --one-file-system "$ROOTFS"
  fi

  ensure_commands mmdebstrap:mmdebstrap
  local mirror log="$RUN_DIR/rootfs-build.log" started=$SECONDS
  mirror=$(debian_mirror)
  if [[ -e $BUILDING ]]; then
    say "removing an interrupted build ($BUILDING)"
    unmount_under "$BUILDING"
    rm -rf --one-file-system "$BUILDING"
  fi
  say "building the sid rootfs with Asterisk from $mirror (log: $log)"
  # Check-Valid-Until: the mirror's sid Release file may be past its Valid-Until date; apt refuses it
  # otherwise. The option is also kept inside the rootfs for later apt-get calls there.
  if ! mmdebstrap --variant=apt --mode=root \
    --aptopt='Acquire::Check-Valid-Until "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --include="$(
      IFS=,
      echo "${ROOTFS_PACKAGES[*]}"
    )" \
    sid "$BUILDING" "$mirror" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "mmdebstrap failed, see $log"
  fi
  printf '%s\n' "${ROOTFS_PACKAGES[@]}" >"$BUILDING/$(basename "$STAMP")"
  # Only a finished build gets the final name: an interrupted one is never mistaken for a good one.
  mv "$BUILDING" "$ROOTFS"
  say "rootfs built in $((SECONDS - started)) s"
}

add_missing_packages() {
  local p missing=()
  for p in "${ROOTFS_PACKAGES[@]}"; do
    grep -qxF "$p" "$STAMP" || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return
  local log="$RUN_DIR/rootfs-build.log"
  say "installing ${missing[*]} into the rootfs (log: $log)"
  mountpoint -q "$ROOTFS/proc" || mount -t proc proc "$ROOTFS/proc"
  {
    chroot "$ROOTFS" apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive chroot "$ROOTFS" apt-get install -y -qq "${missing[@]}"
  } >>"$log" 2>&1 || die "apt-get install ${missing[*]} in the rootfs failed, see $log"
  printf '%s\n' "${missing[@]}" >>"$STAMP"
}

main "$@"
