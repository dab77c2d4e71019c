"""What a customer's text says about their consent: an opt-out keyword (STOP…), a plain-language
revocation ("please stop texting me"), an opt-in keyword (START…), a request for HELP, or nothing.

Pure Python, no Django: a table of cases and hypothesis prove it (tests/test_consent_keywords.py).

Keywords count when they are the whole text, in any case, spacing or punctuation ("Stop.",
" stop all ", "STOP!!!", "opt-out"), as carriers and Twilio read them. Since April 2025 the FCC
accepts any reasonable way of saying no, so sentences count too; they are matched on phrases
that name the texting ("stop texting me", "remove me from your list") and not on a bare "stop",
which in a dealership's thread is mostly "can I stop by at 5?".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"})
OPT_IN_WORDS = frozenset({"start", "unstop"})
HELP_WORDS = frozenset({"help", "info"})
YES_WORD = "yes"


class Intent(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    YES = "yes"  # an opt-in only from a customer who opted out
    HELP = "help"


@dataclass(frozen=True)
class Reading:
    """What a text asks for. `keyword` is the keyword as the ledger writes it ("STOP"), empty for
    a sentence (`language`)."""

    intent: Intent
    keyword: str = ""
    language: bool = False


# The texting itself, as customers name it. Calls and emails are left out on purpose: "don't
# call me, text me" is no reason to stop texting.
_TEXTING = (
    r"(?:texting|texts?|txting|txts?|messaging|messages?|msgs?|sms|contacting|contact|sending|spamming|bothering)"
)
_ME = r"(?:me|us|my (?:number|phone|cell|mobile)|this number)"
# Words before "stop texting" that turn it around: "don't stop texting", "I'll stop texting you".
_NOT_A_REQUEST = frozenset({"dont", "not", "never", "ill", "i", "we", "will", "wont", "cant", "lets", "to"})

_REVOCATIONS = [
    # "please do not text me", "don't message me anymore", "never contact me again"
    re.compile(
        r"\b(?:dont|do not|never|no longer)(?: ever)?(?: please)?(?: want (?:you|u|anyone) to)? "
        r"(?:(?:text|txt|message|msg|sms|contact) (?:" + _ME + r"|anymore|again)|(?:text|txt|message|msg|sms|contact)$"
        r"|send (?:me |us )?(?:any )?(?:more )?(?:texts|messages|msgs))\b"
    ),
    # "remove me from your list", "take me off", "delete my number"
    re.compile(r"\b(?:remove|delete|erase|drop) " + _ME + r"\b"),
    re.compile(r"\btake " + _ME + r" (?:off|out)\b"),
    re.compile(r"\b(?:put|add) " + _ME + r" (?:on|to) (?:your|the) do not (?:text|contact|call) list\b"),
    re.compile(r"\bunsubscribe\b"),
    # "opt me out", "I want to opt out" -- but not "can I opt out of the extended warranty?"
    re.compile(
        r"\bopt (?:me )?out\b(?! of (?!(?:all |these |your |the |this )?(?:texts?|messages|msgs|sms|list|this)\b))"
    ),
    re.compile(r"\bleave me alone\b"),
    re.compile(r"\blose my number\b"),
    re.compile(r"\bno (?:more|further) " + _TEXTING + r"\b"),
    re.compile(
        r"\b(?:dont|do not|no longer) want (?:any |your |these |the |to (?:get|receive) (?:any )?)?(?:more )?"
        r"(?:texts|text messages|messages|msgs)\b"
    ),
    re.compile(r"\bquit (?:texting|messaging|contacting|bothering|spamming)\b"),
    # "please stop", "stop please", "stop it" as the whole text
    re.compile(
        r"^(?:(?:please|pls|plz|just|ok|okay|so) )*stop(?: it)?(?: (?:please|pls|plz|now|already|thanks|thx))*$"
    ),
]
# "stop texting me", "stop all the messages" -- checked with the word before it (see _NOT_A_REQUEST).
_STOP_TEXTING = re.compile(
    r"\b(?:stop|cease) (?:all )?(?:the |these |your |sending (?:me )?(?:the |these )?)?" + _TEXTING + r"\b"
)
# "STOP. Wrong number", "Stop! I bought elsewhere": STOP then punctuation, then anything.
_STOP_THEN_MORE = re.compile(r"^[\W_]*(?:stop|unsubscribe|stopall)\s*[.!,;:]+")


def _fold(body: str) -> str:
    """Lower case, compatibility forms folded (fullwidth letters), curly apostrophes dropped."""
    text = unicodedata.normalize("NFKC", body).casefold()
    return text.replace("\u2019", "").replace("'", "").replace("`", "")


def _words(body: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", _fold(body))


def read_text(body: str) -> Reading | None:
    """What `body` asks for, or None when it is an ordinary message."""
    words = _words(body)
    if not words:
        return None
    squeezed = "".join(words)
    # "stop stop" and "STOP STOP STOP" are a keyword as much as "stop".
    single = squeezed if squeezed in _ALL_WORDS else (words[0] if len(set(words)) == 1 else "")
    if single in OPT_OUT_WORDS:
        return Reading(Intent.OPT_OUT, keyword=single.upper())
    if single in OPT_IN_WORDS:
        return Reading(Intent.OPT_IN, keyword=single.upper())
    if single in HELP_WORDS:
        return Reading(Intent.HELP, keyword=single.upper())
    if single == YES_WORD:
        return Reading(Intent.YES, keyword="YES")
    if is_revocation(body):
        return Reading(Intent.OPT_OUT, language=True)
    return None


_ALL_WORDS = OPT_OUT_WORDS | OPT_IN_WORDS | HELP_WORDS | {YES_WORD}


def is_revocation(body: str) -> bool:
    """True when a sentence asks for the texts to end ("please stop texting me")."""
    if _STOP_THEN_MORE.match(_fold(body)):
        return True
    text = " ".join(_words(body))
    if any(pattern.search(text) for pattern in _REVOCATIONS):
        return True
    for match in _STOP_TEXTING.finditer(text):
        before = text[: match.start()].split()
        if not before or before[-1] not in _NOT_A_REQUEST:
            return True
    return False
