"""Per-step counters: how many items went in and out, and why any was dropped."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class StepStats:
    """Counts for one pipeline step (datatrove-style).

    ``counts`` holds named counters (``fetched``, ``stored``...);
    ``dropped`` counts dropped items by reason, so no item vanishes silently.
    """

    step: str
    counts: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)

    def add(self, name: str, n: int = 1) -> None:
        self.counts[name] += n

    def drop(self, reason: str, n: int = 1) -> None:
        self.dropped[reason] += n

    def merge(self, other: StepStats) -> StepStats:
        self.counts.update(other.counts)
        self.dropped.update(other.dropped)
        return self

    def to_dict(self) -> dict[str, object]:
        return {"step": self.step, "counts": dict(self.counts), "dropped": dict(self.dropped)}
