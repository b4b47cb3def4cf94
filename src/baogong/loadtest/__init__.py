"""Load generation against a running baogong server (benchmarks and crash tests)."""
