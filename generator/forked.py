"""Run the shares of one job at once: share 0 in this process, the others in forked processes.

run_parts deals a job's parts round the shares as they come free, so one large part does not leave
the other processes idle.

Forked, not spawned: a share reads the linked atlas from the memory it was forked with, and nothing is
copied or pickled. The atlas is frozen out of the cycle collector meanwhile: a collection in a share would
write to every object it inherited, and the kernel would copy the whole atlas into each share. A share
reports by writing files; a failing one prints its traceback and exits non-zero, and the caller decides
what a failure means.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def run_shares(work: Callable[[int], None], n: int) -> list[int]:
    """Run work(k) for every k < n, k = 0 here and the others in forked processes; return the k that failed.

    An exception in share 0 is raised here, once the other shares have ended.
    """
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_share, args=(work, k)) for k in range(1, n)]
    with frozen():
        for w in workers:
            w.start()
        try:
            work(0)
        finally:
            for w in workers:
                w.join()
    return [k for k, w in enumerate(workers, start=1) if w.exitcode != 0]


def _share(work: Callable[[int], None], k: int) -> None:
    try:
        work(k)
    except BaseException:  # noqa: BLE001 - printed here; the parent sees the exit code
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    os._exit(0)


def run_parts(parts: list[Callable[[], None]], n: int, first: Callable[[], None] | None = None) -> list[int]:
    """Run every part in `n` processes (see run_shares): share k takes part k, then the next part no share has taken.

    `first`: run by share 0 (this process) before it takes a part, while the shares forked before it take parts:
    what it makes is this process's alone, so no part may need it (build.write_site relates meanwhile). Parts
    are best given largest first. Return the shares that failed.
    """
    ahead = n if first is None else n - 1  # parts the shares take before any takes a second
    taken = multiprocessing.get_context("fork").Value("l", min(ahead, len(parts)))  # in shared memory: forks see one counter

    def take() -> int:
        with taken.get_lock():
            i, taken.value = taken.value, taken.value + 1
        return i

    def work(k: int) -> None:
        if first is None:
            i = k
        elif k:
            i = k - 1
        else:
            first()
            i = take()
        while i < len(parts):
            parts[i]()
            i = take()

    return run_shares(work, n)


@contextmanager
def collector(on: bool) -> Iterator[None]:
    """Run a block with the cycle collector on or off, then restore it as it was (blocks nest).

    Off while a block makes many long-lived objects and little garbage (reading results, linking, relating):
    each collection would walk the growing atlas again. On for a block that makes garbage inside one that is off.
    """
    was = gc.isenabled()
    (gc.enable if on else gc.disable)()
    try:
        yield
    finally:
        (gc.enable if was else gc.disable)()


@contextmanager
def frozen() -> Iterator[None]:
    """Keep every object made so far out of the cycle collector until the outermost such block ends (gc.freeze).

    The atlas lives as long as the build: at 10,000 documents each full collection walked its 2 GB again (23 s of
    the 53 s of preparing it), and in a forked share a collection would write to every object it inherited.
    """
    outer = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not outer:
            gc.unfreeze()
