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


def _compared(e: ProvisionEntry) -> tuple[str, str]:
    """The folded heading and body relate compares."""
    return fold(e.provision.heading or ""), body_text(e)


def _groups(site: Site) -> tuple[list[ProvisionEntry], list[bytes], list[list[int]], list[str], list[str]]:
    """Return the comparable provisions and what is shown of each (shown_keys), their groups of identical texts (the
    provisions' indices, in site order), and each group's folded body and compared text (heading + body). A text is
    held once per group, not per copy: local plans copy whole paragraphs, and a national atlas's texts are hundreds
    of megabytes."""
    entries: list[ProvisionEntry] = []
    shown: list[bytes] = []
    group: dict[bytes, int] = {}
    members: list[list[int]] = []
    folded: list[str] = []
    texts: list[str] = []
    for page in site.documents:
        keys = page.compared or text_keys(page)  # a page made outside the map has none
        said = page.shown or shown_keys(page)
        for k, e in enumerate([x for x in page.provisions if _comparable(x)]):
            i = len(entries)
            entries.append(e)
            shown.append(said[k * SHOWN_SIZE:(k + 1) * SHOWN_SIZE])
            g = group.setdefault(keys[k * KEY_SIZE:(k + 1) * KEY_SIZE], len(members))
            if g == len(members):
                head, body = _compared(e)
                members.append([])
                folded.append(body)
                texts.append(head + "。" + body)
            members[g].append(i)
    return entries, shown, members, folded, texts


def vocabulary(site: Site) -> Vocabulary:
    """Count, over the site's comparable provisions, the texts holding each term."""
    return Vocabulary.of(tokens(squeeze(t)[0]) for t in dict.fromkeys(_groups(site)[4]))


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


RING = 1 << 64  # a provision's place on its group's ring: the first 8 bytes of its id's digest


def ring_key(pid: str) -> int:
    """Return where provision `pid` stands on the ring of its group of identical texts."""
    return int.from_bytes(hashlib.blake2b(pid.encode(), digest_size=8).digest(), "big")


Ring = tuple[list[int], list[int]]  # a group's members' ring keys, ascending, and the members in that order
Pick = tuple[float, int, int, float]  # -score (rounded), distance on the ring, provision, score as shown


def _picked(near: list[tuple[float, int]], rings: list[Ring], at: int, own: DocumentPage,
            doc_of: list[DocumentPage]) -> list[Pick]:
    """Return the TOP provisions of the groups `near` one (score, group; best first) in documents other than `own`:
    best score first, equal scores by how far each follows `at` on its group's ring.

    Why a ring, not the smallest ids: a text 2,000 documents copy would otherwise list the same three copies on
    every page, and an edit of one of them would change 2,000 pages. On the ring each copy is listed by about TOP
    others, so an edit or a new document changes the lists of about TOP provisions of each group it touches."""
    best: list[Pick] = []
    for score, h in near:
        rank = -round(score, 6)
        if len(best) == TOP and rank > best[-1][0]:
            break  # `near` is best first: no later group can displace what is kept
        keys, members = rings[h]
        n, start, taken = len(members), bisect_right(keys, at), 0
        for step in range(n):
            k = (start + step) % n
            if doc_of[members[k]] is not own:
                best.append((rank, (keys[k] - at) % RING, members[k], round(float(score), 3)))
                taken += 1
                if taken == TOP:
                    break
        best.sort()
        del best[TOP:]
    return best


def relate(site: Site, vocab: Vocabulary | None = None) -> None:
    """Fill `related` on every comparable provision: up to TOP from other documents, above THRESHOLD."""
    entries, shown, members, folded, texts = _groups(site)
    if len(entries) < 2:
        return
    # Identical texts form one group, scored once: a paragraph copied by 200 counties is one row, not 200.
    at = [ring_key(e.id) for e in entries]
    rings: list[Ring] = []
    group_of = [0] * len(entries)
    for g, m in enumerate(members):
        m.sort(key=at.__getitem__)
        rings.append(([at[i] for i in m], m))
        for i in m:
            group_of[i] = g
    near: list[list[tuple[float, int]]] = [[(1.0, g)] for g in range(len(members))]  # a group is identical to itself
    for g, h, score in similar_pairs(vectors(texts, vocab)):
        near[g].append((score, h))
        near[h].append((score, g))
    for n in near:
        n.sort(key=lambda x: -round(x[0], 6))
    del texts
    doc_of = [e.page for e in entries]
    # What one provision shows of another is the same for every copy of its text: kept for texts with copies only (a
    # corpus of distinct texts would otherwise hold every text's pieces at once).
    grams: dict[int, set[str]] = {}
    spans: dict[tuple[int, int], list[tuple[int, int]]] = {}  # (group, group listed) -> spans in the one listed
    made: dict[tuple[int, int], Related] = {}  # (group, provision listed) -> what every copy shows of it
    for i, e in enumerate(entries):
        g = group_of[i]
        copied = len(members[g]) > 1
        related, mine = [], None
        for _, _, j, score in _picked(near[g], rings, at[i], doc_of[i], doc_of):
            r = made.get((g, j))
            if r is None:
                h = group_of[j]
                theirs = spans.get((g, h))
                if theirs is None:
                    mine = mine or grams.get(g) or _grams(folded[g], SHARED_MIN)
                    theirs = _spans(folded[h], mine, SHARED_MIN)
                    if copied:
                        grams[g], spans[(g, h)] = mine, theirs
                text = entries[j].provision.text or ""
                r = Related(entries[j], score, sorted({text[s:t] for s, t in theirs}, key=lambda x: (-len(x), x)), theirs,
                            shown[j])
                if copied:
                    made[(g, j)] = r
            related.append(r)
        e.related = related
