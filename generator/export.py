"""Pipeline stage `export`: the research data (atlas.json and one CSV per table), schema_version 2.

Fields are only ever added within a schema version; the Data page documents each one. An atlas of more than SPLIT_AT
documents keeps its per-document tables in one part per province (data/provinces/<slug>/: atlas.json and the CSVs),
listed by data/atlas.json: a download stays a size a reader can open, and an edit rewrites its province's part only.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # json's own C function

from .gazetteer import Division
from .link import DocumentPage, Site

SCHEMA_VERSION = 2  # 2: an agency's role `lead` only where the source says so, else `listed`; `basis` added
DOCUMENT_FIELDS = ["id", "title", "title_en", "issuer", "doc_number", "level", "province", "prefecture", "county",
                   "date_signed", "date_issued", "date_published", "doc_type", "script", "converted_words",
                   "source_file", "source_sha256", "source_url", "source_kind", "retrieved", "url"]
PROVISION_FIELDS = ["id", "document_id", "parent_id", "depth", "label", "heading", "text", "url", "themes", "related",
                    "agencies", "deadlines"]
THEME_FIELDS = ["id", "name_zh", "name_en", "scope", "url"]
TARGET_FIELDS = ["id", "document_id", "provision_id", "indicator", "indicator_id", "value", "value_max", "unit",
                 "comparator", "comparator_text", "printed", "year", "year_from_plan", "theme", "text", "agencies",
                 "deadlines", "restates", "series", "url"]
AGENCY_FIELDS = ["id", "name_zh", "name_en", "kind", "aliases", "url"]
TASK_FIELDS = ["document_id", "provision_id", "agency_id", "name", "role", "basis", "level", "parent", "url"]
INDICATOR_FIELDS = ["id", "name_zh", "name_en", "unit", "theme", "url"]
CITATION_FIELDS = ["document_id", "provision_id", "title", "printed", "doc_number", "cited_id", "url"]
POLICY_FIELDS = ["id", "title", "issuer", "issuer_inferred", "level", "doc_number", "url"]


Content = str | Iterator[str | bytes]  # a file's text whole, or in chunks (UTF-8 when bytes) a writer writes as they come
Rows = Callable[[str, str], Iterable[str | bytes]]  # (table, part slug) -> the documents' rows, as export_files takes them

SPLIT_AT = 500  # documents an atlas holds at most before its per-document tables are split by province (95 MB of JSON)
WHOLE = "all"  # the slug of the one part of an atlas not split


@dataclass(frozen=True)
class Part:
    """A share of the per-document tables (PER_DOCUMENT): all of them, or one province's (export_parts)."""

    division: Division | None  # the province (gazetteer.NATIONAL for national documents); None: the whole atlas
    documents: int

    @property
    def slug(self) -> str:
        return self.division.slug if self.division else WHOLE

    @property
    def folder(self) -> str:
        """Where its files are, under docs/: data/ for the whole atlas, else the province's folder in it."""
        return f"data/provinces/{self.slug}" if self.division else "data"

    @property
    def url(self) -> str:
        """Its atlas.json, from the Data page."""
        return f"{self.folder}/atlas.json"

    @property
    def files(self) -> list[tuple[str, str]]:
        """Its files: (name, url from the Data page), atlas.json first."""
        return [("atlas.json", self.url), *((name, f"{self.folder}/{name}") for name in PER_DOCUMENT if "." in name)]

    def entry(self) -> dict:
        """Its entry in atlas.json's `parts`."""
        assert self.division is not None
        return {"id": self.slug, "name_zh": self.division.name, "name_en": self.division.name_en,
                "documents": self.documents, "path": self.url.removeprefix("data/")}


def split(site: Site) -> bool:
    """Say whether the atlas's per-document tables are split by province."""
    return len(site.documents) > SPLIT_AT


def part_of(site: Site, page: DocumentPage) -> str:
    """Return the slug of the part holding `page`'s rows."""
    return page.province.slug if split(site) else WHOLE


