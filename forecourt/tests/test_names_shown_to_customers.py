"""How a salesperson's name reads to customers: full, first name, or first name and initial."""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from forecourt.lib.names import FIRST, FIRST_INITIAL, FULL, shown_name, split_name


@pytest.mark.parametrize(
    ("name", "full", "first", "first_initial"),
    [
        ("Carol Seller", "Carol Seller", "Carol", "Carol S."),
        ("  Carol   Seller ", "Carol Seller", "Carol", "Carol S."),
        ("Mary Ann Smith", "Mary Ann Smith", "Mary Ann", "Mary Ann S."),
        ("Ana de la Cruz", "Ana de la Cruz", "Ana", "Ana C."),
        ("Ludwig van Beethoven", "Ludwig van Beethoven", "Ludwig", "Ludwig B."),
        ("Robert Downey Jr.", "Robert Downey Jr.", "Robert", "Robert D."),
        ("Cher", "Cher", "Cher", "Cher"),
        ("", "", "", ""),
        ("   ", "", "", ""),
        ("Иван Петров", "Иван Петров", "Иван", "Иван П."),
        ("Søren Ødegaard", "Søren Ødegaard", "Søren", "Søren Ø."),
        ("José O\u0301rtiz", "José Órtiz", "José", "José Ó."),  # a combining accent stays on its letter
        ("Seán O'Brien", "Seán O'Brien", "Seán", "Seán O."),
        ("carol seller", "carol seller", "carol", "carol S."),
        ("山田 太郎", "山田 太郎", "山田 太郎", "山田 太郎"),  # family name first: never cut
        ("김민준", "김민준", "김민준", "김민준"),
    ],
)
def test_each_style_reads_as_people_write_names(name, full, first, first_initial):
    assert shown_name(name, FULL) == full
    assert shown_name(name, FIRST) == first
    assert shown_name(name, FIRST_INITIAL) == first_initial


@given(st.text(max_size=60))
@example("0 ß")  # the capital of ß is SS: two letters for one initial
def test_a_shown_name_is_one_line_and_never_longer_than_the_name(name):
    for style in (FULL, FIRST, FIRST_INITIAL):
        shown = shown_name(name, style)
        assert "\n" not in shown
        assert shown == shown.strip()
        assert len(shown) <= len(" ".join(name.split())) + 1  # the initial's dot


@given(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzé", min_size=1, max_size=8), min_size=2, max_size=5))
def test_the_first_name_and_surname_together_are_the_whole_name(words):
    assume(words[-1] not in ("jr", "sr", "ii", "iii", "iv", "phd", "md"))  # a suffix is left out
    first, surname = split_name(" ".join(words))
    assert f"{first} {surname}" == " ".join(words)
