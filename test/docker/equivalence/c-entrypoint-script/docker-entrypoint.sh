#!/bin/sh
set -e
echo "entrypoint: starting $1"
exec "$@"