def export_parts(site: Site) -> list[Part]:
    """Return the parts of the per-document tables: the whole atlas, or each province's by code (national first)."""
    if not split(site):
        return [Part(None, len(site.documents))]
    provinces: dict[str, Division] = {}
    counts: dict[str, int] = {}
    for page in site.documents:
        code = page.province.code
        provinces[code] = page.province
        counts[code] = counts.get(code, 0) + 1
    return [Part(provinces[code], counts[code]) for code in sorted(provinces)]


def tables(site: Site, pages: list[DocumentPage] | None = None) -> dict[str, Callable[[], Iterator[dict]]]:
    """Return each table of the export, in atlas.json's order, as a function yielding its rows in site order.

    Rows are made as they are written: the export of a large atlas never holds a table whole. `pages`: the
    documents whose rows the per-document tables (PER_DOCUMENT) hold (default: all).
    """
    pages = site.documents if pages is None else pages

    def documents() -> Iterator[dict]:
        for page in pages:
            d = page.doc
            row = {f: getattr(d, f, None) for f in DOCUMENT_FIELDS if f != "url"}
            for name in ("date_signed", "date_issued", "date_published", "retrieved"):
                row[name] = getattr(d, name).isoformat() if getattr(d, name) else None
            row["url"] = page.url
            yield {f: row[f] for f in DOCUMENT_FIELDS}

    def provisions() -> Iterator[dict]:
        for page in pages:
            for e in page.provisions:
                p = e.provision
                yield {"id": e.id, "document_id": page.doc.id, "parent_id": e.parent_id, "depth": e.depth,
                       "label": p.label, "heading": p.heading, "text": p.text, "url": e.url,
                       "themes": [a.theme.slug for a in e.themes],
                       "related": [{"provision_id": r.id, "score": r.score} for r in e.related],
                       "agencies": [{"id": t.agency.slug if t.agency else None, "name": t.name, "role": t.role,
                                     "basis": t.basis or None, "level": t.level, "parent": t.parent} for t in e.tasks],
                       "deadlines": [_deadline(dl) for dl in e.deadlines]}

    def entries() -> Iterator:
        return (e for page in pages for e in page.provisions)

    def targets() -> Iterator[dict]:
        for e in entries():
            for t in e.targets:
                yield {"id": t.id, "document_id": e.page.slug, "provision_id": e.id, "indicator": t.indicator,
                       "indicator_id": t.canonical.indicator.id if t.canonical else None, "value": t.value,
                       "value_max": t.value_max, "unit": t.unit, "comparator": t.comparator,
                       "comparator_text": t.comparator_text, "printed": t.printed, "year": t.year,
                       "year_from_plan": t.year_from_plan, "theme": t.theme.slug if t.theme else None, "text": t.text,
                       "agencies": [{"name": k.name, "role": k.role} for k in e.tasks],
                       "deadlines": [_deadline(dl) for dl in e.deadlines],
                       "restates": t.restates.id if t.restates else None, "series": [s.id for s in t.series],
                       "url": e.url}

    return {
        "themes": lambda: ({"id": t.slug, "name_zh": t.theme.name_zh, "name_en": t.theme.name_en, "scope": t.theme.scope,
                            "url": t.url} for t in site.themes),
        "documents": documents,
        "provisions": provisions,
        "indicators": lambda: ({"id": i.indicator.id, "name_zh": i.indicator.name_zh, "name_en": i.indicator.name_en,
                                "unit": i.indicator.unit, "theme": i.theme.slug, "url": i.url} for i in site.indicators),
        "targets": targets,
        "agencies": lambda: ({"id": a.slug, "name_zh": a.agency.name_zh, "name_en": a.agency.name_en,
                              "kind": a.agency.kind, "aliases": a.agency.aliases, "url": a.url if a.documents else None}
                             for a in site.agencies),
        "citations": lambda: ({"document_id": e.page.slug, "provision_id": e.id, "title": c.policy.title,
                               "printed": c.printed, "doc_number": c.doc_number, "cited_id": c.policy.slug, "url": e.url}
                              for e in entries() for c in e.citations),
        "cited_policies": lambda: ({"id": p.slug, "title": p.title, "issuer": p.issuer or None,
                                    "issuer_inferred": p.inferred_issuer or None, "level": p.level,
                                    "doc_number": p.doc_number, "url": p.url} for p in site.policies),
    }


