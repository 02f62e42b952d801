"""Pipeline stage `relate`: for each provision, the most similar provisions in other documents.

Similarity is the cosine of TF-IDF vectors over jieba words and character bigrams of the
folded text (simplified script, responsibility notes blanked), so a traditional and a
simplified text of the same words score 1. Deterministic: equal scores break on where each
provision's id stands on a ring of digests (_picked), so copies of one text list each other evenly.

THRESHOLD was read off the five seed documents by reviewing every pair from 0.13 up: the
top scores are about 0.35 (green buildings, county-seat gaps, housing); from 0.16 up every
pair shares a task (smart city, characteristic towns, job training, leadership), while the
0.15 band starts to pair texts that share only the genre's stock phrases (规划引领 with
县域经济高质量发展). Bigrams keep scores low in absolute terms; the ranking is what counts.

At national scale (issue 12) the cost must grow about linearly and adding a document must not
move every score:
- weights come from a stored vocabulary (site-data/vocabulary.tsv: document frequencies over a
  reference corpus, refreshed deliberately with `policy-atlas vocabulary`), not from the corpus
  being built; without the file the corpus itself is the reference;
- identical texts (local plans copy whole paragraphs) are scored once, as one group, found by a digest
  of each text made in the map (text_keys, cached with the document), so a build folds and hashes only
  one text of each group;
- only texts sharing one of their KEYS heaviest terms are scored (candidate blocking); on the
  seeds this finds every pair the all-pairs comparison finds (tests/test_relate.py).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from bisect import bisect_right
from collections.abc import Iterable
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from .chinese import fold, load_jieba, squeeze
from .classify import body_text
from .link import DocumentPage, ProvisionEntry, Related, Site

THRESHOLD = 0.16
TOP = 3
MIN_CHARS = 24  # shorter units (addressees, dates, signatures) have nothing to compare
SHARED_MIN = 6  # local plans copy phrases of 6+ characters, e.g. 产业配套设施提质增效
KEYS = 40  # a text's heaviest terms; two texts are scored only if they share one
PAIRS = 200_000  # candidate pairs scored at a time: bounds memory on large corpora
VOCABULARY = "vocabulary.tsv"  # under site-data/
KEY_SIZE = 16  # bytes of a text's digest (text_keys): no two of a national atlas's texts share one
SHOWN_SIZE = 8  # bytes of the digest of what is shown of a provision (shown_keys): compared only with its own last
RING_SIZE = 8  # bytes of a provision's place on its group's ring (ring_keys)
RING = 1 << 8 * RING_SIZE

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+")


def tokens(text: str) -> list[str]:
    """Return the jieba words and character bigrams of folded `text` (punctuation dropped)."""
    jieba = load_jieba()
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        out.extend(w for w in jieba.lcut(run) if len(w) > 1 or not w.isascii())
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


@dataclass(frozen=True)
class Vocabulary:
    """How many texts of a reference corpus hold each term: idf weights that stay put while the atlas grows."""

    texts: int  # texts in the reference corpus
    df: dict[str, int]  # term -> texts holding it; a term missing counts as held by one

    def idf(self, term: str) -> float:
        """Smoothed idf, as before the vocabulary was stored: log((1 + n) / (1 + df)) + 1."""
        return math.log((1 + self.texts) / (1 + self.df.get(term, 1))) + 1

    def text(self) -> str:
        """Return the TSV stored in site-data/: a header with the corpus size, then each term and its count."""
        rows = sorted(self.df.items())
        return f"# texts\t{self.texts}\n" + "".join(f"{t}\t{k}\n" for t, k in rows)

    @classmethod
    def of(cls, texts: Iterable[Iterable[str]]) -> Vocabulary:
        """Count, over texts given as their terms, the texts holding each term (one text: as if unseen, not stored)."""
        df: Counter[str] = Counter()
        n = 0
        for terms in texts:
            df.update(set(terms))
            n += 1
        return cls(n, {t: k for t, k in df.items() if k > 1})

    @classmethod
    def parse(cls, text: str) -> Vocabulary:
        lines = text.splitlines()
        texts = int(lines[0].split("\t")[1])
        return cls(texts, {t: int(k) for t, k in (line.split("\t") for line in lines[1:] if line)})


def read_vocabulary(site_data: Path) -> Vocabulary | None:
    """Return the stored vocabulary, or None when site-data/ has none."""
    path = site_data / VOCABULARY
    return Vocabulary.parse(path.read_text(encoding="utf-8")) if path.exists() else None


def text_keys(page: DocumentPage) -> bytes:
    """Return the digest of each comparable provision's compared text (folded heading and body), joined: the map's
    share of relate, so that the reduce groups identical texts without folding every copy."""
    return b"".join(hashlib.blake2b("\0".join(_compared(e)).encode(), digest_size=KEY_SIZE).digest()
                    for e in page.provisions if _comparable(e))


def shown_keys(page: DocumentPage) -> bytes:
    """Return the digest of what a page listing each comparable provision as similar shows of it (where it is, what
    it is called, its words), joined in text_keys' order: made in the map, so that after an edit only the pages
    listing a provision whose digest changed are made again (render.shown_from_others), at no cost to the others."""
    return b"".join(hashlib.blake2b(repr((e.id, e.url, page.doc.title, page.jurisdiction, e.name, e.provision.text))
                                    .encode(), digest_size=SHOWN_SIZE).digest() for e in page.provisions if _comparable(e))


def ring_key(pid: str) -> bytes:
    """Return where provision `pid` stands on the ring of its group of identical texts (_picked): the first RING_SIZE
    bytes of its id's digest, read big-endian."""
    return hashlib.blake2b(pid.encode(), digest_size=RING_SIZE).digest()


