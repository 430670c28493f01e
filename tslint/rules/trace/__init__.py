"""TS4xx: trace rules."""

from tslint.findings import Mode

MODE = Mode.TRACE  # of every rule of the family: a run in another mode imports none of them