def _deadline(dl) -> dict:
    return {"text": dl.text, "year": dl.year, "month": dl.month, "start_year": dl.start_year}


def atlas_json(site: Site, rows: Rows, part: Part | None = None) -> Iterator[str | bytes]:
    """Yield atlas.json in chunks: the text json.dumps(…, ensure_ascii=False, indent=1) writes. `rows`: as
    export_files. `part`: a province's part (its per-document tables only); else the atlas's, all of its tables, or
    when it is split, the tables not per document and its `parts`."""
    yield f'{{\n "schema_version": {SCHEMA_VERSION}'
    whole = part is None and not split(site)
    if part is not None:
        yield ',\n "province": ' + indented(part.entry(), " ")
    elif not whole:
        yield ',\n "parts": [' + ",".join("\n  " + indented(p.entry(), "  ") for p in export_parts(site)) + "\n ]"
    for name, made in tables(site, []).items():
        if not whole and (name in PER_DOCUMENT) != (part is not None):  # a part: those tables only; a split atlas: none
            continue
        yield f',\n "{name}": ['
        empty = True
        for chunk in (rows(name, part.slug if part else WHOLE) if name in PER_DOCUMENT else
                      (",".join("\n  " + indented(r, "  ") for r in made()),)):
            if chunk:
                if not empty:
                    yield ","  # on its own: a run's rows are yielded as made, so their deflated chunk is found again
                yield chunk
                empty = False
        yield "]" if empty else "\n ]"
    yield "\n}\n"


