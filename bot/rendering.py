"""Answer -> Teams message activity: [n] markers in the text plus one schema.org Message entity
carrying the citations, the AI-generated label and the sensitivity label (Teams' documented JSON,
see GUIDE A3), feedback buttons, and suggested follow-up questions as imBack buttons."""
from __future__ import annotations

from dataclasses import dataclass

from botbuilder.schema import Activity, ActivityTypes, CardAction, Entity, SuggestedActions

from prompts import messages
from retrieval.models import Answer, Citation

# Limits Teams (and the Agents Playground's validator) enforce on the citation entity.
MAX_CITATIONS = 10
MAX_NAME_CHARS = 80
MAX_ABSTRACT_CHARS = 160
MAX_KEYWORDS = 3
MAX_KEYWORD_CHARS = 28
MAX_TEXT_CHARS = 20_000  # far below Teams' ~80 KB message limit, even in UTF-8 with entities
MAX_SUGGESTIONS = 3  # Teams shows at most three suggested actions
MAX_SUGGESTION_CHARS = 100
NEAR_MISS_CONFIDENCE = 0.3  # an article this close to an unanswered question is worth a button
# The current form of Teams' feedback buttons (the older one was {"feedbackLoopEnabled": true}).
FEEDBACK_CHANNEL_DATA = {"feedbackLoop": {"type": "default"}}


@dataclass(frozen=True)
class ReplyOptions:
    """What the deployment adds to every answer (from settings)."""

    sensitivity_label: str = ""  # e.g. 庁内限り; empty = no label
    sensitivity_description: str = ""
    help_desk: str = ""  # named after an abstention; empty = no line
    suggestions: bool = True  # Teams shows suggested actions in 1:1 and group chats, not channels


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
        "usage_info": {"key": "usageInfo", "type": "object"},
    }

    def __init__(self, *, citation: list[dict], usage_info: dict | None = None, **kwargs) -> None:
        super().__init__(type="https://schema.org/Message", **kwargs)
        self.at_type = "Message"
        self.at_context = "https://schema.org"
        self.at_id = ""
        self.additional_type = ["AIGeneratedContent"]
        self.citation = citation
        self.usage_info = usage_info


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def citation_claim(citation: Citation) -> dict:
    passage = citation.passage
    keywords = [k for k in (passage.category, passage.effective_date and f"施行 {passage.effective_date}",
                            passage.page and f"p.{passage.page}") if k]
    appearance = {
        "@type": "DigitalDocument",
        "name": _clip(citation.name, MAX_NAME_CHARS),
        "abstract": _clip(citation.quote or passage.text, MAX_ABSTRACT_CHARS),
        "keywords": [_clip(str(k), MAX_KEYWORD_CHARS) for k in keywords[:MAX_KEYWORDS]],
    }
    if passage.url:
        appearance["url"] = passage.url
    return {"@type": "Claim", "position": citation.position, "appearance": appearance}


def _usage_info(options: ReplyOptions) -> dict | None:
    if not options.sensitivity_label:
        return None
    return {"@type": "CreativeWork", "name": options.sensitivity_label[:MAX_NAME_CHARS],
            "description": options.sensitivity_description[:MAX_ABSTRACT_CHARS]}


def suggested_actions(questions: list[str]) -> SuggestedActions | None:
    """Buttons that send their text back as the user's next message (imBack)."""
    unique = [q[:MAX_SUGGESTION_CHARS] for q in dict.fromkeys(q.strip() for q in questions) if q]
    if not unique:
        return None
    return SuggestedActions(actions=[CardAction(type="imBack", title=q, value=q)
                                     for q in unique[:MAX_SUGGESTIONS]])


def answer_text(answer: Answer, options: ReplyOptions) -> str:
    """The answer text plus the line the Teams layer adds after an abstention: the desk to ask.
    (A notice such as "the AI was busy" is already the answer's first line: the answerer writes it,
    so the command line and the evaluation see it too.)"""
    text = messages(answer.language)
    lines = [answer.text]
    if answer.abstained and options.help_desk:
        lines.append(text["ask_desk"].format(desk=options.help_desk))
    return "\n\n".join(lines)[:MAX_TEXT_CHARS]


def _suggestions(answer: Answer) -> list[str]:
    if not answer.abstained:
        return list(answer.follow_ups)
    # After an abstention, the articles that came closest become questions to click.
    # Those the answer itself names as near misses, else those the searcher was fairly sure of.
    template = messages(answer.language)["about_article"]
    names = [s.passage.citation_name for s in answer.passages if s.passage.citation_name in answer.text]
    if not names:
        names = [s.passage.citation_name for s in answer.passages
                 if s.confidence is not None and s.confidence >= NEAR_MISS_CONFIDENCE]
    return [template.format(name=name) for name in list(dict.fromkeys(names))[:MAX_SUGGESTIONS]]


def answer_activity(answer: Answer, options: ReplyOptions = ReplyOptions()) -> Activity:
    """The reply for one answer. Abstentions carry the AI label but no citations."""
    citations = [c for c in answer.citations if c.position <= MAX_CITATIONS]
    return Activity(
        type=ActivityTypes.message,
        text=answer_text(answer, options),
        text_format="markdown",
        entities=[AIMessageEntity(citation=[citation_claim(c) for c in citations],
                                  usage_info=_usage_info(options))],
        channel_data=dict(FEEDBACK_CHANNEL_DATA),
        suggested_actions=suggested_actions(_suggestions(answer)) if options.suggestions else None,
    )


def text_activity(key: str, language: str, **values) -> Activity:
    """A plain reply from prompts/messages.yaml (help, errors, refusals)."""
    return Activity(type=ActivityTypes.message, text=messages(language)[key].format(**values))


def examples_activity(key: str, language: str, *, extra: str = "", buttons: bool = True) -> Activity:
    """A friendly reply (welcome, small talk, help) followed by example questions to try, listed in
    the text and, where Teams shows them, as buttons."""
    text = messages(language)
    examples = list(text["example_questions"])
    # One paragraph per example: clients differ in how they render markdown lists.
    body = "\n\n".join(part for part in (text[key], text["examples_intro"], *(f"・{q}" for q in examples), extra)
                         if part)
    return Activity(type=ActivityTypes.message, text=body, text_format="markdown",
                    suggested_actions=suggested_actions(examples) if buttons else None)
