"""How the chat model reads a streamed answer (retrieval/chat_model.py reads the event stream
itself, not through the SDK's chunk objects): the real openai SDK client against the local HTTP
FAKE of the model (tests/fakes/azure_openai_fake.py), which writes the scripted bytes as given."""
import json

import pytest

from retrieval.chat_model import ChatMessage, ChatModelError, ContentFiltered, ModelTimeout, build_chat_model
from settings import load_settings
from tests.fakes.azure_openai_fake import Step

QUESTION = [ChatMessage("user", "年休は何日ですか")]


def event(payload) -> bytes:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


def chunk(content=None, *, role=None, finish_reason=None) -> dict:
    delta = {} if content is None and role is None else {"content": content}
    if role:
        delta["role"] = role
    return {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}


PRELUDE = {"id": "", "object": "", "created": 0, "model": "", "choices": [],  # Azure: prompt filter only
           "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}]}
USAGE = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [],
         "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}}


async def pieces(fake, *, azure: bool = True, timeout: float = 5.0) -> list[str]:
    if azure:
        settings = load_settings(azure_openai_endpoint=fake.url, azure_openai_chat_deployment="chat-dep",
                                 azure_openai_api_key="test-key", llm_timeout_seconds=timeout)
    else:
        settings = load_settings(llm_base_url=fake.url + "/v1", llm_model="m", llm_timeout_seconds=timeout)
    chat = build_chat_model(settings)
    try:
        return [piece async for piece in chat.stream(QUESTION)]
    finally:
        await chat.aclose()


async def test_text_comes_through_whatever_the_events_around_it(fake):
    reply = "年次休暇は二十日です[1]。"
    encoded = event(chunk("年次休暇は", role="assistant"))
    cut = encoded.index("休".encode()) + 1
    fake.script = [Step(raw_stream=[
        event(PRELUDE),
        event(chunk(role="assistant")),  # a role-only delta: no content key
        event(chunk(None)) + b": keep-alive comment\n\n",  # an empty delta, then an SSE comment
        encoded[:cut], encoded[cut:],  # one event split across two reads, inside a UTF-8 character
        event(chunk("二十日です")).replace(b"\n", b"\r\n"),  # CRLF line ends
        b"event: message\nid: 7\ndata: " + json.dumps(chunk("[1]。")).encode() + b"\n\n",
        event(chunk(None, finish_reason="stop")),
        event(USAGE),  # usage comes last, with no choices
        b"data: [DONE]\n\n",
        b"data: {not json, and after [DONE]: never read}\n\n",
    ])]
    assert "".join(await pieces(fake)) == reply


async def test_events_that_arrive_together_are_one_piece(fake):
    together = event(chunk("年次")) + event(chunk("休暇")) + event(chunk("は"))
    fake.chunk_delay_seconds = 0.2  # the next event surely comes in a read of its own
    fake.script = [Step(raw_stream=[together, event(chunk("二十日")), b"data: [DONE]\n\n"])]
    assert await pieces(fake, azure=False) == ["年次休暇は", "二十日"]


async def test_a_last_event_without_its_blank_line_still_counts(fake):
    fake.script = [Step(raw_stream=[event(chunk("二十日です")), b"data: " + json.dumps(chunk("。")).encode()])]
    assert "".join(await pieces(fake)) == "二十日です。"


@pytest.mark.parametrize("error, kind", [
    ({"message": "The server had an error while processing your request.", "code": "server_error"},
     ChatModelError),
    ({"message": "The response was filtered due to the prompt triggering Azure OpenAI's content management"
                 " policy.", "code": "content_filter"}, ContentFiltered),
], ids=["server_error", "content_filter"])
async def test_an_error_sent_inside_the_stream_is_our_error(fake, error, kind):
    fake.script = [Step(raw_stream=[event(chunk("年次休暇は")), event({"error": error})])]
    with pytest.raises(ChatModelError) as raised:
        await pieces(fake)
    assert type(raised.value) is kind and "policy" not in str(raised.value)


async def test_a_content_filter_cut_while_streaming_raises(fake):
    fake.script = [Step(raw_stream=[event(chunk("途中まで")), event(chunk(None, finish_reason="content_filter"))])]
    with pytest.raises(ContentFiltered):
        await pieces(fake)


@pytest.mark.parametrize("bad", [
    b"data: {\"choices\": [\n\n",  # cut JSON
    b"data: {\"choices\": [1]}\n\n",  # a choice that is not an object
    b"data: [1, 2]\n\n",  # not an object at all
    b"data: {\"choices\": [{\"delta\": {\"content\": \"\xe5\xb9\"}}]}\n\n",  # not UTF-8
], ids=["cut", "choice", "list", "bytes"])
async def test_a_malformed_chunk_is_a_model_error(fake, bad):
    fake.script = [Step(raw_stream=[event(chunk("年次")), bad])]
    with pytest.raises(ChatModelError, match="malformed"):
        await pieces(fake)


async def test_a_stream_that_breaks_off_is_a_model_error_not_a_timeout(fake):
    fake.script = [Step(raw_stream=[event(chunk("年次休暇は"))], break_off=True)]
    with pytest.raises(ChatModelError) as raised:
        await pieces(fake)
    assert not isinstance(raised.value, ModelTimeout)


async def test_a_stalled_stream_times_out(fake):
    fake.chunk_delay_seconds = 1.0  # longer than the read timeout
    fake.script = [Step(raw_stream=[event(chunk("年次")), event(chunk("休暇"))])]
    with pytest.raises(ModelTimeout):
        await pieces(fake, timeout=0.3)


async def test_an_unreachable_model_is_not_reported_as_slow():
    class Nowhere:
        url = "http://127.0.0.1:9"  # the discard port: nothing listens

    with pytest.raises(ChatModelError) as raised:
        await pieces(Nowhere())
    assert not isinstance(raised.value, ModelTimeout) and "unreachable" in str(raised.value)


async def test_a_connection_lost_mid_body_is_not_reported_as_a_timeout():
    # The SDK's aiohttp transport reports every aiohttp connection error (a reset, the server
    # disconnecting) as httpx's ConnectTimeout, also while the body is being read.
    import httpx2

    from retrieval.chat_model import _streamed_text

    async def body():
        yield event(chunk("年次休暇は"))
        raise httpx2.ConnectTimeout("connection reset by peer")

    with pytest.raises(ChatModelError) as raised:
        [piece async for piece in _streamed_text(body())]
    assert not isinstance(raised.value, ModelTimeout) and "broke off" in str(raised.value)