def ring_keys(page: DocumentPage) -> bytes:
    """Return ring_key of each comparable provision, joined in text_keys' order (made in the map)."""
    return b"".join(ring_key(e.id) for e in page.provisions if _comparable(e))


def comparable_places(page: DocumentPage) -> array:
    """Return the place in page.provisions of each comparable provision, in text_keys' order."""
    return array("I", (i for i, e in enumerate(page.provisions) if _comparable(e)))


def map_keys(page: DocumentPage) -> tuple[bytes, bytes, bytes, array]:
    """Return what the map gives each document for relate: its text_keys, shown_keys, ring_keys and
    comparable_places."""
    return text_keys(page), shown_keys(page), ring_keys(page), comparable_places(page)


def compared_texts(page: DocumentPage) -> list[tuple[str, str, str, str, str | None]]:
    """Return, for each comparable provision in text_keys' order, the folded heading and body relate compares, and
    the id, name and text a page listing it as similar shows (DocumentPage.listed): kept by the map beside its
    result, so that neither reads the provisions (per_document.Body.texts)."""
    return [(*_compared(e), e.id, e.name, e.provision.text) for e in page.provisions if _comparable(e)]


def _texts(page: DocumentPage) -> list[tuple[str, ...]]:
    """compared_texts of `page`, as the map kept them when its provisions are not read."""
    return page.body.texts(page) if page.body is not None else compared_texts(page)


def keyed(page: DocumentPage) -> DocumentPage:
    """Give a page made outside the map (tests, `generate` without it) what the map gives each for relate."""
    if page.comparable is None:
        page.compared, page.shown, page.ring, page.comparable = map_keys(page)
    return page


def _compared(e: ProvisionEntry) -> tuple[str, str]:
    """The folded heading and body relate compares."""
    return fold(e.provision.heading or ""), body_text(e)


@dataclass
class _Comparable:
    """The site's comparable provisions (in site order) and what relate needs of each, and their groups of identical
    texts. A text is held once per group, not per copy: local plans copy whole paragraphs, and a national atlas's
    texts are hundreds of megabytes. No provision is read: the map keeps what relate needs of each document."""

    doc_of: list[DocumentPage]  # each one's document
    place: list[int]  # each one's place among its document's comparable provisions (in its page's keys)
    members: list[list[int]]  # each group's provisions (indices into doc_of), in site order
    folded: list[str]  # each group's folded body
    texts: list[str]  # each group's compared text (heading + body)


def _groups(site: Site) -> _Comparable:
    """Gather the comparable provisions and group identical texts by the map's digests (text_keys); read a document's
    compared texts only when it holds a text no document before it holds."""
    out = _Comparable([], [], [], [], [])
    group: dict[bytes, int] = {}
    for page in map(keyed, site.documents):
        compared, texts = page.compared, None
        for k in range(len(page.comparable)):
            i = len(out.doc_of)
            out.doc_of.append(page)
            out.place.append(k)
            g = group.setdefault(compared[k * KEY_SIZE:(k + 1) * KEY_SIZE], len(out.members))
            if g == len(out.members):
                texts = texts or _texts(page)
                head, body = texts[k][:2]
                out.members.append([])
                out.folded.append(body)
                out.texts.append(head + "。" + body)
            out.members[g].append(i)
    return out


