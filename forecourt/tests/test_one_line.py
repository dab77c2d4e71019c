"""Whatever text a name or subject holds, what is built from it fits on one line of an email header."""

from __future__ import annotations

from django.core.mail import EmailMessage
from hypothesis import given
from hypothesis import strategies as st

from forecourt.lib.text import lines, one_line

# Every character that ends a line somewhere, mixed with ordinary text.
LINE_ENDS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
texts = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(LINE_ENDS))


@given(texts)
def test_any_text_becomes_one_line_a_subject_header_accepts(text: str) -> None:
    value = one_line(text)

    assert len(value.splitlines()) <= 1
    assert value == value.strip()
    message = EmailMessage(subject=f"New lead: {value}", body="x", from_email="a@example.com", to=["b@example.com"])
    assert str(message.message()["Subject"]).startswith("New lead:")


@given(
    st.lists(st.text(alphabet=st.characters(categories=["L", "N", "P", "S"]), min_size=1), max_size=5),
    st.text(alphabet=st.sampled_from(LINE_ENDS + " \t\x00\x07\x1b")),
)
def test_the_words_are_kept_in_order_with_one_space_between(words: list[str], gap: str) -> None:
    assert one_line((gap + " ").join(words)) == " ".join(words)


def test_a_street_keeps_its_lines_each_on_one_line() -> None:
    assert lines(["1 Main\u2028St", "  ", "Apt\r\n4"]) == ["1 Main St", "Apt 4"]
    assert lines(None) == []
