"""Pipeline stage `load`: read YAML files, remembering the line of every key and item."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Loc = tuple[str | int, ...]
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml keeps marks too, and is ~10x faster


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, phrased for the person who has to fix it."""

    file: str
    line: int
    field: str
    expected: str
    found: str
    hint: str = ""

    def __str__(self) -> str:
        tail = f" hint: {self.hint}" if self.hint else ""
        return f"{self.file}:{self.line}: {self.field}: expected {self.expected}; found {self.found}.{tail}"


@dataclass
class Loaded:
    """A parsed YAML file and the line of every location in it."""

    path: Path
    label: str  # the path as shown in messages, relative to the project
    data: Any
    lines: dict[Loc, int]

    def line_of(self, loc: Loc) -> int:
        """Return the line of `loc`, or of its nearest enclosing location."""
        loc = tuple(loc)
        while loc not in self.lines and loc:
            loc = loc[:-1]
        return self.lines.get(loc, 1)


def load_yaml(path: Path, label: str) -> Loaded | Problem:
    """Parse `path`; on a syntax error return the Problem instead."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return Problem(label, line, "(file)", "text encoded as UTF-8",
                       f"byte 0x{raw[exc.start]:02x} at column {column}, which is not UTF-8",
                       "re-save the file as UTF-8; a GBK or GB18030 text converts with `iconv -f GB18030 -t UTF-8`")
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except ValueError as exc:  # a timestamp like 2024-02-30 that PyYAML cannot build
        line, field, value = _bad_date(text)
        return Problem(label, line, field, "a date that exists, written YYYY-MM-DD", f"{value!r} ({exc})",
                       "check the day and the month")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return Problem(
            label, (mark.line + 1) if mark else 1, "(file)", "valid YAML",
            f"a syntax error: {exc.problem}" + (f" {exc.context}" if exc.context else ""),
            "check indentation and quoting near this line; a value containing ': ' must be quoted",
        )
    lines: dict[Loc, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return Loaded(path, label, data, lines)


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = loc + (str(key.value),)
            lines[child] = key.start_mark.line + 1
            _walk(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, loc + (i,), lines)


def _bad_date(text: str) -> tuple[int, str, str]:
    """Return (line, key, value) of the first YYYY-MM-DD value that is not a real date."""
    for n, line in enumerate(text.splitlines(), start=1):
        m = re.match(r"^\s*(?:-\s*)?([\w-]+):\s*((\d{4})-(\d\d?)-(\d\d?))\s*(?:#.*)?$", line)
        if m:
            try:
                datetime.date(int(m[3]), int(m[4]), int(m[5]))
            except ValueError:
                return n, m[1], m[2]
    return 1, "(file)", "?"
