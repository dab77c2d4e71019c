"""Reading an email for the thread: the sender's new words apart from the history they quoted,
HTML mail as words, and what marks mail a machine sent. Pure functions, no database."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relay.reading import automatic_because, html_to_text, read_email, split_quoted

QUOTE_STARTS = [
    "On Mon, Mar 9, 2026 at 10:00 AM Carol Seller <lead-ab@relay.example> wrote:\n> When can you come?",
    "On Mon, Mar 9, 2026 at 10:00 AM Carol Seller at Riverside Toyota\n<lead-ab@relay.example> wrote:\n> When?",
    "-----Original Message-----\nFrom: Carol\nSent: Monday\nWhen can you come?",
    "From: Carol Seller <lead-ab@relay.example>\nSent: Monday, March 9, 2026 10:00 AM\nSubject: RAM",
    "> When can you come?\n> Carol",
    "________________________________\nFrom: Carol",
]


@pytest.mark.parametrize("history", QUOTE_STARTS)
def test_the_new_words_are_told_apart_from_each_kind_of_quoted_history(history):
    new, quoted = split_quoted(f"Saturday works.\nSee you then.\n\n{history}\n")
    assert new == "Saturday works.\nSee you then."
    assert quoted == history


words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\r\n>\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), min_size=1
)


@given(
    st.lists(
        words.filter(
            lambda w: w.strip() and not w.lstrip().lower().startswith(("on", "from", "de:", "von:", "-", "_"))
        ),
        min_size=1,
        max_size=5,
    ),
    words,
)
def test_whatever_the_customer_wrote_above_a_quote_is_their_new_words(lines, quoted):
    text = "\n".join(lines)
    new, folded = split_quoted(f"{text}\n> {quoted}")
    assert new == text.strip()
    assert folded == f"> {quoted}".strip()


def test_a_mail_that_is_only_a_quote_keeps_it_all_as_its_words():
    assert split_quoted("> just the quote\n> again") == ("> just the quote\n> again", "")


def test_html_mail_is_read_as_its_words_without_markup_or_scripts():
    html = (
        "<html><head><style>p{color:red}</style></head><body><p>Saturday &amp; Sunday work.</p>"
        "<div>Thanks<br>Jordan</div><script>alert(1)</script></body></html>"
    )
    assert html_to_text(html) == "Saturday & Sunday work.\n\nThanks\nJordan"


def test_an_html_only_reply_reaches_the_thread_as_words():
    mail = EmailMessage()
    mail["From"] = "Jordan <JORDAN@Example.com>"
    mail["Subject"] = "Re: RAM"
    mail.set_content("<p>Yes please</p><blockquote>On Mon Carol wrote: When?</blockquote>", subtype="html")
    reading = read_email(message_from_bytes(mail.as_bytes(), policy=default))
    assert reading.sender == "jordan@example.com"
    assert reading.text == "Yes please"
    assert "When?" in reading.quoted


@pytest.mark.parametrize(
    ("header", "value", "automatic"),
    [
        ("Auto-Submitted", "no", False),
        ("Auto-Submitted", "auto-replied", True),
        ("Precedence", "list", True),
        ("Precedence", "first-class", False),
        ("List-Unsubscribe", "<mailto:x@example.com>", True),
        ("X-Autoreply", "yes", True),
    ],
)
def test_what_marks_mail_a_machine_sent(header, value, automatic):
    mail = EmailMessage()
    mail["From"] = "jordan@example.com"
    mail[header] = value
    assert bool(automatic_because(mail)) is automatic
