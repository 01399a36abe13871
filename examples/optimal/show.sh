#!/bin/sh
# Prints a summary of data.json with jq (deterministic).
set -e
jq -r '"\(.example): \(.checks | length) checks: \(.checks | join(", "))"' /app/data.json
