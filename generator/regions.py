"""Cut a page that gathers documents by place, so that no page but a document's own grows with the atlas.

A page kind that lists items of many documents (an agency's tasks, a province's timeline, an
indicator's targets, a policy's citations) makes one page per province. A province whose items come
from more documents than the page kind's limit is cut: its page keeps the items of its own documents (those issued
at the province itself) and links the divisions below it (prefectures; a municipality's districts
and counties), each of which makes its own page, cut again the same way while it still gathers too
many. The cut depends only on the counts, so a small atlas keeps one page per province.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Generic, TypeVar

from .gazetteer import Division
from .link import DocumentPage, ProvincePage

# Documents one page of each kind gathers at most before it is cut: about 0.75 MB of HTML at the most a
# document adds to it, measured on 1,000 and 10,000 documents (bench/bench_build.py). Fewer, larger pages build faster.
AGENCY_PART = 60  # up to 12 KiB a document: an agency's tasks, each quoted by its sentence
PLACE = 80  # up to 9 KiB: a place's documents and their theme matrix, its timeline, its other targets
INDICATOR = 600  # up to 1.2 KiB: an indicator's targets (its page keeps the chart per province)
POLICY = 500  # up to 1.4 KiB: a policy's citations (0.8 KiB on average at 10,000 documents)
T = TypeVar("T")


@dataclass(eq=False)
class Region(Generic[T]):
    """A place's share of one page kind: the items on its page, and the places below when it is cut."""

    division: Division  # a province (gazetteer.NATIONAL for national documents), or a division below one
    items: list[T]  # what its page lists: every item within it, or when it is cut, those of its own documents
    total: list[T]  # every item within it, below included, in site order
    above: list[Region[T]] = field(default_factory=list)  # the places above it, province first
    below: list[Region[T]] = field(default_factory=list)  # when cut: the places below, by code
    page_of: Callable[[T], DocumentPage] = field(default=lambda item: item.page, repr=False)

    @cached_property
    def documents(self) -> int:
        """Documents its items come from, below included (asked by every page linking it: counted once)."""
        return len({self.page_of(i) for i in self.total})


def cut(items: list[T], limit: int, page_of: Callable[[T], DocumentPage] = lambda item: item.page
        ) -> list[Region[T]]:
    """Return every page of `items`: each province's by code, each followed by the pages below it when it is cut.

    `limit`: documents a page gathers at most, below its own.
    """
    by_province: dict[str, list[T]] = defaultdict(list)
    for item in items:
        by_province[page_of(item).province.code].append(item)
    pages: list[Region[T]] = []
    for code in sorted(by_province):
        group = by_province[code]
        _cut(Region(page_of(group[0]).province, group, group, page_of=page_of), 1, limit, pages)
    return pages


def _cut(region: Region[T], depth: int, limit: int, pages: list[Region[T]]) -> None:
    """Append `region`'s page, and when it gathers more than `limit` documents, the pages of the places below it."""
    pages.append(region)
    if region.documents <= limit:
        return
    own: list[T] = []
    below: dict[str, list[T]] = defaultdict(list)
    places: dict[str, Division] = {}
    for item in region.total:
        chain = region.page_of(item).chain
        if len(chain) > depth:
            below[chain[depth].code].append(item)
            places[chain[depth].code] = chain[depth]
        else:
            own.append(item)
    if not below:  # every document is the place's own: nothing to cut by
        return
    region.items = own
    for code in sorted(below):
        sub = Region(places[code], below[code], below[code], above=[*region.above, region], page_of=region.page_of)
        region.below.append(sub)
        _cut(sub, depth + 1, limit, pages)


def place_pages(provinces: list[ProvincePage], limit: int) -> list[ProvincePage]:
    """Return the page of every place: each province's, followed when it is cut by those of the places below it.

    Each page's `documents` are all within it, `own` (when cut) those its pages list, `above` and `below` the
    pages around it. The provinces given are left as they are.
    """
    pages: list[ProvincePage] = []
    of: dict[int, ProvincePage] = {}  # id(region) -> its page
    for region in cut([d for p in provinces for d in p.documents], limit, page_of=lambda d: d):
        page = ProvincePage(region.division, region.total, own=region.items if region.below else None,
                            above=[of[id(r)] for r in region.above])
        if region.above:
            of[id(region.above[-1])].below.append(page)
        of[id(region)] = page
        pages.append(page)
    return pages
