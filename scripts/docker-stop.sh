#!/usr/bin/env bash
# Stop the private dockerd that scripts/docker-setup.sh started (by its pid file only; waits up
# to 30 s). Leaves its state in $DFO_DOCKER_DIR (images stay for the next start).
# `--all` stops the docker suite's engines too (/tmp/dfo-docker-*).
set -uo pipefail
dirs=("${DFO_DOCKER_DIR:-/tmp/dfo-docker}")
[ "${1:-}" = --all ] && dirs+=(/tmp/dfo-docker-*)
for DIR in "${dirs[@]}"; do
  [ -f "$DIR/dockerd.pid" ] || continue
  pid=$(cat "$DIR/dockerd.pid")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    echo "docker-stop: stopped dockerd $pid ($DIR)" >&2
  fi
done
