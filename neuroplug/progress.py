"""Progress bars (tqdm) for long work: ``crosscheck --all``, seeds, benchmarks."""

from __future__ import annotations

import sys

from tqdm.auto import tqdm

__all__ = ["progress_bar"]


def progress_bar(iterable, desc: str = "", disable: bool = False, **kwargs):
    """A tqdm progress bar on stderr; disabled when asked or when stderr is not a TTY
    and ``force`` is not given."""
    force = kwargs.pop("force", False)
    if not force and not sys.stderr.isatty():
        disable = disable or False
    return tqdm(iterable, desc=desc, disable=disable, file=sys.stderr, dynamic_ncols=True,
                **kwargs)
