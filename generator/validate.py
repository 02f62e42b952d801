"""Pipeline stage `validate`: check all of site-data/ and collect every problem before stopping."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .chinese import fold
from .load import Loaded, Problem, load_yaml
from .gazetteer import Gazetteer, build_gazetteer
from .model import UNITS, Agencies, Document, Indicators, Places, Provision, Taxonomy

SCHEMA_HINT = "see site-data/schema/document.schema.json for every field"
# The longest provision of the seeds has about 1,200 characters; a unit 40 times longer is not a
# provision but a text the importer failed to split, and would make one page and one search entry huge.
MAX_PROVISION_CHARS = 50_000


@dataclass
class Draft:
    """A document with open review items: checked, reported, not published."""

    doc: Document
    items: list[Problem]  # its open review items, then anything else keeping it from publication


@dataclass
class Data:
    """Everything in site-data/, validated."""

    root: Path
    places: Gazetteer
    taxonomy: Taxonomy
    agencies: Agencies
    indicators: Indicators
    documents: list[Document]  # reviewed: published
    lines: dict[tuple[str, str], tuple[str, int, str]]  # (document id, provision id) -> (file, line, field)
    drafts: list[Draft] = field(default_factory=list)  # imported, not yet reviewed: left out of the site


class InvalidData(Exception):
    """site-data/ has problems; `problems` lists every one."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in site data")
        self.problems = problems


@dataclass
class Shared:
    """The curated files every document is checked against; None where a file has problems."""

    places: Gazetteer | None
    taxonomy: Taxonomy | None
    agencies: Agencies | None
    indicators: Indicators | None
    problems: list[Problem]  # theirs, in file order

    @property
    def theme_ids(self) -> set[str] | None:
        return {t.id for t in self.taxonomy.themes} if self.taxonomy else None


@dataclass
class Checked:
    """One document file, read and checked: the first step of the map."""

    doc: Document | None  # none when it cannot be read as a document
    problems: list[Problem]  # what keeps it, and the build, from going on
    lines: dict[tuple[str, str], tuple[str, int, str]]  # (document id, provision id) -> (file, line, field)
    review: list[Problem] | None = None  # a draft's open items (then `problems` are reported with them)

    @property
    def publishable(self) -> bool:
        return self.doc is not None and self.review is None and not self.problems


def load_shared(root: Path) -> Shared:
    """Load and check the curated files of site-data/ at `root`: places, themes, agencies, indicators."""
    problems: list[Problem] = []
    places = _places(root, problems)
    taxonomy = _taxonomy(root, problems)
    agencies = _agencies(root, problems)
    indicators = _indicators(root, {t.id for t in taxonomy.themes} if taxonomy else None, problems)
    return Shared(places, taxonomy, agencies, indicators, problems)


def document_paths(root: Path) -> list[Path]:
    """The document files under site-data/ at `root`, in the order problems are reported."""
    return sorted((root / "documents").glob("*.yaml"))


def check_document(path: Path, root: Path, shared: Shared) -> Checked:
    """Read and check one document file against the curated files (nothing else: a document stands alone)."""
    problems: list[Problem] = []
    doc, loaded = _parse(path, root.parent, Document, problems)
    if doc is None:
        return Checked(None, problems, {})
    _share_field_sets(doc, {})
    found = _check_document(doc, loaded, shared.places, shared.theme_ids, root)
    if doc.review:  # a draft never blocks the site: what it lacks is reported with its open items
        return Checked(doc, found, {}, review=_review_items(doc, loaded))
    lines = {(doc.id, prov.id): (loaded.label, loaded.line_of(loc + ("id",)), _field(loc))
             for loc, prov, _ in _walk(doc.outline, ("outline",), None)}
    return Checked(doc, found + _complete(doc, loaded), lines)


def _share_field_sets(model: BaseModel, sets: dict[frozenset, set]) -> None:
    """Give every model in `model` with the same fields set one set of their names, not a set each.

    Pydantic keeps a set per model (which fields were given), which nothing here reads; a set each was a
    tenth of a national atlas's memory. Pickled once per document, they stay shared when read back.
    """
    own = model.__pydantic_fields_set__
    model.__pydantic_fields_set__ = sets.setdefault(frozenset(own), own)
    for name in type(model).model_fields:
        value = getattr(model, name)
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, BaseModel):
                _share_field_sets(item, sets)


