"""Identifiers of documents and provisions: parse and rebuild both ways.

    document id   yangxian-2023-work-points       <place slug>-<year>-<type slug>[-n]
    provision id  yangxian-2023-work-points:3.2   <document id>:<path>
    anchor        p-3-2                            the provision's HTML id on its page

A path is a dot-joined list of segments: a number for a numbered unit (its printed
numeral, so 三(二) is 3.2), p<n> for the n-th unnumbered paragraph under a parent,
`notice` for the cover notice, and a<n> for attachment n printed in full (a2.1 is its part 一).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import TypeVar

_DOC_RE = re.compile(r"^(?P<place>[a-z][a-z0-9]*)-(?P<year>\d{4})-(?P<type>[a-z]+(?:-[a-z]+)*?)(?:-(?P<seq>\d+))?$")
_SEGMENT_RE = re.compile(r"^(notice|a\d+|\d+|p\d+)$")


_T = TypeVar("_T")


def slot_state(cls: type[_T]) -> type[_T]:
    """Pickle a frozen, slotted dataclass as the tuple of its fields, set back in a loop over its slots: dataclasses'
    own setstate looks up the fields for every object read (850,000 from the map's cache at 10,000 documents: 1 s)."""
    names = cls.__slots__

    def getstate(self) -> tuple:
        return tuple(getattr(self, name) for name in names)

    def setstate(self, state: tuple, _set=object.__setattr__) -> None:  # frozen: its own __setattr__ refuses
        for name, value in zip(names, state):
            _set(self, name, value)

    cls.__getstate__, cls.__setstate__ = getstate, setstate
    return cls


@dataclass(frozen=True, order=True)
class DocumentId:
    """A document id split into its parts."""

    place: str
    year: int
    doc_type: str
    seq: int | None = None

    @classmethod
    def parse(cls, text: str) -> DocumentId:
        """Split `text`; raise ValueError when it is not a document id."""
        m = _DOC_RE.match(text)
        if not m:
            raise ValueError(f"not a document id: {text!r} (expected <place>-<year>-<type>[-n])")
        seq = m["seq"]
        return cls(m["place"], int(m["year"]), m["type"], int(seq) if seq else None)

    def __str__(self) -> str:
        base = f"{self.place}-{self.year:04d}-{self.doc_type}"
        return f"{base}-{self.seq}" if self.seq else base


@slot_state
@dataclass(frozen=True, slots=True)
class ProvisionId:
    """An atlas-wide provision id: a document id and a path inside it."""

    document: str
    path: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> ProvisionId:
        """Split `doc:path`; raise ValueError when malformed."""
        doc, sep, path = text.partition(":")
        if not sep:
            raise ValueError(f"not a provision id: {text!r} (expected <document id>:<path>)")
        DocumentId.parse(doc)
        return cls(doc, split_path(path))

    @classmethod
    def from_anchor(cls, document: str, anchor: str) -> ProvisionId:
        """Rebuild the id from a document id and a page anchor such as p-3-2."""
        if not anchor.startswith("p-"):
            raise ValueError(f"not a provision anchor: {anchor!r}")
        return cls(document, split_path(anchor[2:].replace("-", ".")))

    @property
    def local(self) -> str:
        """The path as written in the document's YAML, e.g. 3.2."""
        return ".".join(self.path)

    @property
    def anchor(self) -> str:
        """The HTML id on the document page; starts with a letter so CSS and JS can select it."""
        return "p-" + "-".join(self.path)

    def __str__(self) -> str:
        return f"{self.document}:{self.local}"


def split_path(path: str) -> tuple[str, ...]:
    """Split a dotted path, checking every segment."""
    segments = tuple(sys.intern(s) for s in path.split("."))  # one string each however many ids share them
    if not path or not all(_SEGMENT_RE.match(s) for s in segments):
        raise ValueError(f"not a provision path: {path!r} (expected segments like 3, p1 or notice)")
    return segments
