"""Reading a customer's text for consent: keywords in any case, spacing or punctuation, revocations
in their own words, and the dealership talk that must not be mistaken for either."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.keywords import HELP_WORDS, OPT_IN_WORDS, OPT_OUT_WORDS, Intent, read_text

KEYWORDS = [
    ("STOP", Intent.OPT_OUT, "STOP"),
    ("Stop.", Intent.OPT_OUT, "STOP"),
    (" stop all ", Intent.OPT_OUT, "STOPALL"),
    ("STOP!!!", Intent.OPT_OUT, "STOP"),
    ("opt-out", Intent.OPT_OUT, "OPTOUT"),
    ("Opt Out", Intent.OPT_OUT, "OPTOUT"),
    ("unsubscribe", Intent.OPT_OUT, "UNSUBSCRIBE"),
    ("Cancel", Intent.OPT_OUT, "CANCEL"),
    ("end", Intent.OPT_OUT, "END"),
    ("QUIT", Intent.OPT_OUT, "QUIT"),
    ("revoke", Intent.OPT_OUT, "REVOKE"),
    ("stop stop stop", Intent.OPT_OUT, "STOP"),
    ("\uff33\uff34\uff2f\uff30", Intent.OPT_OUT, "STOP"),  # fullwidth letters
    ("STOP 🛑", Intent.OPT_OUT, "STOP"),
    ("start", Intent.OPT_IN, "START"),
    ("Unstop!", Intent.OPT_IN, "UNSTOP"),
    ("Yes!", Intent.YES, "YES"),
    ("HELP", Intent.HELP, "HELP"),
    ("info?", Intent.HELP, "INFO"),
]

REVOCATIONS = [
    "please stop texting me",
    "Stop texting me!",
    "remove me from your list",
    "Take me off your list please",
    "don't text me anymore",
    "Don\u2019t text me",  # a phone's curly apostrophe
    "do not contact me",
    "Please do not text this number again",
    "unsubscribe me",
    "leave me alone",
    "I want to opt out",
    "opt me out",
    "no more texts please",
    "stop sending me these messages",
    "I don't want any more texts",
    "please stop",
    "Stop it please",
    "STOP. Wrong number",
    "Stop! I bought elsewhere",
    "_stop. wrong number",  # found by hypothesis: an underscore is not \W
    "Quit texting me",
    "delete my number",
    "lose my number",
    "Can you stop messaging me",
    "do not send me any more texts",
]

ORDINARY = [
    "don't stop the deal",
    "stop by tomorrow",
    "can I stop in at 5?",
    "I'll stop by after work",
    "We can stop at the bank on the way",
    "Cancel my appointment",
    "I want to cancel my appointment on Friday",
    "Is the end of the month the best time to buy?",
    "The end",
    "Don't call me, text me instead",
    "can I opt out of the extended warranty?",
    "I'll stop texting you now, see you at 5",
    "Please don't stop texting me, I'm interested",
    "I dont text much, call me",
    "yes I'm still interested",
    "Yes please send the carfax",
    "Help me find a truck",
    "What's the info on the RAM?",
    "Start the paperwork",
    "Does it have start-stop?",
    "",
    "   ",
    "👍",
]


@pytest.mark.parametrize(("body", "intent", "keyword"), KEYWORDS)
def test_a_keyword_counts_in_any_case_spacing_or_punctuation(body, intent, keyword):
    reading = read_text(body)
    assert reading is not None
    assert (reading.intent, reading.keyword, reading.language) == (intent, keyword, False)


@pytest.mark.parametrize("body", REVOCATIONS)
def test_a_revocation_in_the_customers_own_words_is_an_opt_out(body):
    reading = read_text(body)
    assert reading is not None
    assert (reading.intent, reading.language) == (Intent.OPT_OUT, True)


@pytest.mark.parametrize("body", ORDINARY)
def test_dealership_talk_is_neither_a_keyword_nor_a_revocation(body):
    assert read_text(body) is None


_NOISE = st.text(alphabet=" \t\n.,!?;:-_*'\"()", max_size=4)


def _any_case(word: str) -> st.SearchStrategy[str]:
    return st.tuples(*[st.sampled_from([c.lower(), c.upper()]) for c in word]).map("".join)


@given(
    word=st.sampled_from(sorted(OPT_OUT_WORDS | OPT_IN_WORDS | HELP_WORDS)).flatmap(_any_case),
    before=_NOISE,
    after=_NOISE,
)
def test_every_keyword_survives_any_case_and_any_punctuation_around_it(word, before, after):
    reading = read_text(f"{before}{word}{after}")
    assert reading is not None
    assert reading.keyword == word.upper()
    assert not reading.language


@given(phrase=st.sampled_from(REVOCATIONS), before=_NOISE, after=_NOISE, shout=st.booleans())
def test_a_revocation_survives_shouting_and_punctuation(phrase, before, after, shout):
    reading = read_text(f"{before}{phrase.upper() if shout else phrase}{after}")
    assert reading is not None
    assert reading.intent == Intent.OPT_OUT


@given(phrase=st.sampled_from([p for p in ORDINARY if p.strip()]), after=_NOISE, shout=st.booleans())
def test_dealership_talk_stays_ordinary_however_it_is_punctuated(phrase, after, shout):
    assert read_text(f"{phrase.upper() if shout else phrase}{after}") is None