def load_data(root: Path, checked: list[Checked] | None = None, shared: Shared | None = None) -> Data:
    """Load and validate site-data/ at `root`; raise InvalidData with every problem found.

    `checked`, `shared`: what the map already read (per_document.py), else every file is read here.
    """
    shared = shared or load_shared(root)
    paths = document_paths(root)
    if checked is None:
        checked = [check_document(path, root, shared) for path in paths]
    problems = list(shared.problems)
    if not paths:
        problems.append(Problem(_label(root / "documents", root.parent), 1, "(directory)", "at least one document YAML",
                                "none", "import one with `policy-atlas import RAW.txt`"))
    documents: list[Document] = []
    lines: dict[tuple[str, str], tuple[str, int, str]] = {}
    drafts: list[Draft] = []
    for c in checked:
        if c.review is not None:
            drafts.append(Draft(c.doc, c.review + c.problems))
            continue
        problems += c.problems
        if c.doc is not None:
            documents.append(c.doc)
            lines.update(c.lines)
    if problems:
        raise InvalidData(problems)
    return Data(root=root, places=shared.places, taxonomy=shared.taxonomy, agencies=shared.agencies,
                indicators=shared.indicators, documents=documents, lines=lines, drafts=drafts)


def _review_items(doc: Document, loaded: Loaded) -> list[Problem]:
    """One problem per open review item, at its line in the YAML."""
    return [Problem(loaded.label, loaded.line_of(("review", i)), f"review[{i}] ({item.field})",
                    "the question settled and the item deleted", item.question + (f" (raw line {item.line})" if item.line else ""),
                    item.hint) for i, item in enumerate(doc.review)]


def _complete(doc: Document, loaded: Loaded) -> list[Problem]:
    """A reviewed document has what a page needs: title, issuer, genre, level and an outline."""
    out = []
    for name in ("title", "issuer", "doc_type", "level", "outline"):
        if not getattr(doc, name):
            out.append(Problem(loaded.label, loaded.line_of((name,)), name, "a value", "nothing",
                               f"add `{name}:`; {SCHEMA_HINT} (or keep a review item open: a draft is not published)"))
    return out


def load_places(root: Path) -> Gazetteer:
    """Load the national gazetteer with site-data/places.yaml (the importer needs only the gazetteer)."""
    problems: list[Problem] = []
    places = _places(root, problems)
    if problems:
        raise InvalidData(problems)
    return places


def _required(root: Path, name: str, model: type[BaseModel], what: str, hint: str, problems: list[Problem]):
    """Parse the file `name` under `root`, which must exist; return (model or None, Loaded or None)."""
    path = root / name
    if not path.exists():
        problems.append(Problem(_label(path, root.parent), 1, "(file)", f"{what} {name}", "no such file", hint))
        return None, None
    return _parse(path, root.parent, model, problems)


def _places(root: Path, problems: list[Problem]) -> Gazetteer | None:
    curated, loaded = _required(root, "places.yaml", Places, "the curated gazetteer",
                                "copy the layout of site-data/places.yaml from the README", problems)
    if curated is None:
        return None
    gazetteer = build_gazetteer(curated)
    found = _check_places(curated, loaded, gazetteer)
    problems.extend(found)
    return None if found else gazetteer


def _taxonomy(root: Path, problems: list[Problem]) -> Taxonomy | None:
    taxonomy, loaded = _required(root, "themes.yaml", Taxonomy, "the theme taxonomy",
                                 "copy site-data/themes.yaml from the project and adapt it", problems)
    if taxonomy is None:
        return None
    problems.extend(_duplicate_ids(loaded, "themes", taxonomy.themes, "a theme id"))
    for i, theme in enumerate(taxonomy.themes):
        if theme.structural is None and not theme.terms:
            problems.append(Problem(loaded.label, loaded.line_of(("themes", i, "id")), f"themes[{i}].terms",
                                    "at least one term", "none",
                                    "list the words that signal the theme, or set structural: notice"))
        for field in ("terms", "weak_terms"):
            problems.extend(_empty_entries(loaded, ("themes", i, field), getattr(theme, field), "a non-empty term"))
    return taxonomy


def _duplicate_ids(loaded: Loaded, key: str, items: list, what: str, field: str = "id",
                   expected: str = "{what} used once", hint: str = "rename one of them") -> list[Problem]:
    """Report each id (or other `field`) used again in the list `key` of a curated file, at its second use."""
    seen: dict[str, int] = {}
    out = []
    for i, item in enumerate(items):
        value, at = getattr(item, field), loaded.line_of((key, i, field))
        if value in seen:
            out.append(Problem(loaded.label, at, f"{key}[{i}].{field}", expected.format(what=what),
                               f"{value!r}, already used at line {seen[value]}", hint))
        seen.setdefault(value, at)
    return out


