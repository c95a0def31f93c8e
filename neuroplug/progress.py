"""Progress bars (tqdm) for long work: ``crosscheck --all``, seeds, benchmarks."""

from __future__ import annotations

import sys

from tqdm.auto import tqdm

__all__ = ["progress_bar"]


def progress_bar(iterable, desc: str = "", disable: bool = False, **kwargs):
    """A tqdm progress bar on stderr (shown unless ``disable``)."""
    return tqdm(iterable, desc=desc, disable=disable, file=sys.stderr, dynamic_ncols=True,
                **kwargs)
