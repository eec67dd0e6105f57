"""The bot in-process through botbuilder's TestAdapter (no HTTP)."""
import pytest
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount, Entity

from bot.handler import RegulationBot
from bot.rendering import ReplyOptions
from prompts import messages
from retrieval.models import Answer, Citation, Passage, Question, ScoredPassage
from state.conversation import ConversationState
from state.sqlite_store import SqliteStateStore

BOT = ChannelAccount(id="28:bot", name="例規ボット")


class RecordingAdmin:
    def __init__(self):
        self.reindexed = 0

    def status(self):
        return "documents 2"

    def reindex(self):
        self.reindexed += 1
        return "added 0 / updated 1"


class ScriptedPipeline:
    """Stands in for AnswerPipeline: records each Question and yields a prepared Answer."""

    def __init__(self, answer: Answer):
        self.answer = answer
        self.questions: list[Question] = []

    async def stream(self, question):
        self.questions.append(question)
        yield self.answer


def _passage(n, article):
    return Passage(doc="kyuka.md", seq=n, title="テスト町職員の休暇に関する規程", text="本文。", article=article)


def make_bot(services, admin=None, admin_ids=(), **kwargs):
    return RegulationBot(pipeline=services.pipeline, admin=admin, admin_ids=admin_ids,
                         max_question_chars=200, **kwargs)


def message(text, aad_id="user-1", *, conversation_type=None, locale=None, mention=False, conversation="c1"):
    entities = [Entity().deserialize({"type": "mention", "mentioned": {"id": BOT.id, "name": BOT.name}})] \
        if mention else None
    return Activity(type=ActivityTypes.message, text=text, channel_id="msteams", locale=locale,
                    from_property=ChannelAccount(id="29:u", name="User", aad_object_id=aad_id),
                    conversation=ConversationAccount(id=conversation, conversation_type=conversation_type),
                    recipient=BOT, entities=entities)


async def replies_to(bot, *activities):
    adapter = TestAdapter(bot.on_turn)
    for activity in activities:
        await adapter.receive_activity(activity)
    await bot.wait_for_background()
    return list(adapter.activity_buffer)


class IdRecordingAdapter(TestAdapter):
    def __init__(self, logic):
        super().__init__(logic)
        self.sent: list[str] = []

    async def send_activities(self, context, activities):
        responses = await super().send_activities(context, activities)
        self.sent += [response.id for response in responses]
        return responses


def messages_only(replies):
    return [r for r in replies if r.type == "message"]


async def test_question_gets_cited_answer_with_teams_entity(services):
    [reply] = messages_only(await replies_to(make_bot(services), message("<at>例規ボット</at> 年次休暇は何日ですか")))
    assert "[1]" in reply.text and "第二条" in reply.text
    entity = next(e.serialize() for e in reply.entities if e.type == "https://schema.org/Message")
    assert entity["@type"] == "Message" and entity["additionalType"] == ["AIGeneratedContent"]
    claim = entity["citation"][0]
    assert claim["position"] == 1
    assert claim["appearance"]["name"].startswith("テスト町職員の休暇に関する規程 第二条")
    assert len(claim["appearance"]["abstract"]) <= 160
    assert reply.channel_data == {"feedbackLoop": {"type": "default"}}


async def test_english_question_gets_english_text(services):
    [reply] = messages_only(await replies_to(make_bot(services), message("Is there a curry discount in the canteen?")))
    assert reply.text.startswith("I could not find")


@pytest.mark.parametrize("text, expected", [
    ("<at>例規ボット</at>", "ご質問の内容を入力してください"),
    ("あ" * 500, "長すぎます"),
    ("/frobnicate", "というコマンドはありません"),
    ("/help", "年休は何日もらえますか"),
])
async def test_bad_or_special_input_gets_a_polite_reply(services, text, expected):
    [reply] = await replies_to(make_bot(services), message(text))
    assert expected in reply.text


