"""TS1xx: signatures rules."""
