"""TS4xx: trace rules."""
