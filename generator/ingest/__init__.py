"""The importer: raw scraped policy text -> an intermediate tree -> site-data/documents/ID.yaml.

Stages, each with its guarantee in its module docstring:
  text.split_lines   every non-blank line, numbered as in the file
  mirror             glosses, injected tokens and spam cut out of lines, every piece recorded
  text.split_runs    a page flattened to one line (PDF text) broken into its lines again
  chrome             page furniture and news framing out, every removed line recorded
  outline            notice, title, numbered units in reading order
  metadata           title, issuers, number, dates, place (national gazetteer), genre, script, provenance
  corrections        damaged passages -> collation notes; text never changed
`import_raw` runs them all and never refuses: it returns an `Imported` whatever the page;
`.tree()` is what `--json` prints and `.document()` the draft written as YAML, whose
`review:` list names every question the importer could not settle.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..gazetteer import Gazetteer
from ..ids import DocumentId
from ..model import DOC_TYPES, Document
from .chrome import Chrome, strip_chrome
from .corrections import find_corrections
from .metadata import Metadata, extract_metadata
from .mirror import mend
from .outline import Node, Outline, build_outline
from .text import split_lines, split_runs


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
    notes: list[tuple[int, str]]  # (raw line, what an editor should look at)
    doc_id: str
    retrieved: object = None  # datetime.date the raw text was fetched, when the caller knows it
    id_given: bool = False  # the caller chose the id (--id)

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
            "notes": [note for _, note in self.notes],
            "review": self.document().model_dump(mode="json")["review"],
            "id": self.doc_id,
        }

    def document(self) -> Document:
        """Return the draft document: everything found, and a review item for everything not settled."""
        m = self.meta
        outline = ([_provision(self.outline.notice)] if self.outline.notice else []) + [
            _provision(n) for n in self.outline.units
        ]
        review = list(m.review)
        review += [{"field": "outline", "line": line, "question": note,
                    "hint": "fix it in the outline, or record a correction; then delete this item"} for line, note in self.notes]
        if not (m.place_slug and m.year and m.doc_type) and not self.id_given:
            review.append({"field": "id", "line": None, "question": f"the id {self.doc_id} is made of what could not be "
                           "read (unplaced, 0000, document stand for a place, year and genre not found)",
                           "hint": "once place, year and genre are set, rename the id and the file to "
                           "<place slug>-<year>-<genre slug>, e.g. yangxian-2023-work-points"})
        if not outline:
            review.append({"field": "outline", "line": None, "question": "no text of the document is left after the "
                           "page furniture", "hint": "check the removed: list against the raw text"})
        # A person, not the importer, says a document is ready: this item goes last, and is deleted last.
        review.append({"field": "document", "line": None, "question": "not yet reviewed: every field and provision "
                       "still to be read against the raw text", "hint": "add title_en, correct what the importer got "
                       "wrong (record damage as corrections), then delete this item"})
        return Document(
            id=self.doc_id, review=review, title=m.title, title_en=None, issuer=m.issuer, doc_number=m.doc_number,
            doc_type=m.doc_type, level=m.level, province=m.province, prefecture=m.prefecture, county=m.county,
            date_signed=m.date_signed, date_issued=m.date_issued, date_published=m.date_published,
            script=m.script, source_file=self.source_file, source_sha256=self.sha256, source_url=m.source_url,
            source_kind=m.source_kind, retrieved=self.retrieved, converted_words=m.converted_words,
            attachments=m.attachments, notes=m.notes, removed=self.chrome.removed,
            corrections=m.corrections + self.corrections, outline=outline,
        )


def import_raw(raw: bytes, source_file: str, places: Gazetteer, doc_id: str | None = None, url: str | None = None,
               retrieved=None) -> Imported:
    """Run every stage on the bytes of one raw file; never refuse (undecodable bytes aside)."""
    text, encoding_note = _decode(raw)
    mended = mend(split_lines(text))
    mended.lines = split_runs(mended.lines)
    chrome = strip_chrome(mended.lines, mended.removed)
    outline = build_outline(chrome.kept)
    if outline.notice:
        _number_notice(outline.notice)
    meta = extract_metadata(chrome, outline, places, mended, url)
    corrections, notes = find_corrections(outline, meta.doc_number)
    id_given = doc_id is not None
    if doc_id is None:
        place = meta.place_slug or "unplaced"
        kind = DOC_TYPES.get(meta.doc_type or "", ("document",))[0]
        doc_id = str(DocumentId(place, meta.year or 0, kind))
    else:
        DocumentId.parse(doc_id)
    if encoding_note:
        meta.notes.append(encoding_note)
    return Imported(source_file, hashlib.sha256(raw).hexdigest(), chrome, outline, meta, corrections,
                    outline.notes + notes, doc_id, retrieved, id_given)


def _decode(raw: bytes) -> tuple[str, str | None]:
    """Decode UTF-8, or GB18030 (what most Chinese government pages were saved in), saying so; never fail."""
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "原始文件为 GB18030 编码。 The raw file is GB18030-encoded, not UTF-8; it was read as such."
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8", errors="replace")
        return text, (f"原始文件含无法解码的字节。 The raw file has bytes that are neither UTF-8 nor GB18030 (first at byte "
                      f"{exc.start}); they are shown as �. Re-fetch the page, or convert it with iconv.")


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
    for key in ("review", "converted_words"):  # said only when there is something to say
        if not data.get(key):
            data.pop(key, None)
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
    """Write the YAML for `doc` under `directory`, never over an existing (curated) file.

    Another document with the same id (place, year, genre) gets the next free number: -2, -3, …
    The same raw page imported again is refused: the existing file may already hold a person's edits.
    """
    target = directory / f"{doc.id}.yaml"
    base, n = DocumentId.parse(doc.id), 1
    while target.exists():
        if f"source_sha256: {doc.source_sha256}" in target.read_text(encoding="utf-8"):
            raise ImporterError(
                f"{target}: already holds this raw file (same SHA-256) and may hold curated edits; not overwritten. "
                "hint: compare with `policy-atlas import RAW --json`, or move the file away to re-import"
            )
        n += 1
        doc = doc.model_copy(update={"id": str(DocumentId(base.place, base.year, base.doc_type, n))})
        target = directory / f"{doc.id}.yaml"
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(to_yaml(doc), encoding="utf-8")
    return target


__all__ = ["Imported", "ImporterError", "import_raw", "to_yaml", "write_yaml"]
