"""The index facts of the export rules: each function's shape summary (_shape_summaries.py), so that
TS502 follows a data-dependent size into helpers of other files."""

from tslint.index.facts import FactExtractors
from tslint.rules.export._shape_summaries import FACT, summarize

FACTS = FactExtractors(functions={FACT: summarize})
