"""Writing output files safely: checked before the work, atomic, never through links.

Every file neuroplug writes (JSON metrics, Markdown reports, figures, Verilog, bench
results) goes through :func:`atomic_write`: the content is written to a temporary file
with a unique name in the target folder and renamed over the target in one step, so a
reader sees the old file or the new one, never half of one, and concurrent writers do
not collide.  :func:`check_output_path` refuses, before any simulation runs, a path
whose folder is missing or not writable, that is a folder, a symlink or a special file
(``/dev/full``), or whose extension the writer does not support.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .errors import OutputPathError, clip_repr

__all__ = ["check_output_path", "check_output_dir", "atomic_write", "figure_formats"]

_NAME_MAX = 255


def figure_formats() -> set[str]:
    """File extensions matplotlib can write (``png``, ``pdf``, ``svg``...)."""
    from matplotlib.backend_bases import FigureCanvasBase

    return set(FigureCanvasBase.get_supported_filetypes())


def check_output_path(path, what: str = "output", *, suffixes=None) -> Path:
    """Check that ``path`` can be written as a regular file; return it as a Path.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
    what : str
        The option or argument, for messages (``"--json"``).
    suffixes : set of str, optional
        Allowed extensions without the dot (``{"png", "svg"}``); ``None`` allows any.

    Raises
    ------
    OutputPathError
        The folder does not exist or is not writable, the path is a folder, a symlink or
        a special file, the name is too long, or the extension is not supported.
    """
    text = os.fspath(path)
    if not isinstance(text, str) or not text or "\x00" in text:
        raise OutputPathError(f"{what}: found {text!r}, expected a file name")
    p = Path(text)
    if len(p.name.encode()) > _NAME_MAX or len(text.encode()) > 4096:
        raise OutputPathError(f"{what}: the name {clip_repr(text)} is too long; expected at most "
                              f"{_NAME_MAX} bytes per name")
    if suffixes is not None:
        ext = p.suffix[1:].lower()
        if ext not in suffixes:
            raise OutputPathError(f"{what}: found {clip_repr(text)}, expected a file name ending "
                                  f"in one of {', '.join('.' + s for s in sorted(suffixes))}")
    _refuse_non_regular(p, what)
    parent = p.parent
    if not parent.is_dir():
        raise OutputPathError(f"{what}: the folder {clip_repr(str(parent))} of {clip_repr(text)} "
                              f"does not exist; expected an existing folder")
    if not _writable(parent):
        raise OutputPathError(f"{what}: cannot write into the folder {clip_repr(str(parent))}")
    return p


def _refuse_non_regular(p: Path, what: str) -> None:
    """An existing path must be a regular file: not a link, folder or special file."""
    text = str(p)
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputPathError(f"{what}: cannot use {clip_repr(text)}: {exc.strerror}") from None
    if stat.S_ISLNK(st.st_mode):
        raise OutputPathError(f"{what}: {clip_repr(text)} is a symbolic link; expected a "
                              f"regular file or a new name (links are not followed)")
    if stat.S_ISDIR(st.st_mode):
        raise OutputPathError(f"{what}: {clip_repr(text)} is a folder; expected a file name")
    if not stat.S_ISREG(st.st_mode):
        raise OutputPathError(f"{what}: {clip_repr(text)} is a special file; expected a "
                              f"regular file or a new name")


def check_output_dir(path, what: str = "--out", *, create: bool = True) -> Path:
    """Check (and by default create) a folder for output files."""
    text = os.fspath(path)
    p = Path(text)
    if p.is_symlink() or (p.exists() and not p.is_dir()):
        raise OutputPathError(f"{what}: {clip_repr(text)} exists and is not a folder")
    if not p.exists():
        if not create:  # it will be made later: its nearest existing parent must be writable
            parent = p.parent
            while not parent.exists() and parent != parent.parent:
                parent = parent.parent
            if not parent.is_dir() or not _writable(parent):
                raise OutputPathError(f"{what}: cannot create {clip_repr(text)}: "
                                      f"{clip_repr(str(parent))} is not a writable folder")
            return p
        try:
            p.mkdir(parents=True)
        except OSError as exc:
            raise OutputPathError(f"{what}: cannot create {clip_repr(text)}: "
                                  f"{exc.strerror}") from None
    if not _writable(p):
        raise OutputPathError(f"{what}: the folder {clip_repr(text)} is not writable")
    return p


def _writable(folder) -> bool:
    """Whether a file can really be created in ``folder`` (``os.access`` says yes for root
    on ``/proc`` and read-only mounts)."""
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".neuroplug-probe-")
    except OSError:
        return False
    os.close(fd)
    os.unlink(probe)
    return True


def atomic_write(path, data, what: str = "output") -> Path:
    """Write ``data`` (str or bytes, or a callable that writes to a binary file object)
    to ``path`` atomically: a unique temporary file in the same folder, then a rename.

    The file gets the mode a new file would get under the user's umask.  Nothing is
    left behind on failure.
    """
    p = check_output_path(path, what)
    try:
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name[:100]}.", suffix=".tmp")
    except OSError as exc:
        raise OutputPathError(f"{what}: cannot write {clip_repr(str(p))}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data.encode() if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        _refuse_non_regular(p, what)  # still not a link or special file
        os.replace(tmp, p)
    except OutputPathError:
        _unlink(tmp)
        raise
    except OSError as exc:
        _unlink(tmp)
        raise OutputPathError(f"{what}: cannot write {clip_repr(str(p))}: {exc.strerror}") from None
    except BaseException:
        _unlink(tmp)
        raise
    return p


def _umask() -> int:
    """The process umask, read without changing it (``os.umask`` would, for a moment,
    for every thread)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _unlink(tmp):
    try:
        os.unlink(tmp)
    except OSError:
        pass
