"""Pipeline stage `relate`: for each provision, the most similar provisions in other documents.

Similarity is the cosine of TF-IDF vectors over jieba words and character bigrams of the
folded text (simplified script, responsibility notes blanked), so a traditional and a
simplified text of the same words score 1. Deterministic: ties break on provision id.

THRESHOLD was read off the five seed documents by reviewing every pair from 0.13 up: the
top scores are about 0.35 (green buildings, county-seat gaps, housing); from 0.16 up every
pair shares a task (smart city, characteristic towns, job training, leadership), while the
0.15 band starts to pair texts that share only the genre's stock phrases (规划引领 with
县域经济高质量发展). Bigrams keep scores low in absolute terms; the ranking is what counts.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
from scipy import sparse

from .chinese import fold, load_jieba, squeeze
from .classify import body_text
from .link import ProvisionEntry, Related, Site

THRESHOLD = 0.16
TOP = 3
MIN_CHARS = 24  # shorter units (addressees, dates, signatures) have nothing to compare
SHARED_MIN = 6  # local plans copy phrases of 6+ characters, e.g. 产业配套设施提质增效
BLOCK = 512  # rows per dense block of the similarity matrix: bounds memory on large corpora

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+")


def tokens(text: str) -> list[str]:
    """Return the jieba words and character bigrams of folded `text` (punctuation dropped)."""
    jieba = load_jieba()
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        out.extend(w for w in jieba.lcut(run) if len(w) > 1 or not w.isascii())
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def vectors(texts: list[str]) -> sparse.csr_matrix:
    """Return L2-normalised TF-IDF rows (sublinear tf, smoothed idf) for `texts`."""
    counts = [Counter(tokens(squeeze(t)[0])) for t in texts]  # words split by a PDF line wrap count whole
    vocab: dict[str, int] = {}
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    for term in sorted(df):
        vocab[term] = len(vocab)
    n = len(texts)
    rows, cols, vals = [], [], []
    for i, c in enumerate(counts):
        for term, k in c.items():
            rows.append(i)
            cols.append(vocab[term])
            vals.append((1 + math.log(k)) * (math.log((1 + n) / (1 + df[term])) + 1))
    m = sparse.csr_matrix((np.array(vals, dtype=np.float64), (rows, cols)), shape=(n, len(vocab)))
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sparse.diags(1 / norms) @ m


def shared_spans(a: str, b: str, size: int = SHARED_MIN) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Return the maximal runs of `a` and of `b` made of `size`-character pieces both contain."""
    grams: dict[str, list[int]] = {}
    for i in range(len(a) - size + 1):
        if not a[i:i + size].isspace() and " " not in a[i:i + size]:  # blanked notes are not shared wording
            grams.setdefault(a[i:i + size], []).append(i)
    in_a, in_b = [False] * len(a), [False] * len(b)
    for j in range(len(b) - size + 1):
        hits = grams.get(b[j:j + size])
        if hits:
            in_b[j:j + size] = [True] * size
            for i in hits:
                in_a[i:i + size] = [True] * size
    return _runs(in_a), _runs(in_b)


def _runs(marks: list[bool]) -> list[tuple[int, int]]:
    out, start = [], None
    for i, on in enumerate(marks + [False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            out.append((start, i))
            start = None
    return out


def _comparable(e: ProvisionEntry) -> bool:
    return e.has_text and e.pid.path[0] != "notice" and len(e.provision.text or "") >= MIN_CHARS


def relate(site: Site) -> None:
    """Fill `related` on every comparable provision: up to TOP from other documents, above THRESHOLD."""
    entries = [e for page in site.documents for e in page.provisions if _comparable(e)]
    if len(entries) < 2:
        return
    folded = [body_text(e) for e in entries]
    texts = [fold(e.provision.heading or "") + "。" + t for e, t in zip(entries, folded)]
    matrix = vectors(texts)
    number = {page.doc.id: i for i, page in enumerate(site.documents)}
    doc_of = np.array([number[e.page.doc.id] for e in entries])
    ids = [e.id for e in entries]
    for start in range(0, len(entries), BLOCK):
        block = (matrix[start:start + BLOCK] @ matrix.T).toarray()
        for r, row in enumerate(block):
            i = start + r
            row[doc_of == doc_of[i]] = 0  # only other documents
            candidates = np.flatnonzero(row >= THRESHOLD)
            best = sorted(candidates, key=lambda j: (-round(float(row[j]), 6), ids[j]))[:TOP]
            for j in best:
                _, theirs = shared_spans(folded[i], folded[j])
                text = entries[j].provision.text or ""
                shared = sorted({text[s:e] for s, e in theirs}, key=lambda s: (-len(s), s))
                entries[i].related.append(Related(entries[j], round(float(row[j]), 3), shared, theirs))
