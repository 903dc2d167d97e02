"""A KB's calibration: the fitted confidence model and thresholds, kept as a JSON file.

The file, by default ``tier0-calibration.json`` in the KB folder, is what
:func:`find_calibration` picks up; without one the KB falls back to the model it learns
from its own phrasings and the configured thresholds. Fitting one is
:mod:`kb.calibrate`'s job.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.confidence import ConfidenceModel
from kb.decision import Thresholds

__all__ = [
    "CALIBRATION_FILE",
    "Calibration",
    "CalibrationError",
    "find_calibration",
    "load_calibration",
]

CALIBRATION_FILE = "tier0-calibration.json"
FORMAT = 1


class CalibrationError(ValueError):
    """A calibration file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Calibration:
    """A fitted confidence model and the thresholds that go with it."""

    model: ConfidenceModel
    thresholds: Thresholds
    n_queries: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "thresholds": {
                "answer": self.thresholds.answer,
                "suggest": self.thresholds.suggest,
            },
            "n_queries": self.n_queries,
            "confidence": self.model.to_dict(),
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, data: Any) -> Calibration:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a tier0 calibration (format {FORMAT})")
        thresholds = data.get("thresholds")
        if not isinstance(thresholds, dict):
            raise ValueError("'thresholds' must be an object with 'answer' and 'suggest'")
        answer, suggest = thresholds.get("answer"), thresholds.get("suggest")
        for name, value in (("answer", answer), ("suggest", suggest)):
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
                raise ValueError(f"threshold '{name}' must be a number from 0 to 1")
        n_queries = data.get("n_queries", 0)
        if not isinstance(n_queries, int):
            raise ValueError("'n_queries' must be a whole number")
        return cls(
            ConfidenceModel.from_dict(data.get("confidence") or {}),
            Thresholds(float(answer), float(suggest)),  # type: ignore[arg-type]
            n_queries,
        )


def load_calibration(path: Path) -> Calibration:
    """Read a calibration file; any problem raises :class:`CalibrationError` naming it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Calibration.from_dict(data)
    except (OSError, UnicodeDecodeError) as exc:
        raise CalibrationError(f"{path}: cannot read calibration file: {exc}") from exc
    except ValueError as exc:  # also json.JSONDecodeError
        raise CalibrationError(f"{path}: {exc}") from exc


def find_calibration(kb_paths: Sequence[Path]) -> Path | None:
    """The calibration file kept beside a KB: in its (first) folder, if there is one."""
    for path in kb_paths:
        candidate = Path(path) / CALIBRATION_FILE
        if candidate.is_file():
            return candidate
    return None
