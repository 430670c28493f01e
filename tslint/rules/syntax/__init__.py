"""TS2xx: syntax rules."""
