"""Analyses of compiled code shared by the rules: names, types, provenance."""
