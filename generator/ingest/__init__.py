"""The importer: raw scraped policy text -> an intermediate tree -> site-data/documents/ID.yaml.

Stages, each with its guarantee in its module docstring:
  text.split_lines   every non-blank line, numbered as in the file
  chrome             page furniture and spam out, every removed piece recorded
  outline            notice, title, numbered units in reading order
  metadata           title, issuers, number, dates, jurisdiction, type, script
  corrections        damaged passages -> collation notes; text never changed
`import_raw` runs them all and returns an `Imported`; `.tree()` is what `--json` prints
and `.document()` the validated model written as YAML.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..ids import DocumentId
from ..model import DOC_TYPES, Document, Gazetteer
from .chrome import Chrome, strip_chrome
from .corrections import find_corrections
from .metadata import Metadata, extract_metadata
from .outline import Node, Outline, build_outline
from .text import split_lines


class ImporterError(Exception):
    """The raw text cannot become a document; the message says what to do."""


@dataclass
class Imported:
    """Everything the importer found for one raw file."""

    source_file: str
    sha256: str
    chrome: Chrome
    outline: Outline
    meta: Metadata
    corrections: list[dict]
    notes: list[str]
    doc_id: str | None

    def tree(self) -> dict:
        """Return the intermediate tree as plain JSON-able data."""
        return {
            "source": {"file": self.source_file, "sha256": self.sha256},
            "removed": self.chrome.removed,
            "header": self.chrome.header,
            "notice": _node_json(self.outline.notice) if self.outline.notice else None,
            "title": {"text": self.outline.title, "lines": [line.no for line in self.outline.title_lines]},
            "outline": [_node_json(n) for n in self.outline.units],
            "metadata": {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in dataclasses.asdict(self.meta).items()},
            "corrections": self.corrections,
            "notes": self.notes,
            "id": self.doc_id,
        }

    def document(self) -> Document:
        """Return the validated document model; raise ImporterError naming what is missing."""
        m = self.meta
        missing = [name for name, value in [("id", self.doc_id), ("title", m.title), ("issuer", m.issuer),
                                            ("doc_type", m.doc_type), ("level", m.level)] if not value]
        if missing:
            raise ImporterError(
                f"{self.source_file}: could not find {', '.join(missing)}. "
                "hint: run with --json to see what each stage found; pass --id for the id, "
                "and add the issuer's place to site-data/places.yaml"
            )
        outline = ([_provision(self.outline.notice)] if self.outline.notice else []) + [
            _provision(n) for n in self.outline.units
        ]
        return Document(
            id=self.doc_id, title=m.title, title_en=None, issuer=m.issuer, doc_number=m.doc_number,
            doc_type=m.doc_type, level=m.level, province=m.province, prefecture=m.prefecture, county=m.county,
            date_signed=m.date_signed, date_issued=m.date_issued, date_published=m.date_published,
            script=m.script, source_file=self.source_file, source_sha256=self.sha256,
            attachments=m.attachments, notes=m.notes + self.notes,
            removed=self.chrome.removed, corrections=self.corrections, outline=outline,
        )


def import_raw(raw: bytes, source_file: str, places: Gazetteer, doc_id: str | None = None) -> Imported:
    """Run every stage on the bytes of one raw file."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImporterError(f"{source_file}: not UTF-8 ({exc.reason} at byte {exc.start}). hint: convert it with iconv -f GB18030 -t UTF-8") from exc
    chrome = strip_chrome(split_lines(text))
    outline = build_outline(chrome.kept)
    if outline.notice:
        _number_notice(outline.notice)
    meta = extract_metadata(chrome, outline, places)
    corrections, notes = find_corrections(outline, meta.doc_number)
    if doc_id is None and meta.place_slug and meta.year and meta.doc_type:
        doc_id = str(DocumentId(meta.place_slug, meta.year, DOC_TYPES[meta.doc_type][0]))
    elif doc_id is not None:
        DocumentId.parse(doc_id)
    return Imported(source_file, hashlib.sha256(raw).hexdigest(), chrome, outline, meta, corrections,
                    outline.notes + notes, doc_id)


def _number_notice(notice: Node) -> None:
    notice.id = "notice"
    for i, child in enumerate(notice.children, start=1):
        child.id = f"notice.p{i}"


def _node_json(node: Node) -> dict:
    data = {k: v for k, v in dataclasses.asdict(node).items() if k != "children" and v is not None}
    data["children"] = [_node_json(c) for c in node.children]
    return data


def _provision(node: Node) -> dict:
    data = {"id": node.id, "kind": node.kind, "label": node.label, "heading": node.heading,
            "heading_end": node.heading_end, "text": node.text, "line": node.line}
    data = {k: v for k, v in data.items() if v is not None}
    if node.children:
        data["children"] = [_provision(c) for c in node.children]
    return data


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def to_yaml(doc: Document) -> str:
    """Serialise a document as the human-editable YAML of site-data/documents/."""
    data = doc.model_dump(mode="python", exclude_none=True)
    for key in ("attachments", "notes", "removed", "corrections"):
        data.setdefault(key, [])
    _drop_empty_children(data["outline"])
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**9, default_flow_style=False)
    header = (
        f"# Imported by `policy-atlas import` from site-data/raw/{doc.source_file}.\n"
        "# Review every field and provision against the raw text, add title_en, then run `policy-atlas check`.\n"
        "# yaml-language-server: $schema=../schema/document.schema.json\n"
    )
    return header + body


def _drop_empty_children(provisions: list[dict]) -> None:
    for p in provisions:
        if not p.get("children"):
            p.pop("children", None)
        else:
            _drop_empty_children(p["children"])


def write_yaml(doc: Document, directory: Path) -> Path:
    """Write the YAML for `doc` under `directory`, never over an existing (curated) file."""
    target = directory / f"{doc.id}.yaml"
    if target.exists():
        raise ImporterError(
            f"{target}: already exists and may hold curated edits; not overwritten. "
            "hint: compare with `policy-atlas import RAW --json`, or move the file away to re-import"
        )
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(to_yaml(doc), encoding="utf-8")
    return target


__all__ = ["Imported", "ImporterError", "import_raw", "to_yaml", "write_yaml"]
