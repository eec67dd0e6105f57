"""Answer -> Teams message activity: [n] markers in the text plus one schema.org Message entity
carrying the citations and the AI-generated label (Teams' documented JSON, see GUIDE A3)."""
from __future__ import annotations

from botbuilder.schema import Activity, ActivityTypes, Entity

from prompts import messages
from retrieval.models import Answer, Citation

# Limits Teams (and the Agents Playground's validator) enforce on the citation entity.
MAX_CITATIONS = 10
MAX_NAME_CHARS = 80
MAX_ABSTRACT_CHARS = 160
MAX_KEYWORDS = 3
MAX_KEYWORD_CHARS = 28
MAX_TEXT_CHARS = 20_000  # far below Teams' ~80 KB message limit, even in UTF-8 with entities


class AIMessageEntity(Entity):
    """An Entity whose extra keys are declared, because botbuilder's serializer (msrest) drops
    undeclared ones: a plain Entity would leave Teams only `{"type": ...}`."""

    _attribute_map = {
        "type": {"key": "type", "type": "str"},
        "at_type": {"key": "@type", "type": "str"},
        "at_context": {"key": "@context", "type": "str"},
        "at_id": {"key": "@id", "type": "str"},
        "additional_type": {"key": "additionalType", "type": "[str]"},
        "citation": {"key": "citation", "type": "[object]"},
    }

    def __init__(self, *, citation: list[dict], **kwargs) -> None:
        super().__init__(type="https://schema.org/Message", **kwargs)
        self.at_type = "Message"
        self.at_context = "https://schema.org"
        self.at_id = ""
        self.additional_type = ["AIGeneratedContent"]
        self.citation = citation


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def citation_claim(citation: Citation) -> dict:
    passage = citation.passage
    keywords = [k for k in (passage.category, passage.effective_date and f"施行 {passage.effective_date}",
                            passage.page and f"p.{passage.page}") if k]
    appearance = {
        "@type": "DigitalDocument",
        "name": _clip(passage.citation_name, MAX_NAME_CHARS),
        "abstract": _clip(citation.quote or passage.text, MAX_ABSTRACT_CHARS),
        "keywords": [_clip(str(k), MAX_KEYWORD_CHARS) for k in keywords[:MAX_KEYWORDS]],
    }
    if passage.url:
        appearance["url"] = passage.url
    return {"@type": "Claim", "position": citation.position, "appearance": appearance}


def answer_activity(answer: Answer) -> Activity:
    """The reply for one answer. Abstentions carry the AI label but no citations."""
    citations = [c for c in answer.citations if c.position <= MAX_CITATIONS]
    return Activity(
        type=ActivityTypes.message,
        text=answer.text[:MAX_TEXT_CHARS],
        text_format="markdown",
        entities=[AIMessageEntity(citation=[citation_claim(c) for c in citations])],
        channel_data={"feedbackLoopEnabled": True},
    )


def text_activity(key: str, language: str, **values) -> Activity:
    """A plain reply from prompts/messages.yaml (help, errors, refusals)."""
    return Activity(type=ActivityTypes.message, text=messages(language)[key].format(**values))