@pytest.mark.parametrize("text, locale, expected", [
    ("こんにちは", None, "例規Q&Aボットです"),
    ("ありがとうございます！", "en-US", "どういたしまして"),  # Japanese text: Japanese reply
    ("ok", "ja-JP", "承知しました"),  # the client's language, even for "ok"
    ("ok", "en-US", "All right"),
    ("Hi", None, "Hello!"),
    ("help", "ja-JP", "例規（条例・規則・規程・要綱）"),
    ("1", "ja-JP", "例規（条例・規則・規程・要綱）"),
    ("？？", None, "例規（条例・規則・規程・要綱）"),
    ("お疲れ様です。人事課の山田です。", None, "例規Q&Aボットです"),  # a greeting and who is writing
    ("ありがとうございます、助かりました！", None, "どういたしまして"),
])
async def test_small_talk_gets_a_friendly_reply_with_examples_and_no_search(text, locale, expected):
    pipeline = ScriptedPipeline(Answer(text="unused", citations=(), passages=(), abstained=True, language="ja"))
    [reply] = await replies_to(RegulationBot(pipeline=pipeline), message(text, locale=locale))
    assert expected in reply.text
    assert not pipeline.questions, "small talk must not be searched"
    assert not reply.entities, "small talk carries no citation entity"
    assert [a.type for a in reply.suggested_actions.actions] == ["imBack"] * 3
    assert "見つかりませんでした" not in reply.text and "could not find" not in reply.text


async def test_history_is_passed_to_the_pipeline_and_reset_clears_it():
    answer = Answer(text="答え[1]", citations=(Citation(1, _passage(1, "第二条"), "本文。"),), passages=(),
                    abstained=False, language="ja")
    pipeline = ScriptedPipeline(answer)
    bot = RegulationBot(pipeline=pipeline, state=ConversationState(_memory(), history_turns=4))
    await replies_to(bot, message("年休は何日？"), message("それは繰り越せる？"), message("では半日単位は？"))
    assert pipeline.questions[0].history == ()
    assert [t.text for t in pipeline.questions[1].history] == ["年休は何日？", "答え[1]"]
    # bounded: only the last four turns (two exchanges) are kept
    assert [t.role for t in pipeline.questions[2].history] == ["user", "assistant", "user", "assistant"]
    assert pipeline.questions[2].history[0].text == "年休は何日？"
    [reset, *_] = await replies_to(bot, message("/reset"), message("年休は何日？"))
    assert "消去しました" in reset.text
    assert pipeline.questions[-1].history == ()


async def test_history_is_kept_per_conversation():
    answer = Answer(text="答え", citations=(), passages=(), abstained=True, language="ja")
    pipeline = ScriptedPipeline(answer)
    bot = RegulationBot(pipeline=pipeline)
    await replies_to(bot, message("年休は何日？", conversation="a"), message("育休は？", conversation="b"))
    assert pipeline.questions[1].history == ()


async def test_follow_ups_become_suggested_actions():
    answer = Answer(text="答え[1]", citations=(Citation(1, _passage(1, "第二条"), "本文。"),), passages=(),
                    abstained=False, language="ja", follow_ups=("繰り越しは？", "半日単位は？", "申請先は？", "四つ目"))
    [reply] = messages_only(await replies_to(RegulationBot(pipeline=ScriptedPipeline(answer)), message("年休は？")))
    actions = reply.suggested_actions.actions
    assert [(a.type, a.value) for a in actions] == [("imBack", "繰り越しは？"), ("imBack", "半日単位は？"),
                                                     ("imBack", "申請先は？")]


async def test_abstention_offers_the_nearest_articles_and_names_the_desk():
    near = [ScoredPassage(_passage(1, "第二条"), 3.0, confidence=0.45),
            ScoredPassage(_passage(2, "第三条"), 2.0, confidence=0.35),
            ScoredPassage(_passage(3, "第九条"), 1.0, confidence=0.05)]
    answer = Answer(text="規程に該当する記載が見つかりませんでした。", citations=(), passages=tuple(near),
                    abstained=True, language="ja")
    bot = RegulationBot(pipeline=ScriptedPipeline(answer), options=ReplyOptions(help_desk="総務課"))
    [reply] = messages_only(await replies_to(bot, message("カレーの値段は？")))
    assert reply.text.endswith("解決しない場合は総務課にお問い合わせください。")
    assert [a.value for a in reply.suggested_actions.actions] == [
        "テスト町職員の休暇に関する規程 第二条について教えてください",
        "テスト町職員の休暇に関する規程 第三条について教えてください"]


