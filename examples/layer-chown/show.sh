#!/bin/sh
# What the app sees: its files, their owner, and that it may write in its folder.
cd /app
files=$(find . -type f | wc -l)
bytes=$(find data -type f -exec cat {} + | wc -c)
owners=$(find . -exec stat -c '%U:%G' {} + | sort -u | tr '\n' ' ')
touch /app/.written && w=writable || w=read-only
echo "layer-chown: $files files, data $bytes bytes, owners: $owners, /app $w"
