"""The exported pair: ``<module>.v`` and ``<module>.json``, written and read as one unit.

The sidecar records the sha256 of the Verilog it describes (``verilog_sha256``).
:func:`write_pair` writes both files next to their targets as temporary files first
(mode from the umask, like any new file), then renames the ``.v`` and then the
``.json`` over the old ones; if the second rename fails, the first is rolled back, so
that a failed export leaves the old pair (or nothing) behind.  A reader that opens the
pair while another process renames it can still see a new ``.v`` next to an old
``.json`` for a moment: :func:`load_export` compares the sha256 and refuses such a pair
with one line, so no mismatched pair is ever used.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import OutputPathError, clip_repr
from ..files import _refuse_non_regular, _umask, check_output_dir, check_output_path
from .errors import PairMismatchError

__all__ = ["load_export", "module_name", "sidecar_json", "verilog_sha256", "write_pair"]


def module_name(model_id: str, preset: str | None) -> str:
    """Verilog module (and file) name of a model/preset: ``np_<model>[_<preset>]``."""
    base = f"np_{model_id}" + (f"_{preset}" if preset else "")
    return "".join(c if c.isalnum() or c == "_" else "_" for c in base).lower()


def sidecar_json(spec: dict) -> str:
    """The sidecar text of a spec (the JSON file written next to the Verilog)."""
    return json.dumps(spec, indent=1, default=float) + "\n"


def verilog_sha256(text: str) -> str:
    """sha256 of a Verilog source as written (UTF-8)."""
    return hashlib.sha256(text.encode()).hexdigest()


def write_pair(folder, files: dict, what: str = "--out") -> list[Path]:
    """Write several files into ``folder`` as one unit; return their paths in order.

    Parameters
    ----------
    folder : path
        The output folder (created if missing).
    files : dict
        ``{file name: text}``, renamed into place in this order (the sidecar last).
    what : str
        The option named in messages.

    Raises
    ------
    OutputPathError
        The folder cannot be created or written, a target is a folder, a link or a
        special file, or a write or rename failed (then the old files are back in place
        and no temporary file is left).
    """
    folder = check_output_dir(folder, what)
    targets = [check_output_path(folder / name, what) for name in files]
    temps: list[str] = []
    backups: dict[Path, str | None] = {}
    done: list[Path] = []
    try:
        for target, text in zip(targets, files.values()):
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name[:100]}.",
                                       suffix=".tmp")
            temps.append(tmp)
            with os.fdopen(fd, "wb") as fh:
                fh.write(text.encode())
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o666 & ~_umask())
        for target in targets:   # hard links keep the old files for a rollback
            backups[target] = None
            if target.exists():
                fd, bak = tempfile.mkstemp(dir=folder, prefix=f".{target.name[:100]}.",
                                           suffix=".old")
                os.close(fd)
                backups[target] = bak
                try:
                    os.unlink(bak)
                    os.link(target, bak)
                except OSError:   # no hard links here: a copy does the same
                    shutil.copyfile(target, bak)
        for tmp, target in zip(temps, targets):
            _refuse_non_regular(target, what)   # still not a link or special file
            os.replace(tmp, target)
            done.append(target)
    except BaseException as exc:
        for target in reversed(done):
            try:
                if backups.get(target):
                    os.replace(backups.pop(target), target)
                else:
                    os.unlink(target)
            except OSError:
                pass
        _remove(temps + [b for b in backups.values() if b])
        if isinstance(exc, OSError):
            raise OutputPathError(f"{what}: cannot write {clip_repr(str(targets[len(done)]))}"
                                  f" (nothing was changed): {exc.strerror or exc}") from None
        raise
    _remove([b for b in backups.values() if b])
    return targets


def _remove(paths):
    for p in paths:
        try:
            os.unlink(p)
        except OSError:
            pass


def load_export(sidecar, verilog=None) -> tuple[dict, Path]:
    """Read an exported pair and check that the Verilog is the one the sidecar describes.

    Parameters
    ----------
    sidecar : path
        The ``<module>.json`` written by :func:`neuroplug.hw.export.export`.
    verilog : path, optional
        The Verilog file (default: ``<module>.v`` next to the sidecar).

    Returns
    -------
    (dict, Path)
        The spec and the Verilog path.

    Raises
    ------
    PairMismatchError
        A file is missing or unreadable, the sidecar is not an export sidecar, or the
        Verilog's sha256 differs from the sidecar's ``verilog_sha256``.
    """
    sidecar = Path(sidecar)
    try:
        spec = json.loads(sidecar.read_text())
    except (OSError, ValueError) as exc:
        raise PairMismatchError(f"cannot read the sidecar {clip_repr(str(sidecar))}: "
                                f"{getattr(exc, 'strerror', None) or exc}") from None
    if not isinstance(spec, dict) or "verilog_sha256" not in spec or "module" not in spec:
        raise PairMismatchError(f"{clip_repr(str(sidecar))} is not an export sidecar "
                                "(no 'module' or 'verilog_sha256'); expected the .json "
                                "that neuroplug export writes")
    verilog = Path(verilog) if verilog else sidecar.with_name(f"{spec['module']}.v")
    try:
        text = verilog.read_bytes()
    except OSError as exc:
        raise PairMismatchError(f"cannot read the Verilog {clip_repr(str(verilog))} of "
                                f"{clip_repr(str(sidecar))}: {exc.strerror}") from None
    got = hashlib.sha256(text).hexdigest()
    if got != spec["verilog_sha256"]:
        raise PairMismatchError(
            f"{clip_repr(str(verilog))} (sha256 {got[:12]}...) is not the Verilog that "
            f"{clip_repr(str(sidecar))} describes (sha256 {str(spec['verilog_sha256'])[:12]}"
            "...): the pair was replaced or edited separately; export it again",
            model=spec.get("model"))
    return spec, verilog
