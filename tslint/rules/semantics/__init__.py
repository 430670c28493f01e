"""TS3xx: semantics rules."""
