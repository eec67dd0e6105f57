"""OpenTelemetry traces and metrics for the bot: turn latency, retrieval latency, answers and
abstentions, feedback. The only module that imports OpenTelemetry.

Without configuration the OpenTelemetry API hands out no-op tracers and meters (nothing is
collected or sent). With an Application Insights connection string, the Azure Monitor distro is
configured once and exports both. If the packages are missing the bot still runs, without telemetry.
"""
from __future__ import annotations

import contextlib
import logging
import time
from typing import Any


log = logging.getLogger(__name__)

try:  # the API is a small pure-Python package; keep the bot working without it all the same
    from opentelemetry import metrics, trace
except ImportError:  # pragma: no cover - exercised only on installs without OpenTelemetry
    metrics = trace = None  # type: ignore[assignment]  # optional import: None marks it missing

_azure_monitor_configured = False


class Telemetry:
    def __init__(self, *, meter_provider=None, tracer_provider=None) -> None:
        self._tracer: Any = None
        if metrics is None:
            return
        meter = (meter_provider or metrics.get_meter_provider()).get_meter("reiki.bot")
        self._tracer = (tracer_provider or trace.get_tracer_provider()).get_tracer("reiki.bot")
        self._turn_latency = meter.create_histogram(
            "reiki.turn.duration", unit="s", description="Time from accepting a turn to its end")
        self._retrieval_latency = meter.create_histogram(
            "reiki.retrieval.duration", unit="s", description="Time spent searching the regulations")
        self._answers = meter.create_counter("reiki.answers", description="Questions answered")
        self._abstentions = meter.create_counter(
            "reiki.abstentions", description="Questions answered with 'nothing found'")
        self._feedback = meter.create_counter("reiki.feedback", description="Feedback (👍/👎) received")

    def span(self, name: str, **attributes):
        if self._tracer is None:
            return contextlib.nullcontext()
        return self._tracer.start_as_current_span(name, attributes=attributes)

    def turn_finished(self, activity_type: str | None, outcome: str, seconds: float) -> None:
        if self._tracer is not None:
            self._turn_latency.record(seconds, {"activity_type": activity_type or "", "outcome": outcome})

    def feedback_received(self) -> None:
        if self._tracer is not None:
            self._feedback.add(1)

    def answer_finished(self, abstained: bool) -> None:
        if self._tracer is not None:
            self._answers.add(1)
            if abstained:
                self._abstentions.add(1)

    def retrieval_finished(self, seconds: float) -> None:
        if self._tracer is not None:
            self._retrieval_latency.record(seconds)

    def timed_answers(self, pipeline) -> _TimedAnswers:
        """`pipeline` with each answer counted (abstained or not) and traced."""
        return _TimedAnswers(pipeline, self)

    def instrument_searcher(self, pipeline) -> None:
        """Time `pipeline.searcher.search` (once, however many apps share the pipeline)."""
        searcher = getattr(pipeline, "searcher", None)
        if searcher is None or isinstance(searcher, _TimedSearcher):
            return
        pipeline.searcher = _TimedSearcher(searcher, self)


class _TimedAnswers:
    def __init__(self, inner, telemetry: Telemetry) -> None:
        self._inner = inner
        self._telemetry = telemetry

    async def stream(self, question):
        with self._telemetry.span("reiki.answer"):
            async for event in self._inner.stream(question):
                abstained = getattr(event, "abstained", None)  # only the final Answer has it
                if abstained is not None:
                    self._telemetry.answer_finished(bool(abstained))
                yield event

    def __getattr__(self, name):
        return getattr(self._inner, name)


class _TimedSearcher:
    def __init__(self, inner, telemetry: Telemetry) -> None:
        self._inner = inner
        self._telemetry = telemetry

    async def search(self, *args, **kwargs):
        started = time.perf_counter()
        with self._telemetry.span("reiki.retrieval"):
            try:
                return await self._inner.search(*args, **kwargs)
            finally:
                self._telemetry.retrieval_finished(time.perf_counter() - started)

    def __getattr__(self, name):  # everything else (aclose, stats, ...) is the real searcher's
        return getattr(self._inner, name)


def build_telemetry(connection_string: str = "") -> Telemetry:
    """No-op telemetry by default; Azure Monitor export when a connection string is configured."""
    global _azure_monitor_configured
    if connection_string and not _azure_monitor_configured:
        try:
            from azure.monitor.opentelemetry import configure_azure_monitor
        except ImportError:
            log.warning("APPLICATIONINSIGHTS_CONNECTION_STRING is set but azure-monitor-opentelemetry"
                        " is not installed: telemetry is not exported")
        else:
            configure_azure_monitor(connection_string=connection_string, logger_name="reiki")
            _azure_monitor_configured = True
    return Telemetry()
