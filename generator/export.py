"""Pipeline stage `export`: the research data (atlas.json, provisions.csv, themes.csv), schema_version 1.

Fields are only ever added within a schema version; the Data page documents each one.
"""

from __future__ import annotations

import csv
import io
import json

from .link import Site

SCHEMA_VERSION = 1
DOCUMENT_FIELDS = ["id", "title", "title_en", "issuer", "doc_number", "level", "province", "prefecture", "county",
                   "date_signed", "date_published", "doc_type", "script", "source_file", "source_sha256", "url"]
PROVISION_FIELDS = ["id", "document_id", "parent_id", "depth", "label", "heading", "text", "url", "themes", "related"]
THEME_FIELDS = ["id", "name_zh", "name_en", "scope", "url"]


def atlas(site: Site) -> dict:
    """Return the export as plain data, documents and provisions in site order."""
    documents, provisions = [], []
    for page in site.documents:
        d = page.doc
        row = {f: getattr(d, f, None) for f in DOCUMENT_FIELDS if f != "url"}
        row["date_signed"] = d.date_signed.isoformat() if d.date_signed else None
        row["date_published"] = d.date_published.isoformat() if d.date_published else None
        row["url"] = page.url
        documents.append({f: row[f] for f in DOCUMENT_FIELDS})
        for e in page.provisions:
            p = e.provision
            provisions.append({"id": e.id, "document_id": d.id, "parent_id": e.parent_id, "depth": e.depth,
                               "label": p.label, "heading": p.heading, "text": p.text, "url": e.url,
                               "themes": [a.theme.slug for a in e.themes],
                               "related": [{"provision_id": r.entry.id, "score": r.score} for r in e.related]})
    themes = [{"id": t.slug, "name_zh": t.theme.name_zh, "name_en": t.theme.name_en, "scope": t.theme.scope, "url": t.url}
              for t in site.themes]
    return {"schema_version": SCHEMA_VERSION, "themes": themes, "documents": documents, "provisions": provisions}


def export_files(site: Site) -> dict[str, str]:
    """Return {path under docs/: content} for the data downloads."""
    data = atlas(site)
    rows = [{**p, "themes": ";".join(p["themes"]),
             "related": ";".join(f"{r['provision_id']}={r['score']}" for r in p["related"])} for p in data["provisions"]]
    return {
        "data/atlas.json": json.dumps(data, ensure_ascii=False, indent=1) + "\n",
        "data/provisions.csv": _csv(PROVISION_FIELDS, rows),
        "data/themes.csv": _csv(THEME_FIELDS, data["themes"]),
    }


def _csv(fields: list[str], rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
