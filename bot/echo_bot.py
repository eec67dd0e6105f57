"""The floor for bot benchmarks: a plain botbuilder echo bot on the same HTTP edge.

`create_echo_app(stock_adapter=True)` is what a botbuilder sample does (stock CloudAdapter, one
ConnectorClient per turn); `stock_adapter=False` puts the same echo on our adapter
(bot/connector.py), so a benchmark can show the framework's own cost with and without it.
"""
from __future__ import annotations

from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bot.server import MessageEdge, _Config, create_adapter


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))


def create_stock_adapter() -> CloudAdapter:
    """botbuilder's CloudAdapter as its samples build it, anonymous (local only)."""
    config = _Config(app_id="", password="", app_type="MultiTenant", tenant_id="")  # nosec B106  # empty: anonymous
    return CloudAdapter(ConfigurationBotFrameworkAuthentication(config))


def create_echo_app(*, stock_adapter: bool = True) -> web.Application:
    """Anonymous (local only): no app id, no tokens."""
    if stock_adapter:
        adapter = create_stock_adapter()
    else:
        adapter = create_adapter(app_id="", password="", app_type="MultiTenant", tenant_id="")  # nosec B106  # anonymous
    app = web.Application(client_max_size=1024 * 1024)
    # The same edge as the bot (anonymous, loopback only), with no concurrency cap: a floor
    # never answers "busy".
    edge = MessageEdge(adapter=adapter, bot=EchoBot(), validator=None, max_concurrent_turns=1_000_000)
    app.router.add_post("/api/messages", edge.handle)

    async def close_connector(_app: web.Application):
        yield
        await edge.drain()
        connector = getattr(adapter, "connector", None)
        if connector is not None:
            await connector.aclose()

    app.cleanup_ctx.append(close_connector)
    return app
