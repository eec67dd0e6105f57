"""The planner looks up only the vocabulary keys a question can contain (by first character or
first word) instead of trying every key: it must find exactly what trying every key finds."""
import re

import pytest

from retrieval.analysis import Analyzer, normalize
from retrieval.query import (
    QueryPlanner, _glossary_patterns, _glossary_remainder, _title_keys, _untranslated_patterns, load_mapping,
)

PLANNER = QueryPlanner(Analyzer())
GLOSSARY = sorted(load_mapping("glossary_en.yaml"))
SYNONYMS = sorted(load_mapping("synonyms.yaml"))
ALIASES = sorted(load_mapping("law_aliases.yaml"))
TITLES = ("地方公務員法", "みどり区職員の勤務時間、休日及び休暇に関する条例", "Northwind Health Plus Benefits Details",
          "Contoso Employee Handbook")


def _english_by_full_scan(flat: str) -> tuple[list[str], list[list[str]]]:
    """QueryPlanner._english as it was written before the prefilter: every glossary key tried."""
    if not re.search(r"[A-Za-z]{2}", flat):
        return [], []
    lowered = f" {re.sub(r'[^a-z0-9-]+', ' ', flat.lower())} "
    words, groups = [], []
    glossary = load_mapping("glossary_en.yaml")
    for key, pattern in _glossary_patterns():
        if pattern.search(lowered):
            words.extend(glossary[key])
            groups.append(list(glossary[key]))
            lowered = pattern.sub(" | ", lowered)
    return words, groups


def _remainder_by_full_scan(text: str) -> str:
    lowered = f" {re.sub(r'[^a-z0-9-]+', ' ', normalize(text).lower())} "
    for _key, pattern in [*_glossary_patterns(), *_untranslated_patterns()]:
        lowered = pattern.sub(" | ", lowered)
    return lowered


def _laws_by_full_scan(flat: str, titles) -> list[str]:
    lowered = flat.lower().replace("_", " ")
    candidates = {**_title_keys(tuple((t, t) for t in titles)), **load_mapping("law_aliases.yaml")}
    found = []
    for key in sorted(candidates, key=len, reverse=True):
        if key in lowered:
            if candidates[key] not in found:
                found.append(candidates[key])
            lowered = lowered.replace(key, " ")
    return found


def _english_texts() -> list[str]:
    """Glossary phrases alone, in plural, capitalised, hyphen-joined and run together, in pairs."""
    texts = []
    for i, key in enumerate(GLOSSARY):
        other = GLOSSARY[(i * 7 + 3) % len(GLOSSARY)]
        texts += [f"How do I get {key}?", f"{key.upper()}S and {other}es.", f"pre-{key} or {key}-like",
                  f"{key}{other}", f"What about the {other} {key} rules, e.g. {key.split()[-1]}s"]
    return texts


@pytest.mark.parametrize("text", _english_texts())
def test_glossary_phrases_found_as_by_trying_every_key(text):
    groups: list[list[str]] = []
    words = PLANNER._english(normalize(text), groups)
    assert (words, groups) == _english_by_full_scan(normalize(text))
    assert _glossary_remainder(text) == _remainder_by_full_scan(text)


@pytest.mark.parametrize("text", ["He worked from home", "They requested disclosure and claimed it", "She resigned",
                                  "permits were revoked, revoking", "forms submitted and applied", "was dismissed"])
def test_inflected_glossary_verbs_found_as_by_trying_every_key(text):
    # irregular and inflected first words (kept, paid, handing) must pass the first-word prefilter
    groups: list[list[str]] = []
    assert PLANNER._english(normalize(text), groups) and (PLANNER._english(normalize(text), []), groups) == \
        _english_by_full_scan(normalize(text))
    assert _glossary_remainder(text) == _remainder_by_full_scan(text)


def test_the_glossary_is_found_at_all():
    """The comparison above would pass with no key ever found: at least these are."""
    assert all(PLANNER._english(f"about {key} please") for key in GLOSSARY)


@pytest.mark.parametrize("key", SYNONYMS)
def test_synonym_keys_found_as_by_trying_every_key(key):
    for text in (f"{key}について", f"「{key.upper()}」と{SYNONYMS[len(key) % len(SYNONYMS)]}の違いは？", key):
        lowered = normalize(text).lower()
        keys, _words = PLANNER._synonyms(normalize(text))
        assert keys == [k for k in load_mapping("synonyms.yaml") if k in lowered]
        assert key in keys


@pytest.mark.parametrize("alias", ALIASES)
def test_law_names_found_as_by_trying_every_name(alias):
    for text in (f"{alias}38条", f"{alias}と地方公務員法の関係", f"northwind_health_plus_benefits_details.pdf と{alias}"):
        flat = normalize(text)
        assert PLANNER._laws(flat, TITLES) == _laws_by_full_scan(flat, TITLES)
        assert PLANNER._laws(flat, TITLES)
