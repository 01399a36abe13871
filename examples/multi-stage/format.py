"""Reads "lines words bytes" from stdin and prints them labelled (deterministic)."""
import sys

lines, words, size = sys.stdin.read().split()
print(f"multi-stage: lines={lines} words={words} bytes={size}")
