"""Teams streaming in 1:1 chats (Microsoft Learn "streaming-ux"; GUIDE A3).

The protocol, all plain activities:
1. `typing` activities carrying an entity {"type": "streaminfo", "streamType": "informative" or
   "streaming", "streamSequence": n}; n starts at 1 and grows by one with every update; the first
   update's response id is the stream id, which every later activity repeats as "streamId";
2. each "streaming" update carries the whole text so far; about one update per second at most;
3. a normal `message` with {"type": "streaminfo", "streamId": id, "streamType": "final"} (plus the
   citations and feedback) ends the stream. A stream may last two minutes at most.

Updates that come faster than the interval are dropped (the next one carries the whole text
anyway); after the time budget no more updates are sent, only the final message. When many
answers stream at once, an `UpdatePacer` shared by the streams spaces their updates further.
"""
from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, Entity

log = logging.getLogger(__name__)

MAX_INFORMATIVE_CHARS = 1000
MAX_STREAM_SECONDS = 110  # Teams ends a stream after 2 minutes; leave room for the final message
MAX_UPDATE_CHARS = 20_000


class StreamInfoEntity(Entity):
    """Declared fields, because botbuilder's serializer drops undeclared ones (GUIDE A2)."""

    _attribute_map = {
        "type": {"key": "type", "type": "str"},
        "stream_id": {"key": "streamId", "type": "str"},
        "stream_type": {"key": "streamType", "type": "str"},
        "stream_sequence": {"key": "streamSequence", "type": "int"},
    }

    def __init__(self, *, stream_type: str, stream_id: str | None = None,
                 stream_sequence: int | None = None, **kwargs) -> None:
        super().__init__(type="streaminfo", **kwargs)
        self.stream_type = stream_type
        self.stream_id = stream_id
        self.stream_sequence = stream_sequence


class UpdatePacer:
    """Spaces the streaming updates of all the streams of the process.

    Each update is an HTTP call that costs this process about a millisecond of its event loop,
    whatever the text's length. With 200 answers streaming at once, one update per second each
    (Teams' limit) took a fifth of the loop's time and pushed every final message later
    (bench/in_flight.py). So a stream's updates after its first are spaced so that all the
    streams together send about `updates_per_second`: fewer, longer updates under load, the
    first streamed text as early as ever, the same interval as before when few answers stream.
    """

    def __init__(self, updates_per_second: float = 50.0) -> None:
        self.updates_per_second = updates_per_second
        # Streams that started and have not finished; one dropped by an error path goes by itself.
        self._streams: weakref.WeakSet[TeamsStream] = weakref.WeakSet()

    @property
    def active(self) -> int:
        return len(self._streams)

    def interval(self, base: float) -> float:
        return max(base, self.active / self.updates_per_second)

    def started(self, stream: TeamsStream) -> None:
        self._streams.add(stream)

    def finished(self, stream: TeamsStream) -> None:
        self._streams.discard(stream)


class TeamsStream:
    """One streamed reply. Use `informative`, then `update` as drafts arrive, then `final`."""

    def __init__(self, context: TurnContext, *, interval: float = 1.0,
                 max_seconds: float = MAX_STREAM_SECONDS, clock: Callable[[], float] = time.monotonic,
                 pacer: UpdatePacer | None = None) -> None:
        self._context = context
        self._interval = interval
        self._pacer = pacer
        self._max_seconds = max_seconds
        self._clock = clock
        self._started: float | None = None
        self._last_sent: float | None = None
        self._last_text = ""
        self.sequence = 0
        self.stream_id: str | None = None
        self.broken = False  # the channel did not accept a stream: fall back to one message

    async def informative(self, text: str) -> None:
        await self._send("informative", text[:MAX_INFORMATIVE_CHARS])

    async def update(self, text: str) -> bool:
        """Send the text so far if the rate and time budget allow; True if it was sent."""
        now = self._clock()
        if self.broken or not text or text == self._last_text:
            return False
        if self._started is not None and now - self._started > self._max_seconds:
            return False
        interval = self._interval
        if self._pacer is not None and self.sequence > 1:  # the first streamed text is not held back
            interval = self._pacer.interval(interval)
        if self._last_sent is not None and now - self._last_sent < interval:
            return False
        await self._send("streaming", text[:MAX_UPDATE_CHARS])
        return not self.broken

    def finish(self, final: Activity) -> Activity:
        """Mark the final message as the end of this stream (unchanged if no stream started)."""
        if self._pacer is not None:
            self._pacer.finished(self)
        if self.stream_id and not self.broken:
            final.entities = [StreamInfoEntity(stream_type="final", stream_id=self.stream_id),
                              *(final.entities or [])]
        return final

    async def _send(self, stream_type: str, text: str) -> None:
        if self.broken:
            return
        now = self._clock()
        self.sequence += 1
        activity = Activity(type=ActivityTypes.typing, text=text, entities=[StreamInfoEntity(
            stream_type=stream_type, stream_id=self.stream_id, stream_sequence=self.sequence)])
        response = await self._context.send_activity(activity)
        if self._started is None:
            self._started = now
            if response is None or not getattr(response, "id", None):
                log.info("the channel returned no stream id: sending one final message instead")
                self.broken = True
                return
            self.stream_id = response.id
            if self._pacer is not None:
                self._pacer.started(self)
        self._last_sent = now
        self._last_text = text
