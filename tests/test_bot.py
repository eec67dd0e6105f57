"""The bot in-process through botbuilder's TestAdapter (no HTTP)."""
import pytest
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

from bot.handler import RegulationBot
from retrieval.models import Answer, Question


class RecordingAdmin:
    def __init__(self):
        self.reindexed = 0

    def status(self):
        return "documents 2"

    def reindex(self):
        self.reindexed += 1
        return "added 0 / updated 1"


def make_bot(services, admin=None, admin_ids=()):
    return RegulationBot(answer=services.pipeline.answer, admin=admin, admin_ids=admin_ids,
                         max_question_chars=200)


def message(text, aad_id="user-1"):
    return Activity(type=ActivityTypes.message, text=text, channel_id="msteams",
                    from_property=ChannelAccount(id="29:u", name="User", aad_object_id=aad_id),
                    recipient=ChannelAccount(id="28:bot", name="例規ボット"))


async def replies_to(bot, activity):
    adapter = TestAdapter(bot.on_turn)
    await adapter.receive_activity(activity)
    await bot.wait_for_background()
    return list(adapter.activity_buffer)


async def test_question_gets_cited_answer_with_teams_entity(services):
    [reply] = await replies_to(make_bot(services), message("<at>例規ボット</at> 年次休暇は何日ですか"))
    assert "[1]" in reply.text and "第二条" in reply.text
    entity = reply.entities[0].serialize()
    assert entity["@type"] == "Message" and entity["additionalType"] == ["AIGeneratedContent"]
    claim = entity["citation"][0]
    assert claim["position"] == 1
    assert claim["appearance"]["name"].startswith("テスト町職員の休暇に関する規程 第二条")
    assert len(claim["appearance"]["abstract"]) <= 160
    assert reply.channel_data == {"feedbackLoopEnabled": True}


async def test_english_question_gets_english_text(services):
    [reply] = await replies_to(make_bot(services), message("Is there a curry discount in the canteen?"))
    assert reply.text.startswith("I could not find")


@pytest.mark.parametrize("text, expected", [
    ("<at>例規ボット</at>", "ご質問の内容を入力してください"),
    ("あ" * 500, "長すぎます"),
    ("/frobnicate", "というコマンドはありません"),
    ("/help", "規程についての質問"),
])
async def test_bad_or_special_input_gets_a_polite_reply(services, text, expected):
    [reply] = await replies_to(make_bot(services), message(text))
    assert expected in reply.text


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


async def test_pipeline_failure_becomes_polite_error(services):
    def broken(_question: Question) -> Answer:
        raise RuntimeError("index exploded")

    adapter = TestAdapter(RegulationBot(answer=broken).on_turn)

    async def on_error(context, error):
        await context.send_activity("error-handler:" + error.__class__.__name__)

    adapter.on_turn_error = on_error
    await adapter.receive_activity(message("年休は？"))
    assert adapter.activity_buffer[0].text == "error-handler:RuntimeError"


async def test_feedback_invoke_is_acknowledged(services):
    invoke = Activity(type=ActivityTypes.invoke, name="message/submitAction", channel_id="msteams",
                      reply_to_id="reply-1",
                      value={"actionName": "feedback",
                             "actionValue": {"reaction": "like", "feedback": '{"feedbackText":"good"}'}},
                      from_property=ChannelAccount(id="29:u"), recipient=ChannelAccount(id="28:bot"))
    replies = await replies_to(make_bot(services), invoke)
    response = next(r for r in replies if r.type == "invokeResponse")
    assert response.value.status == 200 and response.value.body == {}


async def test_feedback_is_kept_with_the_answer_it_judges(services, tmp_path):
    from feedback import FeedbackLog

    log = FeedbackLog(tmp_path / "feedback.jsonl")
    bot = RegulationBot(answer=services.pipeline.answer, feedback=log)
    adapter = TestAdapter(bot.on_turn)
    await adapter.receive_activity(message("年次休暇は何日ですか"))
    # TestAdapter numbers what the bot sends; Teams would return the posted message's id
    [reply_id] = list(bot._answered)
    invoke = Activity(type=ActivityTypes.invoke, name="message/submitAction", channel_id="msteams",
                      reply_to_id=reply_id,
                      value={"actionName": "feedback",
                             "actionValue": {"reaction": "dislike",
                                             "feedback": '{"feedbackText":"古い。連絡は090-1234-5678へ"}'}},
                      from_property=ChannelAccount(id="29:u"), recipient=ChannelAccount(id="28:bot"))
    await adapter.receive_activity(invoke)
    [record] = log.read()
    assert record["reaction"] == "dislike" and record["text"] == "古い。連絡は[phone]へ"  # redacted like logs
    assert record["answer"]["question"] == "年次休暇は何日ですか"
    assert record["answer"]["citations"][0].startswith("テスト町職員の休暇に関する規程 第二条")
