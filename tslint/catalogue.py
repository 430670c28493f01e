"""The rule catalogue of a command-line run, loaded lazily (from the cache when it can)."""

from __future__ import annotations

from typing import Iterator, Mapping, Optional


class Catalogue(Mapping):
    """The rule catalogue by code, made on first use: read from the cache when an earlier run of
    the same tslint code stored it, so that a run the cache answers imports no rule (and no libcst);
    else from the rules, and then stored. Also the known codes that selectors are checked against."""

    def __init__(self) -> None:
        self.cache = None  # a ResultCache, once the configuration tells where it is
        self._infos: Optional[dict] = None

    def _loaded(self) -> dict:
        if self._infos is None:
            infos = self.cache.catalogue() if self.cache is not None else None
            if infos is None:
                from tslint import api

                infos = api.catalogue()
                if self.cache is not None:
                    self.cache.store_catalogue(infos)
            self._infos = {info.code: info for info in infos}
        return self._infos

    def __getitem__(self, code: str):
        return self._loaded()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())