def vocabulary(site: Site) -> Vocabulary:
    """Count, over the site's comparable provisions, the texts holding each term."""
    return Vocabulary.of(tokens(squeeze(t)[0]) for t in dict.fromkeys(_groups(site).texts))


def vectors(texts: list[str], vocab: Vocabulary | None = None) -> sparse.csr_matrix:
    """Return L2-normalised TF-IDF rows (sublinear tf, smoothed idf) for `texts`, weighted by `vocab` (default: `texts`)."""
    counts = [Counter(tokens(squeeze(t)[0])) for t in texts]  # words split by a PDF line wrap count whole
    vocab = vocab or Vocabulary.of(counts)
    column: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for i, c in enumerate(counts):
        for term, k in sorted(c.items()):
            rows.append(i)
            cols.append(column.setdefault(term, len(column)))
            vals.append((1 + math.log(k)) * vocab.idf(term))
    m = sparse.csr_matrix((np.array(vals, dtype=np.float64), (rows, cols)), shape=(len(texts), len(column)))
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sparse.csr_matrix(sparse.diags(1 / norms) @ m)


def similar_pairs(matrix: sparse.csr_matrix, threshold: float = THRESHOLD) -> list[tuple[int, int, float]]:
    """Return (i, j, cosine) for i < j at or above `threshold`, scoring only rows that share one of their KEYS heaviest terms."""
    n = matrix.shape[0]
    keys_rows, keys_cols = [], []
    for i in range(n):
        lo, hi = matrix.indptr[i], matrix.indptr[i + 1]
        heaviest = np.argsort(-matrix.data[lo:hi], kind="stable")[:KEYS]
        keys_rows.extend([i] * len(heaviest))
        keys_cols.extend(matrix.indices[lo:hi][heaviest])
    keys = sparse.csr_matrix((np.ones(len(keys_rows), dtype=np.float32), (keys_rows, keys_cols)), shape=matrix.shape)
    shared = sparse.triu(keys @ keys.T, k=1).tocoo()
    out = []
    for at in range(0, shared.nnz, PAIRS):
        i, j = shared.row[at:at + PAIRS], shared.col[at:at + PAIRS]
        scores = np.asarray(matrix[i].multiply(matrix[j]).sum(axis=1)).ravel()
        keep = scores >= threshold
        out.extend(zip(i[keep].tolist(), j[keep].tolist(), scores[keep].tolist()))
    return out


