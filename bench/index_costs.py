"""Where phase 1 spends its time, in one process: libcst's parse, the indexer's own work, and each
rule family's index facts (tslint/index/facts.py) on top of it. CPU time, the cyclic garbage
collector off (a run freezes its trees out of it), every file of the given folders.

    python bench/index_costs.py SITE/torchvision SITE/timm
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import Dict

import libcst as cst

from tslint.files import module_name
from tslint.index.facts import NO_FACTS, FactExtractors
from tslint.index.indexer import index_file
from tslint.rules import fact_extractors


def main() -> None:
    files = sorted(path for root in sys.argv[1:] for path in Path(root).rglob("*.py"))
    facts = fact_extractors()
    single = {name: FactExtractors(functions={name: extract}) for name, extract in facts.functions.items()}
    single.update({name: FactExtractors(classes={name: extract}) for name, extract in facts.classes.items()})
    spent: Dict[str, float] = {"parse": 0.0, "index": 0.0, **{name: 0.0 for name in single}}
    gc.disable()
    for path in files:
        data = path.read_bytes()
        start = time.process_time()
        try:
            module = cst.parse_module(data)
        except Exception:
            continue
        spent["parse"] += time.process_time() - start
        name, is_package = module_name(path)
        for key, extractors in (("index", NO_FACTS), *single.items()):
            start = time.process_time()
            index_file(str(path), module, name, is_package, extractors)
            spent[key] += time.process_time() - start
        gc.collect()
    own = spent["index"]
    print(f"{len(files)} files")
    print(f"libcst parse                     {spent['parse']:7.2f} s")
    print(f"index, no family facts           {own:7.2f} s   ({own / spent['parse']:.2f} of the parse)")
    for key in single:
        extra = spent[key] - own
        print(f"+ fact {key:25s} {extra:7.2f} s   ({extra / spent['parse']:.2f} of the parse)")


if __name__ == "__main__":
    main()
