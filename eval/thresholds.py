"""--fail-under METRIC=VALUE gates for CI.

For most metrics the value is a minimum. For the lower-is-better metrics (latency_p50_ms, latency_p95_ms,
acl_leaks, acl_leak_questions) it is a maximum: `--fail-under latency_p95_ms=3000` fails when p95 > 3000 ms,
`--fail-under acl_leaks=0` fails on any leak. A gated metric the run could not compute (e.g.
balanced_accuracy on a dataset without unanswerable questions) counts as a failure: a gate that silently
passes is worse than one that complains.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from eval.metrics import LOWER_IS_BETTER


class ThresholdError(ValueError):
    """A --fail-under spec is malformed or names an unknown metric."""


@dataclass(frozen=True)
class Threshold:
    metric: str
    value: float

    @property
    def is_maximum(self) -> bool:
        return self.metric in LOWER_IS_BETTER

    def violation(self, overall: Mapping[str, Any]) -> str | None:
        """A message when the run violates this threshold, else None."""
        actual = overall.get(self.metric)
        if actual is None:
            return f"{self.metric}: not computed for this dataset (threshold {self.value:g})"
        if self.is_maximum and actual > self.value:
            return f"{self.metric} = {actual:.4g} > {self.value:g} (maximum)"
        if not self.is_maximum and actual < self.value:
            return f"{self.metric} = {actual:.4g} < {self.value:g}"
        return None


def parse_thresholds(specs: Iterable[str], known_metrics: Sequence[str]) -> list[Threshold]:
    thresholds = []
    for spec in specs:
        name, separator, raw_value = spec.partition("=")
        name = name.strip().lower()
        if not separator or not name:
            raise ThresholdError(f"--fail-under {spec!r}: expected METRIC=VALUE, e.g. hit@5=0.85")
        if name not in known_metrics:
            raise ThresholdError(f"--fail-under {spec!r}: unknown metric {name!r}; "
                                 f"known: {', '.join(known_metrics)}")
        try:
            value = float(raw_value)
        except ValueError:
            raise ThresholdError(f"--fail-under {spec!r}: {raw_value!r} is not a number") from None
        if not math.isfinite(value):
            raise ThresholdError(f"--fail-under {spec!r}: the value must be finite")
        thresholds.append(Threshold(name, value))
    return thresholds


def violations(thresholds: Iterable[Threshold], overall: Mapping[str, Any]) -> list[str]:
    return [message for t in thresholds if (message := t.violation(overall)) is not None]