def shared_spans(a: str, b: str, size: int = SHARED_MIN) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Return the maximal runs of `a` and of `b` made of `size`-character pieces both contain."""
    return _spans(a, _grams(b, size), size), _spans(b, _grams(a, size), size)


def _grams(text: str, size: int) -> set[str]:
    """The `size`-character pieces of `text`, less those touching a blanked note (not shared wording)."""
    return {g for g in (text[i:i + size] for i in range(len(text) - size + 1)) if " " not in g}


def _spans(text: str, grams: set[str], size: int) -> list[tuple[int, int]]:
    """Return the maximal runs of `text` covered by pieces found in `grams` (a piece touching the run extends it)."""
    out: list[tuple[int, int]] = []
    for i in range(len(text) - size + 1):
        if text[i:i + size] in grams:
            if out and i <= out[-1][1]:
                out[-1] = (out[-1][0], i + size)
            else:
                out.append((i, i + size))
    return out


def _comparable(e: ProvisionEntry) -> bool:
    text = e.provision.text
    return text is not None and len(text) >= MIN_CHARS and e.pid.path[0] != "notice"


Ring = tuple[list[int], list[int]]  # a group's members' ring keys, ascending, and the members in that order
Pick = tuple[float, int, int, float]  # -score (rounded), distance on the ring, provision, score as shown
Near = tuple[float, int, float]  # -score (rounded), group, score as shown


def _picked(near: list[Near], rings: list[Ring], g: int, p: int, own: DocumentPage,
            doc_of: list[DocumentPage]) -> list[Pick]:
    """Return the TOP provisions of the groups `near` group `g` (best first) in documents other than `own`, the
    provision at place `p` of g's ring: best score first, equal scores by how far each follows it on its group's ring.

    Why a ring, not the smallest ids: a text 2,000 documents copy would otherwise list the same three copies on
    every page, and an edit of one of them would change 2,000 pages. On the ring each copy is listed by about TOP
    others, so an edit or a new document changes the lists of about TOP provisions of each group it touches."""
    at = rings[g][0][p]
    best: list[Pick] = []
    for seen, (rank, h, shown) in enumerate(near):
        if len(best) >= TOP and rank > best[TOP - 1][0]:
            break  # `near` is best first: no later group can displace what is kept
        keys, members = rings[h]
        n, taken = len(members), 0
        start = p + 1 if h == g else bisect_right(keys, at)
        for step in range(n):
            k = (start + step) % n
            if doc_of[members[k]] is not own:
                best.append((rank, (keys[k] - at) % RING, members[k], shown))
                taken += 1
                if taken == TOP:
                    break
        if seen:  # candidates of two groups: by rank, then place on the ring
            best.sort()
            del best[TOP:]
    return best


def relate(site: Site, vocab: Vocabulary | None = None) -> None:
    """Fill each page's `related`: for each comparable provision, up to TOP from other documents, above THRESHOLD;
    and give them to the provisions read so far (DocumentPage.wire; the others get theirs when read)."""
    c = _groups(site)
    doc_of, members, folded = c.doc_of, c.members, c.folded
    for page in site.documents:
        page.related = [[] for _ in page.comparable]
    if len(doc_of) < 2:
        _wire(site)
        return
    # Identical texts form one group, scored once: a paragraph copied by 200 counties is one row, not 200.
    at = np.frombuffer(b"".join(page.ring for page in site.documents), dtype=f">u{RING_SIZE}").tolist()
    rings: list[Ring] = []
    group_of = [0] * len(doc_of)
    for g, m in enumerate(members):
        m.sort(key=at.__getitem__)
        rings.append(([at[i] for i in m], m))
        for i in m:
            group_of[i] = g
    del at
    near: list[list[tuple[float, int]]] = [[(1.0, g)] for g in range(len(members))]  # a group is identical to itself
    for g, h, score in similar_pairs(vectors(c.texts, vocab)):
        near[g].append((score, h))
        near[h].append((score, g))
    c.texts = []
    for g, m in enumerate(members):
        ranked = sorted([(-round(score, 6), h, round(float(score), 3)) for score, h in near[g]], key=lambda x: x[0])
        # What every copy of the text shows of what it lists, made once: the text's pieces, the spans in each group
        # listed (with a digest of them and the score), each provision listed.
        mine: set[str] | None = None
        spans: dict[int, tuple[list[tuple[int, int]], bytes]] = {}
        made: dict[int, Related] = {}

        def listed(j: int, score: float) -> Related:
            nonlocal mine
            r = made.get(j)
            if r is None:
                h = group_of[j]
                theirs, tail = spans.get(h) or (None, b"")
                if theirs is None:
                    mine = mine or _grams(folded[g], SHARED_MIN)
                    theirs = _spans(folded[h], mine, SHARED_MIN)
                    tail = hashlib.blake2b(repr((score, theirs)).encode(), digest_size=SHOWN_SIZE).digest()
                    spans[h] = theirs, tail
                page, k = doc_of[j], c.place[j]
                r = made[j] = Related(page, k, score, theirs,
                                      page.shown[k * SHOWN_SIZE:(k + 1) * SHOWN_SIZE] + tail)
            return r

        docs = [doc_of[i] for i in m]
        if len(m) > TOP and (len(ranked) == 1 or ranked[1][0] > ranked[0][0]):
            # No other text scores 1 with it: a copy whose TOP next copies on the ring are in other documents lists
            # them (what _picked finds, without the walk: a text 2,000 documents copy has 2,000 copies to list).
            ring = [listed(j, 1.0) for j in m]
            ring += ring[:TOP]
            docs += docs[:TOP]
        else:
            ring = []
        for p, i in enumerate(m):
            if ring and docs[p] not in docs[p + 1:p + 1 + TOP]:
                related = ring[p + 1:p + 1 + TOP]
            else:
                related = [listed(j, score) for _, _, j, score in _picked(ranked, rings, g, p, docs[p], doc_of)]
            doc_of[i].related[c.place[i]] = related
    _wire(site)


def _wire(site: Site) -> None:
    for page in site.documents:
        page.wire()
