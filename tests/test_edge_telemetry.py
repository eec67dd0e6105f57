"""OpenTelemetry metrics and traces recorded by the edge helpers (in-memory SDK readers; the
default in the app is the API's no-op)."""
import asyncio
from types import SimpleNamespace

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from bot.edge_telemetry import Telemetry, build_telemetry


def metric_points(reader):
    points = {}
    for resource in reader.get_metrics_data().resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                points[metric.name] = list(metric.data.data_points)
    return points


async def test_answers_abstentions_retrieval_turns_and_feedback_are_recorded():
    reader, spans = InMemoryMetricReader(), InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    telemetry = Telemetry(meter_provider=MeterProvider(metric_readers=[reader]), tracer_provider=tracer_provider)

    class Searcher:
        async def search(self, question, k):
            await asyncio.sleep(0.01)
            return []

    pipeline = SimpleNamespace(searcher=Searcher())
    telemetry.instrument_searcher(pipeline)
    telemetry.instrument_searcher(pipeline)  # idempotent: one timing layer only
    await pipeline.searcher.search("q", 5)

    class Pipeline:
        async def stream(self, question):
            yield SimpleNamespace(text="draft")  # a draft has no abstained flag: not counted
            yield SimpleNamespace(abstained=question == "unknown")

    timed = telemetry.timed_answers(Pipeline())
    for question in ("年休", "unknown", "育休"):
        events = [event async for event in timed.stream(question)]
        assert len(events) == 2
    telemetry.turn_finished("message", "ok", 0.25)
    telemetry.feedback_received()

    points = metric_points(reader)
    assert points["reiki.answers"][0].value == 3
    assert points["reiki.abstentions"][0].value == 1
    assert points["reiki.feedback"][0].value == 1
    [retrieval] = points["reiki.retrieval.duration"]
    assert retrieval.count == 1 and retrieval.sum >= 0.01
    [turn] = points["reiki.turn.duration"]
    assert turn.count == 1 and dict(turn.attributes) == {"activity_type": "message", "outcome": "ok"}
    names = [span.name for span in spans.get_finished_spans()]
    assert names.count("reiki.answer") == 3 and names.count("reiki.retrieval") == 1


def test_default_telemetry_is_a_no_op_without_a_connection_string():
    telemetry = build_telemetry("")
    telemetry.turn_finished("message", "ok", 0.1)  # nothing configured: must simply not fail
    telemetry.feedback_received()
