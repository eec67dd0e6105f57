"""Teams streaming rules (GUIDE A3), checked on what the bot sends in a 1:1 chat while a
protocol-fake Answerer writes: the real AnswerPipeline and searcher, the fake only writes drafts."""
from __future__ import annotations

import asyncio
import gc
import time

from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount, Entity

from bot.handler import RegulationBot
from bot.streaming import TeamsStream, UpdatePacer
from retrieval.extractive import ExtractiveAnswerer
from retrieval.models import AnswerDraft
from retrieval.pipeline import AnswerPipeline

BOT = ChannelAccount(id="28:bot", name="例規ボット")


class DraftingAnswerer:
    """Implements the Answerer protocol like a streaming LLM would: growing drafts, a pause
    between tokens, then the extractive answer as the final Answer (so citations are real)."""

    def __init__(self, analyzer, *, pieces: int = 12, pause: float = 0.05) -> None:
        self.final = ExtractiveAnswerer(analyzer=analyzer)
        self.pieces, self.pause = pieces, pause

    async def stream(self, question, passages):
        answer = None
        async for event in self.final.stream(question, passages):
            answer = event
        step = max(1, len(answer.text) // self.pieces)
        for end in range(step, len(answer.text), step):
            await asyncio.sleep(self.pause)
            yield AnswerDraft(text=answer.text[:end])
        yield answer

    async def aclose(self) -> None:
        pass


class TimedAdapter(TestAdapter):
    """Records when each activity was sent, and answers with ids like the Bot Connector."""

    def __init__(self, logic):
        super().__init__(logic)
        self.sent: list[tuple[float, Activity]] = []
        self.ids: list[str] = []

    async def send_activities(self, context, activities):
        self.sent += [(time.monotonic(), a) for a in activities]
        responses = await super().send_activities(context, activities)
        self.ids += [r.id for r in responses]
        return responses


def _message(text, conversation_type=None, mention=False):
    entities = [Entity().deserialize({"type": "mention", "mentioned": {"id": BOT.id}})] if mention else None
    return Activity(type=ActivityTypes.message, text=text, channel_id="msteams", locale="ja-JP",
                    from_property=ChannelAccount(id="29:u", aad_object_id="u1"), recipient=BOT, entities=entities,
                    conversation=ConversationAccount(id="c1", conversation_type=conversation_type))


def _stream_info(activity):
    return next((e.serialize() for e in activity.entities or [] if e.type == "streaminfo"), None)


def _bot(services, answerer, interval):
    pipeline = AnswerPipeline(searcher=services.pipeline.searcher, answerer=answerer)
    return RegulationBot(pipeline=pipeline, stream_interval=interval)


async def test_one_to_one_answer_is_streamed_by_the_rules(services):
    interval = 0.2
    adapter = TimedAdapter(_bot(services, DraftingAnswerer(services.analyzer), interval).on_turn)
    await adapter.receive_activity(_message("年次休暇は何日ですか"))
    sent = adapter.sent
    updates, final = sent[:-1], sent[-1][1]
    infos = [_stream_info(a) for _, a in updates]

    # 1. an informative update at once, then streaming updates; every update is a typing activity
    assert all(a.type == "typing" for _, a in updates)
    assert infos[0] == {"type": "streaminfo", "streamType": "informative", "streamSequence": 1}
    assert updates[0][1].text == "例規を検索しています…"
    assert len(updates) >= 3 and all(i["streamType"] == "streaming" for i in infos[1:])
    # 2. sequence numbers grow by one; the stream id is the first response's id, repeated after
    assert [i["streamSequence"] for i in infos] == list(range(1, len(infos) + 1))
    stream_id = adapter.ids[0]  # the id the channel gave the first update
    assert all(i.get("streamId") == stream_id for i in infos[1:])
    # 3. each update carries the whole text so far (growing), and they are at least `interval` apart
    texts = [a.text for _, a in updates[1:]]
    assert all(later.startswith(earlier) and len(later) > len(earlier) for earlier, later in zip(texts, texts[1:]))
    gaps = [b[0] - a[0] for a, b in zip(updates[1:], updates[2:])]
    assert min(gaps) >= interval * 0.95, gaps
    # 4. the final message ends the stream and carries the citations, AI label and feedback
    assert final.type == "message"
    assert _stream_info(final) == {"type": "streaminfo", "streamId": stream_id, "streamType": "final"}
    assert "[1]" in final.text and texts[-1] in final.text
    entity = next(e.serialize() for e in final.entities if e.type == "https://schema.org/Message")
    assert entity["citation"] and entity["additionalType"] == ["AIGeneratedContent"]
    assert final.channel_data == {"feedbackLoop": {"type": "default"}}


async def test_drafts_faster_than_the_interval_are_not_all_sent(services):
    answerer = DraftingAnswerer(services.analyzer, pieces=40, pause=0.01)  # ~40 drafts in ~0.4 s
    adapter = TimedAdapter(_bot(services, answerer, 1.0).on_turn)
    await adapter.receive_activity(_message("年次休暇は何日ですか"))
    streaming = [a for _, a in adapter.sent if (_stream_info(a) or {}).get("streamType") == "streaming"]
    assert len(streaming) <= 1  # at most one per second


async def test_extractive_answer_is_one_final_message_after_the_informative_update(services):
    adapter = TimedAdapter(_bot(services, ExtractiveAnswerer(analyzer=services.analyzer), 1.0).on_turn)
    await adapter.receive_activity(_message("年次休暇は何日ですか"))
    kinds = [(a.type, (_stream_info(a) or {}).get("streamType")) for _, a in adapter.sent]
    assert kinds == [("typing", "informative"), ("message", "final")]


async def test_group_chats_and_channels_get_one_final_message_without_streaming(services):
    for kind in ("groupChat", "channel"):
        adapter = TimedAdapter(_bot(services, DraftingAnswerer(services.analyzer), 0.2).on_turn)
        await adapter.receive_activity(_message("<at>例規ボット</at> 年次休暇は何日ですか", kind, mention=True))
        assert [a.type for _, a in adapter.sent] == ["typing", "message"]
        assert all(_stream_info(a) is None for _, a in adapter.sent)


class _FakeContext:
    """Just enough of a TurnContext for TeamsStream: records activities, returns ids or none."""

    def __init__(self, ids=True):
        self.sent, self.ids = [], ids

    async def send_activity(self, activity):
        self.sent.append(activity)

        class Response:
            id = f"s{len(self.sent)}" if self.ids else None
        return Response()


async def test_stream_stops_updating_after_its_time_budget():
    now = [0.0]
    context = _FakeContext()
    stream = TeamsStream(context, interval=1.0, max_seconds=120, clock=lambda: now[0])
    await stream.informative("検索中")
    now[0] = 60
    assert await stream.update("途中まで")
    now[0] = 121
    assert not await stream.update("途中までの続き")  # past two minutes: no more updates
    final = stream.finish(Activity(type="message", text="完成", entities=[]))
    assert [e.serialize() for e in final.entities] == [{"type": "streaminfo", "streamId": "s1", "streamType": "final"}]
    assert len(context.sent) == 2


async def test_without_a_stream_id_the_reply_falls_back_to_one_plain_message():
    context = _FakeContext(ids=False)
    stream = TeamsStream(context, interval=0.0)
    await stream.informative("検索中")
    assert not await stream.update("途中")
    final = stream.finish(Activity(type="message", text="完成", entities=[]))
    assert final.entities == [] and len(context.sent) == 1


async def test_under_load_updates_after_the_first_streamed_text_are_spaced_further():
    pacer = UpdatePacer(updates_per_second=2.0)
    now = [0.0]
    streams = [TeamsStream(_FakeContext(), interval=1.0, clock=lambda: now[0], pacer=pacer) for _ in range(6)]
    for stream in streams:
        await stream.informative("検索中")
    assert pacer.active == 6 and pacer.interval(1.0) == 3.0  # 6 streams at 2 updates/s together
    mine = streams[0]
    now[0] = 1.0
    assert await mine.update("年次")  # the first streamed text: Teams' own interval only
    now[0] = 2.5
    assert not await mine.update("年次休暇は")  # 1.5 s later: too soon while six streams run
    now[0] = 4.0
    assert await mine.update("年次休暇は二十日")
    for stream in streams[1:]:  # the others end; with one stream left, one second is enough again
        stream.finish(Activity(type="message", text="完成", entities=[]))
    assert pacer.active == 1
    now[0] = 5.0
    assert await mine.update("年次休暇は二十日です")


def test_a_stream_dropped_without_its_final_message_stops_counting():
    pacer = UpdatePacer(updates_per_second=1.0)
    stream = TeamsStream(_FakeContext(), pacer=pacer)
    pacer.started(stream)
    assert pacer.active == 1
    del stream
    gc.collect()
    assert pacer.active == 0


async def test_informative_text_is_bounded():
    context = _FakeContext()
    await TeamsStream(context).informative("あ" * 5000)
    assert len(context.sent[0].text) == 1000


class FailingAfterADraft:
    async def stream(self, question, passages):
        yield AnswerDraft(text="規程では次のように")
        raise RuntimeError("model connection dropped")

    async def aclose(self) -> None:
        pass


async def test_a_failure_mid_stream_ends_the_stream_with_the_apology(services):
    adapter = TimedAdapter(_bot(services, FailingAfterADraft(), 0.0).on_turn)
    errors = []

    async def on_error(_context, error):  # the edge's handler: it logs, the bot already apologised
        errors.append(error)

    adapter.on_turn_error = on_error
    await adapter.receive_activity(_message("年次休暇は何日ですか"))
    assert [getattr(error, "user_informed", False) for error in errors] == [True]
    kinds = [(a.type, (_stream_info(a) or {}).get("streamType")) for _, a in adapter.sent]
    assert kinds == [("typing", "informative"), ("typing", "streaming"), ("message", "final")]
    final = adapter.sent[-1][1]
    assert "問題が発生しました" in final.text and _stream_info(final)["streamId"] == adapter.ids[0]
