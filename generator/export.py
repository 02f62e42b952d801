"""Pipeline stage `export`: the research data (atlas.json and one CSV per table), schema_version 2.

Fields are only ever added within a schema version; the Data page documents each one.
"""

from __future__ import annotations

import csv
import io
import json

from .link import Site

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


def atlas(site: Site) -> dict:
    """Return the export as plain data, documents and provisions in site order."""
    documents, provisions = [], []
    for page in site.documents:
        d = page.doc
        row = {f: getattr(d, f, None) for f in DOCUMENT_FIELDS if f != "url"}
        for name in ("date_signed", "date_issued", "date_published", "retrieved"):
            row[name] = getattr(d, name).isoformat() if getattr(d, name) else None
        row["url"] = page.url
        documents.append({f: row[f] for f in DOCUMENT_FIELDS})
        for e in page.provisions:
            p = e.provision
            provisions.append({"id": e.id, "document_id": d.id, "parent_id": e.parent_id, "depth": e.depth,
                               "label": p.label, "heading": p.heading, "text": p.text, "url": e.url,
                               "themes": [a.theme.slug for a in e.themes],
                               "related": [{"provision_id": r.entry.id, "score": r.score} for r in e.related],
                               "agencies": [{"id": t.agency.slug if t.agency else None, "name": t.name, "role": t.role,
                                             "basis": t.basis or None, "level": t.level, "parent": t.parent}
                                            for t in e.tasks],
                               "deadlines": [{"text": dl.text, "year": dl.year, "month": dl.month, "start_year": dl.start_year}
                                             for dl in e.deadlines]})
    themes = [{"id": t.slug, "name_zh": t.theme.name_zh, "name_en": t.theme.name_en, "scope": t.theme.scope, "url": t.url}
              for t in site.themes]
    entries = [e for page in site.documents for e in page.provisions]
    targets = [{"id": t.id, "document_id": e.page.slug, "provision_id": e.id, "indicator": t.indicator,
                "indicator_id": t.canonical.indicator.id if t.canonical else None, "value": t.value, "value_max": t.value_max,
                "unit": t.unit, "comparator": t.comparator, "comparator_text": t.comparator_text, "printed": t.printed,
                "year": t.year, "year_from_plan": t.year_from_plan, "theme": t.theme.slug if t.theme else None,
                "text": t.text, "agencies": [{"name": k.name, "role": k.role} for k in e.tasks],
                "deadlines": [{"text": dl.text, "year": dl.year, "month": dl.month, "start_year": dl.start_year}
                              for dl in e.deadlines], "restates": t.restates.id if t.restates else None,
                "series": [s.id for s in t.series], "url": e.url} for e in entries for t in e.targets]
    indicators = [{"id": i.indicator.id, "name_zh": i.indicator.name_zh, "name_en": i.indicator.name_en,
                   "unit": i.indicator.unit, "theme": i.theme.slug, "url": i.url} for i in site.indicators]
    agencies = [{"id": a.slug, "name_zh": a.agency.name_zh, "name_en": a.agency.name_en, "kind": a.agency.kind,
                 "aliases": a.agency.aliases, "url": a.url if a.tasks else None} for a in site.agencies]
    citations = [{"document_id": e.page.slug, "provision_id": e.id, "title": c.policy.title, "printed": c.printed,
                  "doc_number": c.doc_number, "cited_id": c.policy.slug, "url": e.url} for e in entries for c in e.citations]
    policies = [{"id": p.slug, "title": p.title, "issuer": p.issuer or None, "issuer_inferred": p.inferred_issuer or None,
                 "level": p.level, "doc_number": p.doc_number, "url": p.url} for p in site.policies]
    return {"schema_version": SCHEMA_VERSION, "themes": themes, "documents": documents, "provisions": provisions,
            "indicators": indicators, "targets": targets, "agencies": agencies, "citations": citations,
            "cited_policies": policies}


def export_files(site: Site) -> dict[str, str]:
    """Return {path under docs/: content} for the data downloads."""
    data = atlas(site)
    rows = [{**p, "themes": ";".join(p["themes"]),
             "related": ";".join(f"{r['provision_id']}={r['score']}" for r in p["related"]),
             "agencies": ";".join(f"{a['id'] or a['name']}={a['role']}" for a in p["agencies"]),
             "deadlines": ";".join(_due(d) for d in p["deadlines"])} for p in data["provisions"]]
    tasks = [{"document_id": p["document_id"], "provision_id": p["id"], "agency_id": a["id"], "name": a["name"],
              "role": a["role"], "basis": a["basis"], "level": a["level"], "parent": a["parent"], "url": p["url"]} for p in data["provisions"] for a in p["agencies"]]
    return {
        "data/atlas.json": json.dumps(data, ensure_ascii=False, indent=1) + "\n",
        "data/provisions.csv": _csv(PROVISION_FIELDS, rows),
        "data/themes.csv": _csv(THEME_FIELDS, data["themes"]),
        "data/targets.csv": _csv(TARGET_FIELDS, [
            {**t, "agencies": ";".join(f"{a['name']}={a['role']}" for a in t["agencies"]),
             "deadlines": ";".join(_due(d) for d in t["deadlines"]), "series": ";".join(t["series"])}
            for t in data["targets"]]),
        "data/indicators.csv": _csv(INDICATOR_FIELDS, data["indicators"]),
        "data/agencies.csv": _csv(AGENCY_FIELDS, [{**a, "aliases": ";".join(a["aliases"])} for a in data["agencies"]]),
        "data/agency_tasks.csv": _csv(TASK_FIELDS, tasks),
        "data/citations.csv": _csv(CITATION_FIELDS, data["citations"]),
        "data/cited_policies.csv": _csv(POLICY_FIELDS, data["cited_policies"]),
    }


def _due(d: dict) -> str:
    """Say a deadline as 2025, 2023-06 or 2020/2022."""
    if d["start_year"]:
        return f"{d['start_year']}/{d['year']}"
    return f"{d['year']}-{d['month']:02d}" if d["month"] else str(d["year"])


def _csv(fields: list[str], rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
