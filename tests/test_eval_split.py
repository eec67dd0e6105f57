from dataclasses import dataclass

import pytest

from eval.split import half_of, select


@dataclass
class Q:
    id: str


def test_halves_are_fixed_disjoint_and_cover_everything():
    questions = [Q(f"ja-{i:03d}") for i in range(200)]
    tune, held = select(questions, "tune"), select(questions, "held")
    assert {q.id for q in tune}.isdisjoint({q.id for q in held})
    assert len(tune) + len(held) == 200
    assert 70 <= len(tune) <= 130  # a hash split, roughly even
    assert [half_of(q.id) for q in questions] == [half_of(q.id) for q in questions]


def test_split_depends_on_the_id_only_not_on_order():
    questions = [Q(f"q{i}") for i in range(50)]
    assert {q.id for q in select(questions[::-1], "held")} == {q.id for q in select(questions, "held")}
    assert select(questions, "all") == questions


def test_unknown_split_is_an_error():
    with pytest.raises(ValueError):
        select([Q("a")], "dev")
