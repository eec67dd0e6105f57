"""A question that names an example a 定義 item lists speaks of the term that item defines.

例規 define their terms one item per term and name everyday examples in the definition:
「五　外部記録媒体　USBメモリ、外付けハードディスク、SDカード…その他の…記録媒体をいう。」. Staff ask
in those everyday words (USBメモリって使っていいの？), and the only passage that holds them is the
definition, so it ranks first and is quoted as the answer, while the rule that answers
(第十七条　職員等は、外部記録媒体を業務に使用してはならない。ただし、…) says 外部記録媒体 and never
USBメモリ. When one of the first passages lists the asker's word as an example of a term the question
does not name, the question is asked again in the rules' own term.

Only the examples a definition gives before その他 count (the statutory way of listing examples,
「A、B、Cその他のD」), and nothing is bridged when the question already names a term the passage
defines, or asks what something is (then the definition is the answer). On the ja tune pool (national
laws and guidelines, which rarely list examples so) it fires on no question: it is there for
municipal rules like the bundled sample ones.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.analysis import normalize
from retrieval.answer_types import DEFINING_ITEM, AnswerType, classify, word_at

# How many of the first passages are looked at for a definition listing the asker's word.
DEPTH = 3
_LIST_SEPARATOR = re.compile(r"、|及び|並びに|又は|若しくは")
_EXAMPLES_END = "その他"
_MIN_EXAMPLE_CHARS = 2  # a one-character example (紙) would match inside other words
# A 定義 item's line before normalisation (its spaces may still be full-width): what DEFINING_ITEM then reads.
_ITEM_LINE = re.compile(r"^[ \t\u3000]*[一二三四五六七八九十]+[ \t\u3000]+"
                        r"[^ \t\u3000、。「」（）()\n]{1,30}[ \t\u3000]+[^\n。]*をいう。", re.M)


@dataclass(frozen=True)
class Bridge:
    example: str  # as the question names it, normalised and lower-cased: usbメモリ
    term: str  # the term the rules use for it: 外部記録媒体
    question: str  # the question asked again with the term in place of the example


def listed_examples(definition: str) -> list[str]:
    """The examples a definition's meaning lists before その他: 「usbメモリ、外付けハードディスク、
    sdカード、cd、dvdその他の…をいう。」 → usbメモリ, 外付けハードディスク, sdカード, cd, dvd."""
    head, found, _ = definition.partition(_EXAMPLES_END)
    if not found:
        return []
    return [example for part in _LIST_SEPARATOR.split(head)
            if len(example := part.strip()) >= _MIN_EXAMPLE_CHARS]


def bridge(question: str, passage_texts: list[str]) -> Bridge | None:
    """The question asked in the rules' term when one of `passage_texts` (the first few ranked) is a
    定義 article whose item lists an example the question names as a word of its own; None otherwise.
    A term the question already names is not bridged to, and an example that is itself a defined term
    (端末 among the parts of 情報資産) is the rules' own word, not an everyday one."""
    asked = normalize(question)
    lowered = asked.lower()
    for text in passage_texts:
        # Only the item lines are normalised, and only when one lists examples: most passages have none.
        lines = [normalize(line.group(0)).lower() for line in _ITEM_LINE.finditer(text)]
        if not any(_EXAMPLES_END in line for line in lines):
            continue
        items = [item for line in lines if (item := DEFINING_ITEM.match(line))]
        defined = {item.group(1) for item in items}
        for item in items:
            term = item.group(1)
            if term in lowered:
                continue
            meaning = item.group(0)[item.end(1) - item.start(0):]
            for example in listed_examples(meaning):
                at = word_at(example, lowered)  # cd, not the cd of CDドライブ
                if example not in defined and at is not None:
                    if classify(question) is AnswerType.DEFINITION:
                        return None  # asked what it is: the definition is the answer
                    return Bridge(example, term, asked[:at] + term + asked[at + len(example):])
    return None

