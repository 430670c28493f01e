"""What one file may cost: a cheap count, before parsing, of the tokens libcst would build a tree of.

libcst's tree, not the source size, is what a file costs: it takes about 2 to 4 kB of memory and
0.1 ms of parsing per token, whatever the tokens are, so a 2 MB file of 490,000 `v=1` lines took
186 s and 4.4 GB while a 2 MB file of prose docstrings takes a second. Python's own tokenizer is
too slow to ask first (pure Python before 3.12: seconds per MB), so one regular expression counts
what it would: a string literal (docstrings included) or a comment is one token, a name or number
one, each other symbol one, each line end one. On the files measured it is within 3% of Python's
count (torch's common_methods_invocations.py: 230,497 against 230,076).
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    rb"""
    [rRbBuUfF]{0,2}(?:                               # a string literal: one token however long
        \"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*\"\"\"   # (each unrolled: linear, no backtracking)
      | '''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''
      | "[^"\\\n]*(?:\\.[^"\\\n]*)*"
      | '[^'\\\n]*(?:\\.[^'\\\n]*)*'
    )
    | \#[^\n]*                                       # a comment
    | \w+                                            # a name, keyword or number
    | [^\w\s]                                        # an operator or bracket, a character each
    | \n                                             # a line end
    """,
    re.VERBOSE | re.DOTALL,
)

# Measured on this 2-core machine with the CLI (`tslint --no-cache -j 1 FILE`), parse and lint:
# 2.1 to 3.7 kB and 76 to 142 us per token over generated files (`v=1` lines, long sums, calls,
# classes) and the largest real ones (torch's common_methods_invocations.py: 230k tokens, 27 s,
# 820 MB). The limit keeps a file's worst case under half of the 1 GB / 60 s a file may take, and
# one worker's parse within the run's memory budget (all of site-packages at `-j 2` in 800 MB,
# bench/RESULTS.md): at 120,000 tokens sympy's bench_solvers.py (116k) took a worker to 485 MB. The
# largest real source code measured is below it: torch's own largest modules (_inductor/ir.py:
# 68.7k tokens in torch 2.13, 73.3k in 2.14; distributed_test.py 68.6k) and the real-world
# libraries' (timm's vision_transformer.py 40k, diffusers, x_transformers, kornia, monai,
# torch_geometric, torchvision: none over 40k); the largest file below it, libcst's generated
# matchers/__init__.py (75k tokens), took 3.5 s and 344 MB alone. Of the 16,301 files of
# site-packages and the standard library, nine are over it, all tests, benchmarks or generated code
# (sympy, numpy and scipy tests, a generated ANTLR parser in moto, torch's generated
# annotated_fn_args.py and _triton_ops_meta.py, its test table common_methods_invocations.py).
MAX_TOKENS = 90_000


def estimated_tokens(data: bytes) -> int:
    """About how many tokens Python's tokenizer finds in `data`; never more than `len(data)` (each
    counted token takes at least one byte), which lets `too_many_tokens` skip small files."""
    # One match at a time: `subn` keeps a piece per match (164 MB for 2 MB of `v=1` lines).
    return sum(1 for _ in _TOKEN.finditer(data))


def too_many_tokens(data: bytes, limit: int = MAX_TOKENS) -> int:
    """The estimated token count of `data` when it is over `limit`, else 0 (without counting when
    `data` is too short to be over it: every file below `limit` bytes)."""
    if len(data) <= limit:
        return 0
    count = estimated_tokens(data)
    return count if count > limit else 0
