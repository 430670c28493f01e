"""TS2xx: syntax rules."""

from tslint.findings import Mode

MODE = Mode.SCRIPT  # of every rule of the family: a run in another mode imports none of them