def _empty_entries(loaded: Loaded, loc: tuple, values: list[str], what: str) -> list[Problem]:
    """Report blank strings in a list of terms, names or phrases."""
    return [Problem(loaded.label, loaded.line_of(loc + (j,)), _field(loc + (j,)), what, repr(v), "remove the empty entry")
            for j, v in enumerate(values) if not v.strip()]


def _agencies(root: Path, problems: list[Problem]) -> Agencies | None:
    agencies, loaded = _required(root, "agencies.yaml", Agencies, "the agency list",
                                 "copy site-data/agencies.yaml from the project and adapt it", problems)
    if agencies is None:
        return None
    problems.extend(_duplicate_ids(loaded, "agencies", agencies.agencies, "an agency id"))
    names: dict[str, tuple[str, int]] = {}
    for i, agency in enumerate(agencies.agencies):
        problems.extend(_empty_entries(loaded, ("agencies", i, "aliases"), agency.aliases, "a non-empty name"))
        for j, alias in enumerate(agency.aliases):
            line = loaded.line_of(("agencies", i, "aliases", j))
            key = fold(alias.strip())
            if key and key in names and names[key][0] != agency.id:
                owner, first = names[key]
                problems.append(Problem(loaded.label, line, f"agencies[{i}].aliases[{j}]", "a name that belongs to one agency",
                                        f"{alias!r}, already an alias of {owner!r} at line {first}",
                                        "keep the name under the agency it denotes"))
            if key:
                names.setdefault(key, (agency.id, line))
    return agencies


def _indicators(root: Path, theme_ids: set[str] | None, problems: list[Problem]) -> Indicators | None:
    indicators, loaded = _required(root, "indicators.yaml", Indicators, "the indicator list",
                                   "copy site-data/indicators.yaml from the project and adapt it", problems)
    if indicators is None:
        return None
    problems.extend(_duplicate_ids(loaded, "indicators", indicators.indicators, "an indicator id"))
    for i, ind in enumerate(indicators.indicators):
        problems.extend(_empty_entries(loaded, ("indicators", i, "phrases"), ind.phrases, "a non-empty phrase"))
        if theme_ids is not None and ind.theme not in theme_ids:
            problems.append(Problem(loaded.label, loaded.line_of(("indicators", i, "theme")), f"indicators[{i}].theme",
                                    "a theme id of site-data/themes.yaml", repr(ind.theme),
                                    "use one of: " + ", ".join(sorted(theme_ids))))
        if ind.unit not in UNITS:
            problems.append(Problem(loaded.label, loaded.line_of(("indicators", i, "unit")), f"indicators[{i}].unit",
                                    "a unit the target extractor normalises to", repr(ind.unit),
                                    "use one of: " + " ".join(UNITS)))
    return indicators


