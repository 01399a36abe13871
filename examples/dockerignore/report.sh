#!/bin/sh
# Prints the report template that the Dockerfile copies (deterministic).
set -e
echo "dockerignore example:"
cat /etc/report-template.log
