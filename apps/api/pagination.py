"""Lists come a page at a time: `?limit=` (25 by default, at most 100) items from `?offset=`,
with the `count` of all of them, in a stable order."""

from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000


class PageQuery(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items a page, at most {MAX_LIMIT}.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")


class Page(LimitOffsetPagination):
    Input = PageQuery

    class Output(Schema):
        items: list[Any]
        count: int = Field(description="Items in the whole list.")

    def __init__(self, **kwargs):
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