async def test_answer_notice_written_by_the_answerer_is_shown_once():
    notice = messages("ja")["notice_model_busy"]
    answer = Answer(text=f"{notice}\n\n答え[1]", citations=(Citation(1, _passage(1, "第二条"), "本文。"),),
                    passages=(), abstained=False, language="ja", notice="model_busy")
    [reply] = messages_only(await replies_to(RegulationBot(pipeline=ScriptedPipeline(answer)), message("年休は？")))
    assert reply.text == f"{notice}\n\n答え[1]" and reply.text.count(notice) == 1


async def test_channel_messages_are_answered_only_when_the_bot_is_mentioned(services):
    bot = make_bot(services)
    assert await replies_to(bot, message("年次休暇は何日ですか", conversation_type="channel")) == []
    assert await replies_to(bot, message("年次休暇は何日ですか", conversation_type="groupChat")) == []
    replies = await replies_to(bot, message("<at>例規ボット</at> 年次休暇は何日ですか", conversation_type="channel",
                                            mention=True))
    assert [r.type for r in replies] == ["typing", "message"]  # typing, then one final message
    assert replies[1].suggested_actions is None  # Teams shows none in channels


def _conversation_update(members, conversation_type="personal"):
    return Activity(type=ActivityTypes.conversation_update, channel_id="msteams", members_added=members,
                    conversation=ConversationAccount(id="team-1", conversation_type=conversation_type),
                    from_property=ChannelAccount(id="29:u"), recipient=BOT)


async def test_welcome_exactly_once_per_install_and_never_when_users_join(services):
    bot = make_bot(services)
    install = Activity(type="installationUpdate", action="add", channel_id="msteams", recipient=BOT,
                       conversation=ConversationAccount(id="team-1", conversation_type="channel"),
                       from_property=ChannelAccount(id="29:u"))
    replies = await replies_to(bot, install, _conversation_update([BOT], "channel"),
                               _conversation_update([ChannelAccount(id="29:new-user")], "channel"),
                               _conversation_update([None], "channel"))
    assert len(replies) == 1 and "例規Q&Aボットです" in replies[0].text


async def test_a_user_joining_gets_no_welcome(services):
    assert await replies_to(make_bot(services), _conversation_update([ChannelAccount(id="29:new")], "groupChat")) == []


def _invoke(name, value):
    return Activity(type=ActivityTypes.invoke, name=name, channel_id="msteams", value=value,
                    conversation=ConversationAccount(id="c1"), reply_to_id="reply-1",
                    from_property=ChannelAccount(id="29:u", aad_object_id="user-1"), recipient=BOT)


