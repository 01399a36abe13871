#!/usr/bin/env bash
# Start a Docker engine for `verify` and the docker test suite on a machine with no registry access.
#
# - Reuses the engine the client reaches (DOCKER_HOST or the default socket) when it answers; otherwise installs Debian's docker.io
#   (and debootstrap) when missing, and starts a private dockerd (no bridge, no iptables: builds
#   use --network=host) with its state under $DFO_DOCKER_DIR.
# - Makes a debian:bookworm base image with debootstrap from the machine's apt mirror (the same
#   minimising apt settings as the official image) unless one exists, and tags it for every base
#   name the examples use (sizes differ from the registry's -slim images: same bytes here).
# - Every wait is bounded; a flaky mirror fetch (apt-get, debootstrap) is retried once.
# Prints: export DFO_DOCKER=<the client it chose>, then, as its last stdout line,
#   export DOCKER_HOST=...   (eval them, or parse them)
# Env: DFO_PRIVATE_ENGINE=1 (start the private engine even when another one answers),
#      DFO_DOCKER_DIR (default /tmp/dfo-docker), DFO_ROOTFS_DIR (the debootstrapped base, default
#      $DFO_DOCKER_DIR/rootfs; several engines may share one), DFO_DOCKER (client, default /usr/bin/docker),
#      DFO_BASE_TAGS (extra tags, space-separated). Usage: scripts/docker-setup.sh [extra tags...]
set -Eeuo pipefail
DIR=${DFO_DOCKER_DIR:-/tmp/dfo-docker}
# The debootstrapped root file system; engines with different DIRs may share one.
ROOTFS=${DFO_ROOTFS_DIR:-$DIR/rootfs}
BASE=local/debian:bookworm
# One set-up at a time (the docker test files run in parallel workers and each calls this).
mkdir -p "$(dirname "$DIR")"
exec 9>"$DIR.lock"
flock -w 900 9 || { echo "docker-setup: another set-up holds $DIR.lock" >&2; exit 1; }
TAGS="debian:bookworm debian:bookworm-slim debian:stable-slim debian:12 debian:12-slim ${DFO_BASE_TAGS:-} $*"
log() { echo "docker-setup: $*" >&2; }
# Debian's 20.10 client has BuildKit built in; a newer client without buildx fails with BuildKit.
DOCKER=${DFO_DOCKER:-}
if [ -z "$DOCKER" ]; then
  if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
fi

retry_once() { "$@" || { log "retrying: $*"; sleep 3; "$@"; }; }
apt_updated=0
apt_install() {
  [ "$(id -u)" = 0 ] || { log "need root to install $*"; return 1; }
  # set-ups of several engines may run at once: one apt-get at a time
  (
    flock -w 900 8 || { log "another set-up holds /tmp/dfo-apt.lock"; exit 1; }
    if [ $apt_updated = 0 ]; then retry_once timeout 300 apt-get update -qq; fi
    retry_once timeout 600 env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  ) 8>/tmp/dfo-apt.lock
  apt_updated=1
}

answers() { timeout 20 "$DOCKER" version >/dev/null 2>&1; }

if [ -z "${DFO_PRIVATE_ENGINE:-}" ] && command -v "$DOCKER" >/dev/null && answers; then
  export DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}
  log "using the engine at $DOCKER_HOST"
else
  need=()
  command -v dockerd >/dev/null || need+=(docker.io)
  [ -x /usr/bin/docker ] || command -v "$DOCKER" >/dev/null || need+=(docker.io)
  if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    apt_install $(printf '%s\n' "${need[@]}" | sort -u)
    [ -x /usr/bin/docker ] && [ -z "${DFO_DOCKER:-}" ] && DOCKER=/usr/bin/docker
  fi
  export DOCKER_HOST=unix://$DIR/docker.sock
  mkdir -p "$DIR/data" "$DIR/exec"
  if ! { [ -f "$DIR/dockerd.pid" ] && kill -0 "$(cat "$DIR/dockerd.pid")" 2>/dev/null; }; then
    log "starting dockerd (state in $DIR, log $DIR/dockerd.log)"
    # 9>&-: dockerd outlives this script and must not inherit (and so hold) the set-up lock.
    nohup dockerd --data-root "$DIR/data" --exec-root "$DIR/exec" --pidfile "$DIR/dockerd.pid" \
      -H "$DOCKER_HOST" --storage-driver="${DFO_STORAGE_DRIVER:-overlay2}" \
      --iptables=false --ip6tables=false --bridge=none >>"$DIR/dockerd.log" 2>&1 9>&- &
    for _ in $(seq 1 60); do answers && break; sleep 1; done
  fi
  answers || { log "dockerd did not answer within 60 s; see $DIR/dockerd.log"; tail -n 5 "$DIR/dockerd.log" >&2 || true; exit 1; }
fi

# An engine that already has a debian:bookworm (pulled from a registry) needs no debootstrap.
if ! timeout 30 "$DOCKER" image inspect "$BASE" >/dev/null 2>&1 &&
  timeout 30 "$DOCKER" image inspect debian:bookworm >/dev/null 2>&1; then
  BASE=debian:bookworm
fi
if ! timeout 30 "$DOCKER" image inspect "$BASE" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || apt_install debootstrap
  root=$ROOTFS
  mkdir -p "$(dirname "$root")"
  exec 7>"$root.lock"
  flock -w 900 7 || { log "another set-up holds $root.lock"; exit 1; }
  src=/etc/apt/sources.list.d/debian.sources
  if [ -f "$src" ]; then mirror=$(awk '/^URIs:/{print $2; exit}' "$src")
  else mirror=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list); fi
  mirror=${mirror:-http://deb.debian.org/debian}
  if [ ! -x "$root/bin/sh" ]; then
    log "debootstrap bookworm from $mirror (about 30 s)"
    boot() { rm -rf "$root"; timeout 900 debootstrap --variant=minbase bookworm "$root" "$mirror" >"$DIR/debootstrap.log" 2>&1; }
    retry_once boot || { log "debootstrap failed; see $DIR/debootstrap.log"; tail -n 5 "$DIR/debootstrap.log" >&2; exit 1; }
  fi
  # the same minimising settings as the official debian images
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod 0755 "$root/usr/sbin/policy-rc.d"
  echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
  c='"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true";'
  printf 'DPkg::Post-Invoke { %s };\nAPT::Update::Post-Invoke { %s };\nDir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n' "$c" "$c" \
    >"$root/etc/apt/apt.conf.d/docker-clean"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
  echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  rm -f "$root/etc/apt/sources.list"
  if [ -f "$src" ]; then cp "$src" "$root/etc/apt/sources.list.d/debian.sources"
  else echo "deb $mirror bookworm main" >"$root/etc/apt/sources.list"; fi
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/log/apt/* "$root"/tmp/*
  mkdir -p "$root/var/lib/apt/lists/partial"; : >"$root/etc/resolv.conf"
  log "importing $BASE"
  tar --numeric-owner --xattrs -C "$root" -c . |
    timeout 300 "$DOCKER" import -c 'CMD ["bash"]' \
      -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$BASE" >/dev/null
  exec 7>&-
fi
for t in $TAGS; do
  timeout 30 "$DOCKER" image inspect "$t" >/dev/null 2>&1 || timeout 30 "$DOCKER" tag "$BASE" "$t"
done
echo "export DFO_DOCKER=$DOCKER"
echo "export DOCKER_HOST=$DOCKER_HOST"