def _label(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def _parse(path: Path, base: Path, model: type[BaseModel], problems: list[Problem]):
    loaded = load_yaml(path, _label(path, base))
    if isinstance(loaded, Problem):
        problems.append(loaded)
        return None, None
    return _validate(loaded, model, problems), loaded


def _validate(loaded: Loaded, model: type[BaseModel], problems: list[Problem]):
    if not isinstance(loaded.data, dict):
        problems.append(Problem(loaded.label, 1, "(file)", "a mapping of fields", type(loaded.data).__name__,
                                SCHEMA_HINT))
        return None
    try:
        return model.model_validate(loaded.data)
    except ValidationError as exc:
        problems.extend(_explain(err, loaded, model) for err in exc.errors())
        return None


def _field(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def _explain(err: dict, loaded: Loaded, model: type[BaseModel]) -> Problem:
    """Turn one pydantic error into expected / found / hint."""
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind, value = err["type"], err.get("input")
    line = loaded.line_of(loc)
    field = _field(loc)
    if kind == "extra_forbidden":
        known = ", ".join(_known_fields(model, loc[:-1]))
        return Problem(loaded.label, line, field, f"one of the known fields ({known})",
                       f"unknown field {loc[-1]!r}", "check the spelling, or remove the field")
    if kind == "missing":
        return Problem(loaded.label, line, field, "a value", "nothing", f"add `{loc[-1]}:`; {SCHEMA_HINT}")
    if kind == "literal_error":
        return Problem(loaded.label, line, field, f"one of {err['ctx']['expected']}", repr(value),
                       _LITERAL_HINTS.get(str(loc[-1]), SCHEMA_HINT))
    if kind.startswith("date") or kind.startswith("datetime"):
        return Problem(loaded.label, line, field, "a date written YYYY-MM-DD", repr(value),
                       "write e.g. 2023-05-12 without quotes")
    if kind == "string_type":
        return Problem(loaded.label, line, field, "text", f"{type(value).__name__} {value!r}",
                       "put the value in quotes, e.g. id: '3.2' (YAML reads 3.2 as a number)")
    if kind == "string_pattern_mismatch":
        return Problem(loaded.label, line, field, f"text matching {err['ctx']['pattern']}", repr(value),
                       _PATTERN_HINTS.get(str(loc[-1]), SCHEMA_HINT))
    if kind in ("list_type", "dict_type", "int_type", "bool_type"):
        what = {"list_type": "a list (one `- item` per line)", "dict_type": "a mapping of fields",
                "int_type": "a whole number", "bool_type": "true or false"}[kind]
        return Problem(loaded.label, line, field, what, f"{type(value).__name__} {value!r}", SCHEMA_HINT)
    if kind in ("too_short", "string_too_short"):
        return Problem(loaded.label, line, field, "a non-empty value", repr(value), SCHEMA_HINT)
    return Problem(loaded.label, line, field, err["msg"].lower(), repr(value), SCHEMA_HINT)


_LITERAL_HINTS = {
    "level": "a prefecture-level city is prefecture, a county-level city is county",
    "script": "zh-Hans for simplified characters, zh-Hant for traditional",
    "kind": "numbered units are part/section/item/subitem by depth; unnumbered ones paragraph",
}
_PATTERN_HINTS = {
    "id": "document ids look like yangxian-2023-work-points; provision ids like '3.2', 'p1' or 'notice.p1'",
    "source_sha256": "run `sha256sum site-data/raw/FILE` and paste the 64 hex digits",
    "slug": "lower-case ASCII letters and digits, e.g. yangxian",
}


def _known_fields(model: type[BaseModel], loc: tuple) -> list[str]:
    current: type[BaseModel] = model
    for part in loc:
        if isinstance(part, int):
            continue
        ann = current.model_fields[part].annotation
        nested = [a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not nested:
            break
        current = nested[0]
    return list(current.model_fields)


def _check_document(doc: Document, loaded: Loaded, places: Gazetteer | None, theme_ids: set[str] | None,
                    root: Path) -> list[Problem]:
    """Cross-field checks the schema cannot express; those against an unreadable curated file are left out."""
    out: list[Problem] = []
    at = loaded.line_of

    def add(loc: tuple, field: str, expected: str, found: str, hint: str) -> None:
        out.append(Problem(loaded.label, at(loc), field, expected, found, hint))

    if doc.id != loaded.path.stem:
        add(("id",), "id", f"the file name {loaded.path.stem!r}", repr(doc.id), "rename the file or fix the id")
    if places is not None and doc.level not in (None, "national"):
        unknown = [lvl for lvl in ("province", "prefecture", "county")
                   if getattr(doc, lvl) is not None and getattr(doc, lvl) not in places.by_name]
        for level in unknown:
            add((level,), level, "a place of the national gazetteer", repr(getattr(doc, level)),
                "check the name against the official list, or add the place to site-data/places.yaml")
        named = doc.county or doc.prefecture or doc.province
        place = places.lookup(doc.province, doc.prefecture, doc.county)
        if named is None:
            add(("level",), doc.level, f"a {doc.level} name because level is {doc.level}", "nothing",
                f"set {'county' if doc.level == 'district' else doc.level}: or correct level")
        elif place is None and not unknown:
            add(("province",), "province", "province, prefecture and county that enclose one another",
                f"{doc.province!r} > {doc.prefecture!r} > {doc.county!r}", "copy the chain from the gazetteer")
        elif place is not None and place.level != doc.level:
            add(("level",), "level", f"{place.level}, the level of {place.name}", repr(doc.level),
                "a county-level city is county, a city district district, a prefecture-level city prefecture")
    raw = root / "raw" / doc.source_file
    if not raw.exists():
        add(("source_file",), "source_file", "a file in site-data/raw/", repr(doc.source_file),
            "keep the raw text beside the data for provenance")
    elif hashlib.sha256(raw.read_bytes()).hexdigest() != doc.source_sha256:
        add(("source_sha256",), "source_sha256", f"the SHA-256 of site-data/raw/{doc.source_file}",
            doc.source_sha256[:12] + "…", "the raw file changed: re-import it, or restore the original bytes")
    seen: dict[str, tuple] = {}
    texts: dict[str, str] = {}
    for loc, prov, parent in _walk(doc.outline, ("outline",), None):
        if prov.id in seen:
            add(loc + ("id",), f"{_field(loc)}.id", "a provision id unique in the document",
                f"{prov.id!r}, already used at line {at(seen[prov.id] + ('id',))}", "renumber one of them")
        seen.setdefault(prov.id, loc)
        if parent is not None and not prov.id.startswith(parent.id + "."):
            add(loc + ("id",), f"{_field(loc)}.id", f"an id under its parent {parent.id!r}", repr(prov.id),
                f"write it as {parent.id}.<segment>")
        texts[prov.id] = "".join(filter(None, [prov.label, prov.heading, prov.heading_end, prov.text]))
        if len(prov.text or "") > MAX_PROVISION_CHARS:
            add(loc + ("text",), f"{_field(loc)}.text", f"a provision of at most {MAX_PROVISION_CHARS:,} characters",
                f"{len(prov.text):,} characters", "a unit this long is an import error: split it at its numbering, "
                "or check that the raw text kept its line breaks")
        for j, theme in enumerate(prov.themes or []):
            if theme_ids is not None and theme not in theme_ids:
                add(loc + ("themes", j), f"{_field(loc)}.themes[{j}]", "a theme id from site-data/themes.yaml",
                    repr(theme), "copy the id from themes.yaml, e.g. hukou-reform")
        if prov.themes is not None and not prov.themes:
            add(loc + ("themes",), f"{_field(loc)}.themes", "at least one theme id", "an empty list",
                "name the themes, or remove the field to use the automatic classification")
    for i, corr in enumerate(doc.corrections):
        loc = ("corrections", i)
        if corr.provision is not None and corr.provision not in texts:
            add(loc + ("provision",), f"corrections[{i}].provision", "the id of a provision of this document",
                repr(corr.provision), "copy the id from the outline")
        elif corr.provision is not None and corr.original not in texts[corr.provision]:
            add(loc + ("original",), f"corrections[{i}].original",
                f"characters found in provision {corr.provision}", repr(corr.original),
                "copy the damaged passage exactly as it stands in the text")
    return out


def _walk(provisions: list[Provision], loc: tuple, parent: Provision | None):
    for i, prov in enumerate(provisions):
        here = loc + (i,)
        yield here, prov, parent
        yield from _walk(prov.children, here + ("children",), prov)


def _check_places(curated: Places, loaded: Loaded, gazetteer: Gazetteer) -> list[Problem]:
    out = []
    for i, place in enumerate(curated.places):
        at = loaded.line_of(("places", i, "name"))
        if place.parent and place.parent not in gazetteer.by_name:
            out.append(Problem(loaded.label, loaded.line_of(("places", i, "parent")), f"places[{i}].parent",
                               "the name of another place", repr(place.parent), "add the parent place first"))
        listed = any(d.kind != "curated" for d in gazetteer.by_name.get(place.name, []))
        if place.level is None and not listed:
            out.append(Problem(loaded.label, at, f"places[{i}].level", "a level for a place the code list lacks",
                               "nothing", "add level: province, prefecture, county or district"))
    out += _duplicate_ids(loaded, "places", curated.places, "slug", "slug", "a {what} used by one place",
                          "give each place its own name and slug")
    # A curated slug must not take the derived slug of another division either.
    for i, place in enumerate(curated.places):
        other = gazetteer.by_slug.get(place.slug)
        if other is not None and other.kind != "curated" and other.name != place.name:
            out.append(Problem(loaded.label, loaded.line_of(("places", i, "slug")), f"places[{i}].slug",
                               "a slug used by one place", f"{place.slug!r}, the slug of {other.name} ({other.code})",
                               "give each place its own name and slug"))
    names = [(p.name, p.parent) for p in curated.places]
    for i, key in enumerate(names):
        if key in names[:i]:
            first = loaded.line_of(("places", names.index(key), "name"))
            out.append(Problem(loaded.label, loaded.line_of(("places", i, "name")), f"places[{i}].name",
                               "a name used by one place under its parent", f"{key[0]!r}, already used at line {first}",
                               "give each place its own name and slug"))
    return out
