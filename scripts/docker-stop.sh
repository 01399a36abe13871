#!/usr/bin/env bash
# Stop the private dockerd that scripts/docker-setup.sh started (by its pid file only; waits up
# to 30 s). Leaves its state in $DFO_DOCKER_DIR (images stay for the next start).
set -uo pipefail
DIR=${DFO_DOCKER_DIR:-/tmp/dfo-docker}
[ -f "$DIR/dockerd.pid" ] || { echo "docker-stop: no $DIR/dockerd.pid" >&2; exit 0; }
pid=$(cat "$DIR/dockerd.pid")
if kill "$pid" 2>/dev/null; then
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  echo "docker-stop: stopped dockerd $pid" >&2
fi