def indented(value: object, pad: str = "") -> str:
    """Return what json.dumps(value, ensure_ascii=False, indent=1) writes, each line after the first led by `pad`.

    json's indenting encoder is pure Python; this one writes strings with json's C function and numbers by their
    repr, and is about twice as fast on the export's rows (dicts, lists and scalars; tested against json.dumps).
    """
    scalar = _SCALARS.get(type(value))
    if scalar is not None:
        return scalar(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = pad + " "
        return "{\n" + ",\n".join(f"{inner}{encode_basestring(str(k))}: {indented(v, inner)}"
                                   for k, v in value.items()) + "\n" + pad + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = pad + " "
        return "[\n" + ",\n".join(inner + indented(v, inner) for v in value) + "\n" + pad + "]"
    return json.dumps(value)


_SCALARS = {str: encode_basestring, int: int.__repr__, bool: lambda b: "true" if b else "false",
            type(None): lambda _: "null", float: lambda f: float.__repr__(f) if math.isfinite(f) else json.dumps(f)}


# The tables and CSV files each document adds rows to: the map part of the export (document_rows), made with the
# document's page and kept with it; the reduce (export_files) joins them in site order.
PER_DOCUMENT = ("documents", "provisions", "targets", "citations",
                "provisions.csv", "targets.csv", "agency_tasks.csv", "citations.csv")


def document_rows(site: Site, pages: list[DocumentPage]) -> dict[str, str]:
    """Return the rows `pages` add to each table of PER_DOCUMENT, as written: atlas.json's rows each after a line
    break, CSV lines with no header."""
    t = tables(site, pages)
    out = {name: ",".join("\n  " + indented(row, "  ") for row in t[name]()) for name in PER_DOCUMENT[:4]}
    for name, (fields, rows) in _csv_tables(t).items():
        out[name] = "".join(_csv(fields, rows, header=False))
    return out


def join_rows(name: str, chunks: Iterable[str]) -> str:
    """Join documents' rows of the table or CSV file `name` (document_rows), as the export writes them."""
    return "".join(chunks) if name.endswith(".csv") else ",".join(c for c in chunks if c)


def export_files(site: Site, rows: Rows) -> Iterator[tuple[str, Content]]:
    """Yield (path under docs/, content) for each data download, written as it goes (the reduce of the export).

    `rows(name, part)`: for each table of PER_DOCUMENT, the rows of the documents in the part of that slug
    (document_rows) in site order, in chunks join_rows makes (text, or its UTF-8 bytes as read back from the scratch
    folder).
    """
    parts = export_parts(site)
    yield "data/atlas.json", atlas_json(site, rows)
    t = tables(site, [])
    if not split(site):
        for name, (fields, _) in _csv_tables(t).items():
            yield f"data/{name}", _header(fields, rows(name, WHOLE))
    yield "data/themes.csv", _csv(THEME_FIELDS, t["themes"]())
    yield "data/indicators.csv", _csv(INDICATOR_FIELDS, t["indicators"]())
    yield "data/agencies.csv", _csv(AGENCY_FIELDS, ({**a, "aliases": ";".join(a["aliases"])} for a in t["agencies"]()))
    yield "data/cited_policies.csv", _csv(POLICY_FIELDS, t["cited_policies"]())
    for part in parts if split(site) else ():
        yield part.url, atlas_json(site, rows, part)
        for name, (fields, _) in _csv_tables(t).items():
            yield f"{part.folder}/{name}", _header(fields, rows(name, part.slug))


def _csv_tables(t: dict[str, Callable[[], Iterator[dict]]]) -> dict[str, tuple[list[str], Iterator[dict]]]:
    """The CSV files with a row per provision, target, task or citation: their fields and rows."""
    return {
        "provisions.csv": (PROVISION_FIELDS, (
            {**p, "themes": ";".join(p["themes"]),
             "related": ";".join(f"{r['provision_id']}={r['score']}" for r in p["related"]),
             "agencies": ";".join(f"{a['id'] or a['name']}={a['role']}" for a in p["agencies"]),
             "deadlines": ";".join(_due(d) for d in p["deadlines"])} for p in t["provisions"]())),
        "targets.csv": (TARGET_FIELDS, (
            {**x, "agencies": ";".join(f"{a['name']}={a['role']}" for a in x["agencies"]),
             "deadlines": ";".join(_due(d) for d in x["deadlines"]), "series": ";".join(x["series"])}
            for x in t["targets"]())),
        "agency_tasks.csv": (TASK_FIELDS, (
            {"document_id": p["document_id"], "provision_id": p["id"], "agency_id": a["id"], "name": a["name"],
             "role": a["role"], "basis": a["basis"], "level": a["level"], "parent": a["parent"], "url": p["url"]}
            for p in t["provisions"]() for a in p["agencies"])),
        "citations.csv": (CITATION_FIELDS, t["citations"]()),
    }


def _due(d: dict) -> str:
    """Say a deadline as 2025, 2023-06 or 2020/2022."""
    if d["start_year"]:
        return f"{d['start_year']}/{d['year']}"
    return f"{d['year']}-{d['month']:02d}" if d["month"] else str(d["year"])


CSV_BATCH = 1000  # rows written to one chunk


def _csv(fields: list[str], rows: Iterable[dict], header: bool = True) -> Iterator[str]:
    """Yield the CSV text of `rows` in chunks of CSV_BATCH rows, header first unless `header` is false."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    if header:
        writer.writeheader()
    for n, row in enumerate(rows, start=1):
        writer.writerow(row)
        if n % CSV_BATCH == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def _header(fields: list[str], chunks: Iterable[str | bytes]) -> Iterator[str | bytes]:
    """Yield a CSV file's header line, then its rows already written."""
    yield from _csv(fields, ())
    yield from chunks
