"""JSON Lines files, plain or gzip-compressed, written atomically.

Every stage reads and writes its records through these helpers, so that a half-written file never looks
finished: output goes to a temporary file beside the target and is renamed into place at the end.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

# The process's umask, read once (os.umask can only be read by setting it): finished files get the mode a plain
# open() would give them, not mkstemp's 0600, so that results on a shared cluster stay readable by the group.
_UMASK = os.umask(0o022)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK


def _open(path: Path, mode: str):
    if path.suffix == ".gz":
        # No name and mtime=0 in the header keep gzip bytes deterministic: the same records give the same file hash.
        raw = open(path, mode.replace("t", "") + "b")
        gz = gzip.GzipFile(filename="", fileobj=raw, mode=mode[0] + "b", mtime=0)
        return _Closing(io.TextIOWrapper(gz, encoding="utf-8"), raw)
    return open(path, mode, encoding="utf-8")


class _Closing(contextlib.AbstractContextManager):
    def __init__(self, text, raw):
        self.text, self.raw = text, raw

    def __getattr__(self, name):
        return getattr(self.text, name)

    def __iter__(self):
        return iter(self.text)

    def close(self):
        self.text.close()
        self.raw.close()

    def __exit__(self, *exc):
        self.close()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """A temporary path beside ``path``: renamed onto it when the block succeeds (with the umask's usual mode),
    removed when it fails."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, FILE_MODE)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def share_files(root: str | os.PathLike) -> None:
    """Give every file under ``root`` the mode a plain open() would (some writers, safetensors among them,
    make their files 0600)."""
    for path in Path(root).rglob("*"):
        if path.is_file() and not path.is_symlink():
            os.chmod(path, FILE_MODE)


def read_jsonl(path: str | os.PathLike) -> Iterator[dict[str, Any]]:
    """Yield one dict per non-empty line; a broken line raises ValueError naming file and line."""
    path = Path(path)
    with _open(path, "rt") as handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{lineno}: not valid JSON ({err.msg})") from None


def write_jsonl(path: str | os.PathLike, records: Iterable[dict[str, Any]]) -> int:
    """Write records atomically; return how many were written."""
    count = 0
    with atomic_path(path, suffix=Path(path).suffix) as tmp_path, _open(tmp_path, "wt") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count


def write_json(path: str | os.PathLike, data: Any) -> None:
    """Write one JSON document atomically (reports, manifests)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")
