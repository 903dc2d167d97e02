"""A built KB index kept on disk, so it is built once and every worker maps the same pages.

Building the index of a 10,000-article KB takes minutes and, done by every worker, a GB
or more each. :class:`IndexCache` keeps each build in one file named by a hash of what
the build depends on (the normalised phrasings and their articles, the articles' locales,
whether a fallback confidence model was learnt, and the version of the code that builds
it), so a KB edit, a new tier0 or a new scikit-learn simply misses.

A file is written under a temporary name and renamed into place (a reader never sees half
of one); an exclusive lock per key lets one process build while the others wait for its
file. Readers map the file read-only: the arrays are not copied, and N workers share one
copy in the page cache. A file that does not pass its checks (truncated, another format,
wrong checksum) is rebuilt, with a log line, never a crash.

The build itself can run in a child process (:func:`kb.index_build.main`, the job on
its standard input): its peak memory, scikit-learn included, is then never the worker's.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import mmap
import os
import pickle
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from kb.confidence import ConfidenceModel
from kb.index import Index
from kb.vectors import IntArray

__all__ = ["FORMAT", "IndexCache", "Job", "clear_builds", "default_cache_dir"]

log = logging.getLogger(__name__)

FORMAT = 1
_MAGIC = b"TIER0IX\x00"
_ALIGN = 64
_KEEP = 4
"""Newest cache files kept in a folder (older ones are removed after a write)."""
_CODE = (
    "index.py",
    "index_arrays.py",
    "coverage.py",
    "linear.py",
    "vectors.py",
    "typos.py",
    "confidence.py",
    "index_build.py",
    "index_cache.py",
)
"""Modules whose code decides what a build holds: any change to them is a miss."""

_BUILDS = ("*.idx", "semantic-*.npy")
"""What a cache folder keeps that was built from the KB's words: index builds, and the
phrasing vectors ``kb.semantic`` keeps beside them."""

_CHILD = "import sys; from kb.index_build import main; sys.exit(main(sys.argv[1:]))"
"""The child build's program (:func:`kb.index_build.main`)."""
Builder = Callable[["Job"], tuple[Index, ConfidenceModel | None]]


@dataclass(frozen=True)
class Job:
    """What one index build needs: phrasings (normalised), their articles, each article's
    locale, and whether to learn the fallback confidence model on the KB's own folds."""

    texts: list[str]
    owner: IntArray
    locales: list[str]
    learn: bool

    @property
    def n_articles(self) -> int:
        return len(self.locales)

    def key(self) -> str:
        digest = hashlib.sha256(_MAGIC + str(FORMAT).encode() + _code_version().encode())
        digest.update(json.dumps([self.locales, self.learn]).encode())
        for text, article in zip(self.texts, self.owner.tolist(), strict=True):
            digest.update(f"{article}\x1f{text}\x1e".encode())
        return digest.hexdigest()[:40]


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/tier0/kb-index``, or ``~/.cache/tier0/kb-index``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tier0" / "kb-index"


def clear_builds(folder: Path) -> int:
    """Remove every build kept in ``folder``; how many files went.

    For erasing words from the KB: a build made while an article existed still holds its
    words once the article is deleted, and which builds did cannot be told without reading
    them, so all go. Each is rebuilt when next needed; a worker still mapping a removed
    file keeps reading it until its next rebuild (Linux frees it with the last map).
    """
    removed = 0
    for pattern in _BUILDS:
        for path in Path(folder).glob(pattern):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


