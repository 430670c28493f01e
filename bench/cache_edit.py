"""The result cache's own cost in a warm run after one file was edited: read every file's summary
from `.tslint_cache/`, store one changed entry, save. Median of 7 rounds in one process.

Run in a folder already linted once (so its cache exists), e.g. a copy of torch's `nn` package:
    cd /tmp/nn && python -m tslint -q . ; python /path/to/bench/cache_edit.py
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from pathlib import Path

from tslint.cache import CACHE_FOLDER, ResultCache
from tslint.digests import digest
from tslint.files import discover


def main() -> None:
    sources = discover(["."], None, ())
    digests = {s.display: digest(s.path.read_bytes()) for s in sources}
    loads, saves = [], []
    found = []
    for round_number in range(7):
        start = time.perf_counter()
        cache = ResultCache(Path.cwd() / CACHE_FOLDER)
        found = [cache.summary(s, digests[s.display]) for s in sources]
        middle = time.perf_counter()
        edited = next(s for s, summary in zip(sources, found) if summary is not None)
        summary = cache.summary(edited, digests[edited.display])
        cache.store_summary(edited, replace(summary, digest=f"{summary.digest}{round_number}"))
        cache.store_summary(edited, summary)  # changed twice: the entry is stored again, as after an edit
        cache.save()
        loads.append(middle - start)
        saves.append(time.perf_counter() - middle)
    known = sum(summary is not None for summary in found)
    print(
        f"{known}/{len(sources)} summaries; load {statistics.median(loads) * 1000:.0f} ms, "
        f"save {statistics.median(saves) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
