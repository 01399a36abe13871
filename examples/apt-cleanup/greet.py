"""Prints a fixed greeting and a checksum of it (deterministic)."""
import hashlib

message = "hello from apt-cleanup"
print(message, hashlib.sha256(message.encode()).hexdigest()[:12])
