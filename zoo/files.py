"""Writing a file so that a crash never leaves half of it: into a temporary file beside it,
flushed, then renamed over it (a rename within a folder is atomic); and a failed write (a full
disk, a read-only folder) told in one line with its fix."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from zoo.errors import ZooError


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Replace ``path`` with ``data`` (text as UTF-8) in one step: readers see the old file or the
    new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data.encode() if isinstance(data, str) else data)
            file.flush()
            os.fchmod(file.fileno(), default_mode())  # mkstemp's 0600 would outlive the rename
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_weights(path: Path, tensors: dict[str, Any], metadata: dict[str, str] | None = None) -> Path:
    """``safetensors``' ``save_file``, leaving the file with the mode every other file gets
    (``default_mode``): safetensors writes through a temporary file of mode 0600 and keeps it."""
    from safetensors.torch import save_file

    save_file(tensors, str(path), metadata=metadata)
    os.chmod(path, default_mode())
    return path


def default_mode() -> int:
    """The mode ``open()`` gives a new file: 0666 less the process's umask (0644 under the usual
    022), read without changing it where Linux shows it, else set and restored at once."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


class WriteError(ZooError, OSError):
    """A folder zoo cannot write into (full, read-only, not permitted); the message names the
    folder, the cause and the fix, and ``errno`` is the failed write's (None when unknown)."""

    def __init__(self, message: str, errno_: int | None = None, filename: str | None = None):
        super().__init__(message)
        self.message = message
        self.errno, self.filename = errno_, filename

    def __str__(self) -> str:  # not OSError's "[Errno 28] ..."
        return self.message


NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
READ_ONLY = (errno.EROFS,)
NOT_PERMITTED = (errno.EACCES, errno.EPERM)
_SIGNS = {
    errno.ENOSPC: ("No space left", "os error 28", "Disk quota exceeded", "os error 122"),
    errno.EROFS: ("Read-only file system", "os error 30"),
    errno.EACCES: ("Permission denied", "os error 13"),
}
"""How an errno reads in the message of an error that wraps it (safetensors': ``(os error 28)``)."""
_TORCH_WRITE = ("PytorchStreamWriter failed", "unexpected pos", "file write failed")
"""What torch's zip writer says when a write fails, the reason (a full disk, mostly) lost."""


def write_failure(exc: BaseException, folder: Path) -> tuple[str, int | None] | None:
    """Why a write into ``folder`` failed, in words (``no space left on device at /runs/x``),
    with its errno; None when ``exc`` is no failed write. torch's and safetensors' wrappings
    of the error are read too; torch's zip writer names no reason (``unexpected pos``), so a
    disk with no space left is taken for it."""
    text = str(exc).strip()
    code = exc.errno if isinstance(exc, OSError) else None
    if code is None:
        code = next((c for c, signs in _SIGNS.items() if any(sign in text for sign in signs)), None)
    if code is None and any(sign in text for sign in _TORCH_WRITE):
        code = errno.ENOSPC if 0 <= _free(folder) < 1 << 20 else None
        if code is None:
            return f"the write into {folder} failed ({text.splitlines()[0]})", None
    if code in NO_SPACE:
        free = _free(folder)
        return f"no space left on device at {folder}" + (f" ({_size(free)} free)" if free >= 0 else ""), code
    if code in READ_ONLY:
        return f"{folder} is on a read-only file system", code
    if code in NOT_PERMITTED:
        return f"no permission to write in {folder}", code
    if not isinstance(exc, OSError):
        return None
    reason = exc.strerror or (text.splitlines()[0] if text else type(exc).__name__)
    return f"the write into {folder} failed ({reason})", code


def write_error(
    exc: BaseException, folder: Path, what: str, fix: str, full_fix: str = "", kind: type[WriteError] = WriteError
) -> WriteError | None:
    """The one-line :class:`WriteError` for ``exc`` raised writing ``what`` into ``folder``:
    ``cannot write WHAT: CAUSE (naming FOLDER); FIX`` (``full_fix``, when given, replaces ``fix`` for
    a full disk), of the class ``kind``; None when ``exc`` is no failed write."""
    failure = write_failure(exc, folder)
    if failure is None:
        return None
    cause, code = failure
    hint = full_fix if full_fix and code in NO_SPACE else fix
    return kind(f"cannot write {what}: {cause}; {hint}", code, getattr(exc, "filename", None))


def writable(folder: Path, what: str, fix: str, kind: type[WriteError] = WriteError) -> None:
    """Make sure ``what`` can be written into ``folder`` (made if missing) before work that
    would fail late: a byte is written to a temporary file there and removed. Raises the
    :class:`WriteError` (or ``kind``) ``cannot write WHAT: CAUSE (naming FOLDER); FIX`` if not."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".zoo-writable-")
        try:
            os.write(fd, b"\0")
        finally:
            os.close(fd)
            Path(probe).unlink(missing_ok=True)
    except OSError as exc:
        raise write_error(exc, folder, what, fix, kind=kind) from None  # type: ignore[misc]


def _free(folder: Path) -> int:
    """Bytes free to this user on ``folder``'s disk (of the nearest existing parent), or -1."""
    for path in (folder, *folder.parents):
        try:
            return shutil.disk_usage(path).free
        except OSError:
            continue
    return -1


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        count /= 1024  # type: ignore[assignment]
        if count < 1024 or unit == "TiB":
            return f"{count:.1f} {unit}"
    raise AssertionError
