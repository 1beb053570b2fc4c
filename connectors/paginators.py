"""Swappable paginators: each says which query parameters fetch the first page and the next one.

Usage::

    paginator = PageNumberPaginator(page_size=1000)
    params = paginator.first_params()
    while params is not None:
        body = http.get_json(url, params={**base_params, **params})
        ...
        params = paginator.next_params(body)

A paginator keeps the little state it needs (pages seen, last cursor), so use a new one per pull.

Records removed while a client pages by number or offset shift every later record one place
back, so the record on the next page's first place would be skipped without a trace. The page
and offset paginators watch the total the server announces: when it shrinks between two pages,
`next_params` starts again from the first page (`restarted` is then True, so the caller can drop
what it gathered), at most `max_restarts` times, then raises `ListingKeptShrinking`. A growing
total needs no restart: records inserted ahead only repeat one record across pages, which
callers deduplicate by id, and the newcomers come with the next pull. Solr's cursorMark is
stable under both and needs neither.
"""

from __future__ import annotations

from typing import Any, Protocol

MAX_RESTARTS = 3


class ListingKeptShrinking(Exception):
    """The server's total kept shrinking while it was paged: no complete listing was had."""

    def __init__(self, restarts: int) -> None:
        super().__init__(
            f"records kept being removed while the listing was paged ({restarts} fresh starts "
            "did not get one whole listing); try again later"
        )
        self.restarts = restarts


class _ShrinkWatch:
    """The restart rule both numbered paginators share (see the module's docstring)."""

    def __init__(self, max_restarts: int) -> None:
        self.max_restarts = max_restarts
        self.restarts = 0
        self.restarted = False
        self._total: int | None = None

    def shrank(self, total: Any) -> bool:
        """Record this page's total; True when it is smaller than the previous page's."""
        self.restarted = False
        if total is None:
            return False
        try:
            now = int(total)
        except (TypeError, ValueError):
            return False
        before, self._total = self._total, now
        if before is None or now >= before:
            return False
        if self.restarts >= self.max_restarts:
            raise ListingKeptShrinking(self.restarts)
        self.restarts += 1
        self.restarted = True
        return True


class Paginator(Protocol):
    def first_params(self) -> dict[str, Any]: ...

    def next_params(self, response_json: Any) -> dict[str, Any] | None: ...


class PageNumberPaginator:
    """`page` (1-based) and `page_size`; stops when `page * page_size >= total` or a page is empty.

    The ministry gateway answers `{"data": [...], "page": N, "page_size": M, "total": T}`.
    """

    def __init__(
        self,
        page_size: int = 1000,
        *,
        page_param: str = "page",
        size_param: str = "page_size",
        total_key: str = "total",
        data_key: str = "data",
        max_restarts: int = MAX_RESTARTS,
    ) -> None:
        self.page_size = page_size
        self.page_param, self.size_param = page_param, size_param
        self.total_key, self.data_key = total_key, data_key
        self.page = 1
        self._watch = _ShrinkWatch(max_restarts)

    @property
    def restarted(self) -> bool:
        """The last `next_params` started again from page 1 (records were removed meanwhile)."""
        return self._watch.restarted

    def first_params(self) -> dict[str, Any]:
        self.page = 1
        return {self.page_param: 1, self.size_param: self.page_size}

    def next_params(self, response_json: Any) -> dict[str, Any] | None:
        records = response_json.get(self.data_key) or []
        total = response_json.get(self.total_key)
        if self._watch.shrank(total):
            return self.first_params()
        # The server may cap page_size below what we asked; count with what it says it used.
        size = int(response_json.get(self.size_param) or self.page_size)
        if not records:
            return None
        if total is not None and self.page * size >= int(total):
            return None
        self.page += 1
        return {self.page_param: self.page, self.size_param: self.page_size}


class OffsetPaginator:
    """`start` / `rows` (CKAN `package_search`, Solr); stops when `start + rows >= count`.

    `count_path` names where the total is, e.g. ("result", "count") for CKAN or
    ("response", "numFound") for Solr; `items_path` where the items are.
    """

    def __init__(
        self,
        rows: int = 1000,
        *,
        count_path: tuple[str, ...] = ("result", "count"),
        items_path: tuple[str, ...] = ("result", "results"),
        start_param: str = "start",
        rows_param: str = "rows",
        max_restarts: int = MAX_RESTARTS,
    ) -> None:
        self.rows = rows
        self.count_path, self.items_path = count_path, items_path
        self.start_param, self.rows_param = start_param, rows_param
        self.start = 0
        self._watch = _ShrinkWatch(max_restarts)

    @property
    def restarted(self) -> bool:
        """The last `next_params` started again from offset 0 (items were removed meanwhile)."""
        return self._watch.restarted

    def first_params(self) -> dict[str, Any]:
        self.start = 0
        return {self.start_param: 0, self.rows_param: self.rows}

    def next_params(self, response_json: Any) -> dict[str, Any] | None:
        items = _dig(response_json, self.items_path) or []
        count = _dig(response_json, self.count_path)
        if self._watch.shrank(count):
            return self.first_params()
        if not items:
            return None
        self.start += self.rows
        if count is not None and self.start >= int(count):
            return None
        return {self.start_param: self.start, self.rows_param: self.rows}


class CursorMarkPaginator:
    """Solr deep paging: `cursorMark=*` first, then `nextCursorMark`; stops when it repeats.

    Solr needs a `sort` that includes the unique key; the caller passes it with its own params.
    """

    def __init__(self, rows: int = 1000, *, rows_param: str = "rows") -> None:
        self.rows, self.rows_param = rows, rows_param
        self.cursor = "*"

    def first_params(self) -> dict[str, Any]:
        self.cursor = "*"
        return {"cursorMark": "*", self.rows_param: self.rows}

    def next_params(self, response_json: Any) -> dict[str, Any] | None:
        next_cursor = response_json.get("nextCursorMark")
        if not next_cursor or next_cursor == self.cursor:
            return None
        self.cursor = next_cursor
        return {"cursorMark": next_cursor, self.rows_param: self.rows}


def _dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
