"""On-disk cache of what Brian2 derived from a model file.

Loading a library model runs Brian2's parser, dimension checks and symbolic state
updater (sympy), which costs 0.1-2 s per model.  The result depends only on the file's
bytes, the Brian2 version and neuroplug's own loading code, so it is stored once per
user as JSON and reused by later processes:

- folder: ``$NEUROPLUG_CACHE_DIR`` if set, else the platform's user cache directory
  (``~/.cache/neuroplug`` on Linux, ``~/Library/Caches/neuroplug`` on macOS,
  ``%LOCALAPPDATA%\\neuroplug\\Cache`` on Windows);
- key: SHA-256 of the model file, the Brian2 version, the Python version and a hash
  of neuroplug's loader and code-generation sources, so an upgrade of any of them
  misses the cache instead of reusing stale code;
- entries are plain JSON (never pickle: reading the cache cannot run code), written
  atomically; an unreadable, corrupt or foreign entry is ignored and rewritten, and a
  read-only or missing folder only disables the cache.

``NEUROPLUG_CACHE_DIR=off`` (or ``0``/``none``) disables it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path

__all__ = ["cache_dir", "environment_key", "read", "write", "clear"]

#: Bump when the layout of a cache entry changes.
FORMAT = 1
#: Sources whose behaviour determines a cache entry (relative to the package).
_SOURCES = ("library.py", "model.py", "codegen.py", "quantities.py", "cache.py")


def cache_dir() -> Path | None:
    """The cache folder, or ``None`` when caching is switched off."""
    env = os.environ.get("NEUROPLUG_CACHE_DIR")
    if env is not None:
        if env.strip().lower() in ("", "off", "0", "none", "false"):
            return None
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / "neuroplug" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "neuroplug"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "neuroplug"


@lru_cache(maxsize=1)
def environment_key() -> str:
    """Hash of everything besides the file that a cache entry depends on."""
    h = hashlib.sha256(f"format={FORMAT};python={sys.version_info[:2]}".encode())
    try:
        h.update(f";brian2={metadata.version('brian2')}".encode())
    except metadata.PackageNotFoundError:
        h.update(b";brian2=?")
    here = Path(__file__).resolve().parent
    for name in _SOURCES:
        try:
            h.update((here / name).read_bytes())
        except OSError:
            h.update(name.encode())
    return h.hexdigest()[:16]


def _entry_path(kind: str, digest: str) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    return folder / environment_key() / f"{kind}-{digest}.json"


def read(kind: str, digest: str) -> dict | None:
    """The cached entry ``kind`` for content hash ``digest``, or ``None``."""
    path = _entry_path(kind, digest)
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("digest") != digest or data.get("kind") != kind:
        return None
    return data.get("value")


def write(kind: str, digest: str, value) -> None:
    """Store ``value`` (JSON-serialisable) atomically; failures only skip caching."""
    path = _entry_path(kind, digest)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"kind": kind, "digest": digest, "value": value}, f)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except (OSError, TypeError, ValueError):
        return


def clear() -> int:
    """Delete every cache entry (all environments); returns the number of files removed."""
    folder = cache_dir()
    if folder is None or not folder.is_dir():
        return 0
    n = 0
    for path in folder.glob("*/*.json"):
        with contextlib.suppress(OSError):
            path.unlink()
            n += 1
    return n

