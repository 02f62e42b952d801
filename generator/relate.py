"""Pipeline stage `relate`: for each provision, the most similar provisions in other documents.

Similarity is the cosine of TF-IDF vectors over jieba words and character bigrams of the
folded text (simplified script, responsibility notes blanked), so a traditional and a
simplified text of the same words score 1. Deterministic: ties break on provision id.

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
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
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


def _compared(e: ProvisionEntry) -> tuple[str, str]:
    """The folded heading and body relate compares."""
    return fold(e.provision.heading or ""), body_text(e)


def _groups(site: Site) -> tuple[list[ProvisionEntry], list[list[int]], list[str], list[str]]:
    """Return the comparable provisions, their groups of identical texts (the provisions' indices, in site order),
    and each group's folded body and compared text (heading + body). A text is held once per group, not per copy:
    local plans copy whole paragraphs, and a national atlas's texts are hundreds of megabytes."""
    entries: list[ProvisionEntry] = []
    group: dict[bytes, int] = {}
    members: list[list[int]] = []
    folded: list[str] = []
    texts: list[str] = []
    for page in site.documents:
        keys = page.compared or text_keys(page)  # a page made outside the map has none
        for k, e in enumerate([x for x in page.provisions if _comparable(x)]):
            i = len(entries)
            entries.append(e)
            g = group.setdefault(keys[k * KEY_SIZE:(k + 1) * KEY_SIZE], len(members))
            if g == len(members):
                head, body = _compared(e)
                members.append([])
                folded.append(body)
                texts.append(head + "。" + body)
            members[g].append(i)
    return entries, members, folded, texts


def vocabulary(site: Site) -> Vocabulary:
    """Count, over the site's comparable provisions, the texts holding each term."""
    return Vocabulary.of(tokens(squeeze(t)[0]) for t in dict.fromkeys(_groups(site)[3]))


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


Candidate = tuple[float, str, int, float, bool]  # -score (rounded), id, provision, score as shown, last taken of a group cut


def _ranked(near: list[tuple[float, int]], members: list[list[int]], ids: list[str], doc_of: list[DocumentPage],
            take: int, own: DocumentPage | None = None) -> list[Candidate]:
    """Return the provisions of the groups near one (`near`: score, group), best first (score, then id): from each
    group its first `take` in documents other than `own` (any document when None), the last marked when the group had
    more. Within a group every score is equal, so its smallest ids suffice."""
    found = []
    for score, h in near:
        rank, shown = -round(score, 6), round(float(score), 3)
        taken = list(islice((j for j in members[h] if own is None or doc_of[j] is not own), take + 1))
        cut = len(taken) > take
        found.extend((rank, ids[j], j, shown, cut and k == take - 1) for k, j in enumerate(taken[:take]))
    return sorted(found)


def _best(ranked: list[Candidate], doc_of: list[DocumentPage], own: DocumentPage) -> list[Candidate] | None:
    """Return the TOP best of `ranked` in documents other than `own`, or None when that needs a provision the ranking
    left out (it passed the last taken of a group that had more)."""
    best: list[Candidate] = []
    for c in ranked:
        if doc_of[c[2]] is not own:
            best.append(c)
            if len(best) == TOP:
                return best
        if c[4]:
            return None
    return best


def relate(site: Site, vocab: Vocabulary | None = None) -> None:
    """Fill `related` on every comparable provision: up to TOP from other documents, above THRESHOLD."""
    entries, members, folded, texts = _groups(site)
    if len(entries) < 2:
        return
    # Identical texts form one group, scored once: a paragraph copied by 200 counties is one row, not 200.
    ids = [e.id for e in entries]
    for m in members:
        m.sort(key=ids.__getitem__)
    group_of = [0] * len(entries)
    for g, m in enumerate(members):
        for i in m:
            group_of[i] = g
    near: list[list[tuple[float, int]]] = [[(1.0, g)] for g in range(len(members))]  # a group is identical to itself
    for g, h, score in similar_pairs(vectors(texts, vocab)):
        near[g].append((score, h))
        near[h].append((score, g))
    del texts
    doc_of = [e.page for e in entries]
    # A copied text's pieces, and its shared wording with each other provision, are the same for every copy: kept
    # for texts with copies only (a corpus of distinct texts would otherwise hold every text's pieces at once).
    grams: dict[int, set[str]] = {}
    wording: dict[tuple[int, int], tuple[list[str], list[tuple[int, int]]]] = {}  # (group, j) -> (shared, spans)
    ranked: dict[int, list[Candidate]] = {}  # a copied text's candidates, for every copy
    lists: dict[tuple[int, ...], list[Related]] = {}  # (group, provisions) -> the one list the copies listing them share
    for i, e in enumerate(entries):
        g = group_of[i]
        copied = len(members[g]) > 1
        best = None
        if copied:  # ranked once for the group, each provision then leaves out its own document's
            if g not in ranked:
                ranked[g] = _ranked(near[g], members, ids, doc_of, 2 * TOP)
            best = _best(ranked[g], doc_of, doc_of[i])
        if best is None:  # no copies, or its document holds more of the candidates than the group's ranking spared
            best = _ranked(near[g], members, ids, doc_of, TOP, doc_of[i])[:TOP]
        key = (g, *[c[2] for c in best])
        related = lists.get(key)
        if related is None:
            mine, related = None, []
            for _, _, j, score, _ in best:
                said = wording.get((g, j))
                if said is None:
                    mine = mine or grams.get(g) or _grams(folded[g], SHARED_MIN)
                    theirs = _spans(folded[group_of[j]], mine, SHARED_MIN)
                    text = entries[j].provision.text or ""
                    said = sorted({text[s:t] for s, t in theirs}, key=lambda x: (-len(x), x)), theirs
                    if copied:
                        grams[g], wording[(g, j)] = mine, said
                related.append(Related(entries[j], score, *said))
            if copied:
                lists[key] = related
        e.related = related