class IndexCache:
    """Index builds kept in ``folder``; ``in_child`` builds in a child process."""

    def __init__(self, folder: Path, *, in_child: bool = False) -> None:
        self.folder = Path(folder)
        self.in_child = in_child
        self.hits = 0
        """Builds served from a file (by :meth:`index`), for tests and logs."""
        self.builds = 0

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.idx"

    def index(self, job: Job, build: Builder) -> tuple[Index, ConfidenceModel | None]:
        """The index for ``job``: from its file if there is a good one, else built once
        (``build``, or a child process), written, and then read from the file."""
        key = job.key()
        found = self.load(key)
        if found is not None:
            self.hits += 1
            return found
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with self._locked(key):
                found = self.load(key)  # another process built it while we waited
                if found is not None:
                    self.hits += 1
                    return found
                start = time.perf_counter()
                if not self.in_child or not self._build_in_child(job):
                    index, model = build(job)
                    self.save(key, index, model)
                self.builds += 1
                log.info(
                    "knowledge base: index built in %.1f s, cached in %s",
                    time.perf_counter() - start,
                    self.path(key),
                )
                self._prune(key)
        except OSError as exc:  # an unwritable cache folder: build here, uncached
            log.warning("knowledge base: index cache %s unusable (%s)", self.folder, exc)
            return build(job)
        found = self.load(key)
        if found is None:
            log.warning("knowledge base: %s unreadable after writing it", self.path(key))
            return build(job)
        return found

    def load(self, key: str) -> tuple[Index, ConfidenceModel | None] | None:
        """The cached build of ``key``, or None (missing, or failing a check: logged)."""
        path = self.path(key)
        try:
            with path.open("rb") as file:
                header, start = _read_header(file, key)
                size = os.fstat(file.fileno()).st_size
                if size != start + header["length"]:
                    raise ValueError(f"{size} bytes, expected {start + header['length']}")
                if _crc(file, start, header["length"]) != header["crc32"]:
                    raise ValueError("checksum mismatch")
                mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
            arrays = _arrays(mapped, start, header["arrays"])
            model = header.get("confidence")
            confidence = None if model is None else ConfidenceModel.from_dict(model)
            return Index.from_arrays(arrays), confidence
        except FileNotFoundError:
            return None
        except Exception as exc:  # any damage: rebuild rather than fail
            log.warning("knowledge base: index cache %s is unusable (%s); rebuilding", path, exc)
            return None

    def save(self, key: str, index: Index, model: ConfidenceModel | None) -> None:
        """Write ``index`` (and a learnt confidence model) atomically as ``key``'s file:
        magic, header length, CRC-32 of the data, JSON header, then each array aligned."""
        arrays = {name: np.ascontiguousarray(a) for name, a in index.arrays().items()}
        layout: dict[str, dict[str, Any]] = {}
        offset = 0
        for name, array in arrays.items():
            offset = -(-offset // _ALIGN) * _ALIGN
            layout[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset}
            offset += array.nbytes
        header = {
            "format": FORMAT,
            "key": key,
            "length": offset,
            "arrays": layout,
            "confidence": None if model is None else model.to_dict(),
        }
        blob = json.dumps(header).encode("utf-8")
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{key}.{os.getpid()}.tmp"
        try:
            with tmp.open("wb") as file:
                file.write(_MAGIC + len(blob).to_bytes(8, "little") + bytes(4) + blob)
                file.write(bytes(-file.tell() % _ALIGN))
                start, crc = file.tell(), 0
                for name, array in arrays.items():
                    for chunk in (
                        bytes(start + layout[name]["offset"] - file.tell()),
                        _bytes(array),
                    ):
                        file.write(chunk)
                        crc = zlib.crc32(chunk, crc)
                file.seek(len(_MAGIC) + 8)
                file.write(crc.to_bytes(4, "little"))
                file.flush()
                os.fsync(file.fileno())
            os.replace(tmp, self.path(key))
        finally:
            tmp.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _locked(self, key: str) -> Iterator[None]:
        with (self.folder / f"{key}.lock").open("a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _build_in_child(self, job: Job) -> bool:
        """Whether a child process built ``job`` into the cache (if not, e.g. killed for
        memory, it is logged and the caller builds in this process instead)."""
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(self.folder)],
            input=pickle.dumps(job),
            env=env,
            check=False,
        )
        if done.returncode != 0:
            log.warning(
                "knowledge base: the index build in a child process exited with %s; "
                "building in this process",
                done.returncode,
            )
        return done.returncode == 0

    def _prune(self, kept: str) -> None:
        """Remove all but the newest few cache files (a worker still mapping a removed
        file keeps reading it: Linux frees it when the last map goes)."""
        files = sorted(
            (p for p in self.folder.glob("*.idx") if p.stem != kept),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in files[_KEEP - 1 :]:
            with contextlib.suppress(OSError):
                old.unlink()
                old.with_suffix(".lock").unlink()


def _bytes(array: npt.NDArray[Any]) -> memoryview:
    """A contiguous array's bytes, without a copy."""
    return array.reshape(-1).view(np.uint8).data


def _read_header(file: BinaryIO, key: str) -> tuple[dict[str, Any], int]:
    """The header (with its ``crc32``) and where the data starts."""
    if file.read(len(_MAGIC)) != _MAGIC:
        raise ValueError("not a tier0 index file")
    length = int.from_bytes(file.read(8), "little")
    crc = int.from_bytes(file.read(4), "little")
    if not 0 < length < 1 << 24:
        raise ValueError("bad header length")
    header = json.loads(file.read(length).decode("utf-8"))
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("key") != key:
        raise ValueError("another format or key")
    header["crc32"] = crc
    start = len(_MAGIC) + 12 + length
    return header, start + (-start % _ALIGN)


def _crc(file: BinaryIO, start: int, length: int) -> int:
    """CRC-32 of the data, read (not mapped: the check does not count in this process's
    resident memory) in 1 MB blocks."""
    file.seek(start)
    crc, left = 0, length
    while left > 0:
        block = file.read(min(left, 1 << 20))
        if not block:
            raise ValueError("truncated")
        crc = zlib.crc32(block, crc)
        left -= len(block)
    return crc


def _arrays(
    mapped: mmap.mmap, start: int, layout: dict[str, dict[str, Any]]
) -> dict[str, npt.NDArray[Any]]:
    arrays: dict[str, npt.NDArray[Any]] = {}
    for name, spec in layout.items():
        dtype = np.dtype(spec["dtype"])
        shape = tuple(int(n) for n in spec["shape"])
        count = int(np.prod(shape)) if shape else 1
        arrays[name] = np.frombuffer(mapped, dtype, count, start + int(spec["offset"])).reshape(
            shape
        )
    return arrays


_version: str | None = None


def _code_version() -> str:
    """Hash of the building modules' source and of the libraries that shape a build."""
    global _version
    if _version is None:
        digest = hashlib.sha256()
        here = Path(__file__).resolve().parent
        for name in _CODE:
            digest.update((here / name).read_bytes())
        for package in ("scikit-learn", "numpy", "scipy"):
            digest.update(f"{package}={metadata.version(package)}".encode())
        _version = digest.hexdigest()
    return _version
