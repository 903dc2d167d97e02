"""The flat arrays an index answers from: what :mod:`kb.index_cache` writes to disk and
maps back, shared by every worker. Sparse matrices and string lists are kept as plain
arrays, read in place rather than copied."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from kb.vectors import FloatArray, IntArray, Sparse

__all__ = ["Arrays", "Csr", "Strings", "csr", "pack"]

Arrays = Mapping[str, npt.NDArray[Any]]


class Csr:
    """A CSR matrix kept as three arrays (mapped from a cache file, not copied), multiplied
    by a sparse vector from the left: ``M[idx].T @ val`` (scipy's is twice as fast as
    the same in numpy, and a worker imports scipy anyway)."""

    def __init__(
        self,
        indptr: npt.NDArray[np.int32],
        indices: npt.NDArray[np.int32],
        data: FloatArray,
        width: int,
    ) -> None:
        from scipy import sparse

        self.width = width
        self.matrix = sparse.csr_matrix((data, indices, indptr), (len(indptr) - 1, width))

    @classmethod
    def named(cls, name: str, arrays: Arrays, width: int) -> Csr:
        return cls(
            arrays[f"{name}_indptr"], arrays[f"{name}_indices"], arrays[f"{name}_data"], width
        )

    def times(self, idx: IntArray, val: FloatArray) -> FloatArray:
        return np.asarray(self.matrix[idx].T @ val, dtype=np.float32)


class Strings(Sequence[str]):
    """Strings kept as one UTF-8 buffer and their end offsets, decoded when read."""

    def __init__(self, data: npt.NDArray[np.uint8], ends: IntArray) -> None:
        self._data, self._ends = data, ends

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        start = int(self._ends[i - 1]) if i > 0 else 0
        return bytes(self._data[start : int(self._ends[i])]).decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        return (self[i] for i in range(len(self)))


def pack(name: str, strings: Sequence[str]) -> dict[str, npt.NDArray[Any]]:
    encoded = [s.encode("utf-8") for s in strings]
    return {
        f"{name}_bytes": np.frombuffer(b"".join(encoded), np.uint8).copy(),
        f"{name}_ends": np.cumsum([len(e) for e in encoded], dtype=np.int64),
    }


def csr(name: str, matrix: Sparse) -> dict[str, npt.NDArray[Any]]:
    from scipy import sparse

    csr = sparse.csr_matrix(matrix, dtype=np.float32)
    csr.sort_indices()
    # one index type for both, so scipy maps them as they are instead of converting
    index = np.int32 if max(csr.nnz, *csr.shape) < np.iinfo(np.int32).max else np.int64
    return {
        f"{name}_indptr": csr.indptr.astype(index),
        f"{name}_indices": csr.indices.astype(index),
        f"{name}_data": csr.data.astype(np.float32),
    }