@pytest.mark.parametrize("name, value, body", [
    ("adaptiveCard/action", "not an object", {"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                                              "value": "この操作には対応していません。ご質問はメッセージで送ってください。"}),
    ("adaptiveCard/action", None, {"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                                   "value": "この操作には対応していません。ご質問はメッセージで送ってください。"}),
    ("composeExtension/query", {"commandId": "x"},
     {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": []}}),
    ("composeExtension/selectItem", [1, 2],
     {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": []}}),
    ("task/submit", {}, {"task": {"type": "message", "value": "この操作には対応していません。ご質問はメッセージで送ってください。"}}),
    ("signin/verifyState", {"state": "1"}, {}),
    ("config/fetch", None, {}),
    (None, {"key": "value"}, {}),
    ("message/submitAction", "garbage", {}),
])
async def test_every_invoke_gets_a_well_formed_200(services, name, value, body):
    replies = await replies_to(make_bot(services), _invoke(name, value))
    response = next(r for r in replies if r.type == "invokeResponse")
    assert response.value.status == 200 and response.value.body == body


async def test_admin_command_refused_for_non_admin(services):
    admin = RecordingAdmin()
    bot = make_bot(services, admin=admin, admin_ids=("admin-1",))
    [reply] = await replies_to(bot, message("/reindex", aad_id="user-1"))
    assert "管理者のみ" in reply.text
    assert admin.reindexed == 0


async def test_admin_reindex_runs_in_background_and_reports_proactively(services):
    admin = RecordingAdmin()
    bot = make_bot(services, admin=admin, admin_ids=("admin-1",))
    replies = await replies_to(bot, message("/reindex", aad_id="admin-1"))
    assert admin.reindexed == 1
    assert "開始しました" in replies[0].text
    assert "完了しました：added 0 / updated 1" in replies[1].text


async def test_pipeline_failure_becomes_polite_error():
    class Broken:
        async def stream(self, _question):
            raise RuntimeError("index exploded")
            yield  # pragma: no cover - makes this an async generator

    adapter = TestAdapter(RegulationBot(pipeline=Broken()).on_turn)

    async def on_error(context, error):  # as the HTTP edge's: no second apology after the bot's own
        if not getattr(error, "user_informed", False):
            await context.send_activity("error-handler:" + error.__class__.__name__)

    adapter.on_turn_error = on_error
    # In a channel the error goes to the adapter's error handler (the HTTP edge's polite reply)...
    await adapter.receive_activity(message("<at>例規ボット</at> 年休は？", conversation_type="channel", mention=True))
    assert adapter.activity_buffer[-1].text == "error-handler:RuntimeError"
    # ...in a 1:1 chat the stream is already open, so the apology is sent as its final message.
    await adapter.receive_activity(message("年休は？"))
    assert "問題が発生しました" in adapter.activity_buffer[-1].text
    assert adapter.activity_buffer[-1].entities[0].stream_type == "final"


async def test_feedback_is_kept_with_the_answer_it_judges_across_a_restart(services, tmp_path):
    path = tmp_path / "state.sqlite"
    bot = make_bot(services, state=ConversationState(SqliteStateStore(path), user_salt="pepper"))
    adapter = IdRecordingAdapter(bot.on_turn)
    await adapter.receive_activity(message("年次休暇は何日ですか"))
    reply_id = adapter.sent[-1]  # the id the connector gave the answer; Teams sends it back as replyToId
    await bot.state.aclose()

    restarted = make_bot(services, state=ConversationState(SqliteStateStore(path), user_salt="pepper"))
    feedback = _invoke("message/submitAction", {"actionName": "feedback", "actionValue": {
        "reaction": "dislike", "feedback": '{"feedbackText":"古い。連絡は090-1234-5678へ' + "あ" * 5000 + '"}'}})
    feedback.reply_to_id = reply_id
    await replies_to(restarted, feedback)
    [record] = await restarted.state.feedback()
    assert record["reaction"] == "dislike" and record["text"].startswith("古い。連絡は[phone]へ")  # redacted
    assert len(record["text"]) <= 1000  # bounded
    assert record["question"] == "年次休暇は何日ですか"
    assert record["citations"][0].startswith("テスト町職員の休暇に関する規程 第二条")
    assert record["passage_ids"] and record["passage_ids"][0].startswith("kyuka.md#")
    assert record["user"] and "user-1" not in record["user"] and record["conversation_type"] == "personal"
    await restarted.state.aclose()


def _memory():
    from state.memory_store import MemoryStateStore

    return MemoryStateStore()


async def test_a_greeting_before_a_question_does_not_hide_the_question():
    pipeline = ScriptedPipeline(Answer(text="答え", citations=(), passages=(), abstained=True, language="ja"))
    await replies_to(RegulationBot(pipeline=pipeline), message("お疲れ様です。人事課の山田です。育休はいつまで取れますか？"))
    assert [q.text for q in pipeline.questions] == ["お疲れ様です。人事課の山田です。育休はいつまで取れますか？"]
