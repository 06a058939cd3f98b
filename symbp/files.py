"""Files in and out, checked in one place: what kind of file, how large, and where it may go.

Reading: a regular file no larger than a stated limit, opened without blocking (a FIFO or a
device never hangs or fills memory). Writing: every file of one command or none, each through
a temporary file beside it and an atomic rename, and only over a regular file.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import unicodedata

from .errors import SymbpError

MAX_STEM = 100


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISREG(mode):
        return "a file"
    return "not a regular file"


def _os_reason(path: str, e: OSError) -> str:
    if e.errno == errno.ELOOP:
        return f"{path}: a symbolic link loop (the link points back to itself); name the real file"
    if e.errno == errno.ENOENT:
        return f"{path}: cannot read: no such file"
    if e.errno == errno.ENAMETOOLONG:
        return f"{path[:60]}...: the file name is too long"
    return f"{path}: cannot read: {e.strerror or e}"


def read_bytes(path: str, what: str, limit: int) -> bytes:
    """The bytes of the regular file `path` (a `what`, at most `limit` bytes); else SymbpError."""
    if not path:
        raise SymbpError(f"the {what} file name is empty; give a path")
    if "\0" in path:
        raise SymbpError(f"{path!r}: a file name cannot contain a NUL byte")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        if e.errno == errno.EISDIR:
            raise SymbpError(f"{path}: is a folder; give the {what} file inside it") from None
        raise SymbpError(_os_reason(path, e)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SymbpError(f"{path}: is a folder; give the {what} file inside it")
        if not stat.S_ISREG(info.st_mode):
            raise SymbpError(f"{path}: is {_kind(info.st_mode)}; the {what} must be a regular file")
        if info.st_size > limit:
            raise SymbpError(
                f"{path}: is {info.st_size} bytes, over the {limit}-byte limit for a {what}"
            )
        data = os.read(fd, limit + 1)
    except OSError as e:
        raise SymbpError(_os_reason(path, e)) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise SymbpError(f"{path}: is over the {limit}-byte limit for a {what}")
    return data


def decode(data: bytes, label: str) -> str:
    """UTF-8 text, a leading byte-order mark dropped; SymbpError naming the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SymbpError(f"{label}: not UTF-8 text (byte {e.start}); save it as UTF-8") from None


def read_text(path: str, what: str, limit: int) -> str:
    """The UTF-8 text of the regular file `path` (a BOM is accepted)."""
    return decode(read_bytes(path, what, limit), path)


def safe_stem(name: str, default: str = "network") -> str:
    """`name` as a file stem: letters, digits, `.`, `-`, `_` and `+`, no leading dot, at most
    100 characters; anything else becomes `_` (so `../x` and `/abs/x` stay in their folder)."""
    name = unicodedata.normalize("NFC", name)
    kept = "".join(c if c.isalnum() or c in "-_+." else "_" for c in name)
    kept = kept.lstrip(".")[:MAX_STEM].rstrip(".")
    return kept or default


def check_target(path: str) -> None:
    """Raise SymbpError unless `path` can become a regular file (checked before any work)."""
    if not path:
        raise SymbpError("an output file name is empty; give a path")
    if "\0" in path:
        raise SymbpError(f"{path!r}: a file name cannot contain a NUL byte")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as e:
        raise SymbpError(_os_reason(path, e).replace("cannot read", "cannot write")) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise SymbpError(f"{path}: is a folder, not a file name")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise SymbpError(
            f"{path}: is {_kind(info.st_mode)}; symbp only replaces regular files, "
            "so name a new or regular file"
        )
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise SymbpError(f"{parent}: is not a folder (in the output path {path})")


def check_folder(folder: str) -> None:
    """Raise SymbpError unless `folder` is, or can become, a folder (checked before any work)."""
    if not folder:
        raise SymbpError("the output folder name is empty; give a folder (default: output)")
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        return
    except OSError as e:
        raise SymbpError(_os_reason(folder, e).replace("cannot read", "cannot write")) from None
    if not stat.S_ISDIR(info.st_mode):
        raise SymbpError(f"{folder}: is {_kind(info.st_mode)}, not a folder; give a folder")


def check_distinct(named: dict[str, str | None]) -> None:
    """Raise SymbpError when two options (option -> path) name the same file."""
    seen: dict[str, str] = {}
    for option, path in named.items():
        if not path:
            continue
        key = os.path.realpath(path)
        if key in seen:
            raise SymbpError(
                f"{path}: named by both {seen[key]} and {option}; give them different files"
            )
        seen[key] = option


def inside(folder: str, names: dict[str, str | bytes]) -> dict[str, str | bytes]:
    """{path in `folder`: data}; SymbpError if a name would leave the folder."""
    check_folder(folder)
    root = os.path.realpath(folder)
    out = {}
    for name, data in names.items():
        path = os.path.join(folder, name)
        real = os.path.realpath(path)
        if os.path.isabs(name) or os.path.commonpath([root, real]) != root:
            raise SymbpError(f"{name}: would be written outside {folder}; refused")
        out[path] = data
    return out


def _cannot_write(path: str, e: OSError) -> SymbpError:
    reason = e.strerror or str(e)
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        folder = os.path.dirname(os.path.abspath(path))
        reason += f" (the folder {folder} is read-only for you; choose another output)"
    return SymbpError(f"{path}: cannot write: {reason}")


def write_files(files: dict[str, str | bytes]) -> list[str]:
    """Write every file or none: each goes to a temporary file beside it, then all are renamed.

    An error or an interrupt before the renames leaves no file behind; errors name the target.
    """
    for path in files:
        check_target(path)
    check_distinct({path: path for path in files})
    temps: list[tuple[str, str]] = []
    umask = os.umask(0)
    os.umask(umask)
    target = next(iter(files), "")
    try:
        for target, data in files.items():
            folder = os.path.dirname(os.path.abspath(target))
            os.makedirs(folder, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".symbp-", suffix=".tmp")
            temps.append((tmp, target))
            with os.fdopen(fd, "wb") as f:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
            os.chmod(tmp, 0o666 & ~umask)
        for tmp, target in temps:
            check_target(target)
            os.replace(tmp, target)
    except OSError as e:
        raise _cannot_write(target, e) from None
    finally:
        for tmp, _ in temps:
            if os.path.lexists(tmp):
                os.remove(tmp)
    return list(files)


def parse_toml(text: str, label: str) -> dict:
    """The TOML table of `text`; SymbpError naming `label` (too deep nesting included)."""
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SymbpError(f"{label}: invalid TOML: {e}") from None
    except RecursionError:
        raise SymbpError(f"{label}: arrays or tables nested too deeply; flatten them") from None
    except ValueError:  # an integer past Python's 4300-digit limit
        raise SymbpError(
            f"{label}: an integer has over 4300 digits; TOML integers are 64-bit"
        ) from None
