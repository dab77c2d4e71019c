"""What a reader keeps aside while it reads one prospect: `extra` (elements and stray text no
field takes, with their paths) and `warnings` (values that could not be read)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from . import values
from .dates import read_datetime
from .model import Extra

if TYPE_CHECKING:
    # Only the type: parsing itself always goes through defusedxml.
    from xml.etree.ElementTree import Element

NO_PLACEHOLDERS: frozenset[str] = frozenset()


class Aside:
    """Base of the readers: the bookkeeping of what is kept aside, and small readers of values."""

    def __init__(self, top: Element, country: str) -> None:
        self.country = country
        self.extra: list[Extra] = []
        self.warnings: list[str] = []
        self.top = top
        self.parents: dict[Element, Element] = {}
        self.steps: dict[Element, str] = {}

    def index(self) -> None:
        """Remember each element's parent and its step in a path (`message[2]` among several)."""
        for parent in self.top.iter():
            tags = [child.tag for child in parent]
            totals = Counter(tags) if len(set(tags)) < len(tags) else None
            seen: Counter[str] = Counter()
            for child in parent:
                self.parents[child] = parent
                if totals is None or totals[child.tag] == 1:
                    self.steps[child] = child.tag
                else:
                    seen[child.tag] += 1
                    self.steps[child] = f"{child.tag}[{seen[child.tag]}]"

    def path(self, element: Element) -> str:
        if not self.parents:
            self.index()  # only documents that have something to keep aside pay for this
        steps = []
        while element in self.parents:
            steps.append(self.steps[element])
            element = self.parents[element]
        steps.append(element.tag)
        return "/".join(reversed(steps))

    def leftovers(self, element: Element, known: frozenset[str], skip_inside: set[str] | None = None) -> None:
        """Keep stray text and the children of `element` that no field reads."""
        self.keep_text(element, element.text)
        for child in element:
            if child.tag not in known and not (skip_inside and contains(child, skip_inside)):
                self.keep_unknown(child)
            self.keep_text(element, child.tail)

    def keep_unknown(self, element: Element) -> None:
        if element.tag == "vehicle":
            return  # read as a vehicle or a trade wherever it appears
        text = values.tidy(element.text)
        if text is not None or element.attrib:
            self.extra.append(Extra(path=self.path(element), text=text, attrs=dict(element.attrib)))
        for child in element:
            self.keep_unknown(child)
            self.keep_text(element, child.tail)

    def keep_text(self, parent: Element, text: str | None) -> None:
        value = values.tidy(text)
        if value is not None:
            self.extra.append(Extra(path=f"{self.path(parent)}/text()", text=value, attrs={}))

    def unreadable(self, element: Element, what: str, text: str) -> None:
        self.warnings.append(f"{what} {text!r} could not be read")
        self.extra.append(Extra(path=self.path(element), text=text, attrs=dict(element.attrib)))

    def first_of(self, element: Element, tag: str) -> Element | None:
        """The first child named `tag`; any further ones are kept aside, not merged."""
        found = element.findall(tag)
        for duplicate in found[1:]:
            self.keep_unknown(duplicate)
        return found[0] if found else None

    def text_of(self, element: Element, tag: str) -> str | None:
        child = element.find(tag)
        return None if child is None else all_text(child)

    def date(self, element: Element | None, what: str) -> str | None:
        if element is None:
            return None
        written = values.one_line(all_text(element))
        if written is None:
            return None
        value = read_datetime(written)
        if value is None:
            self.unreadable(element, what, written)
        return value

    def number(self, element: Element | None, what: str, *, low: int = 0, high: int = 999_999_999) -> int | None:
        if element is None:
            return None
        value, readable = values.whole_number(all_text(element), low=low, high=high)
        if not readable:
            self.unreadable(element, what, values.one_line(all_text(element)) or "")
        return value


def all_text(element: Element) -> str:
    return "".join(element.itertext())


def contains(element: Element, tags: set[str]) -> bool:
    return any(descendant.tag in tags for descendant in element.iter())


def lower(text: str | None) -> str | None:
    value = values.one_line(text, NO_PLACEHOLDERS)
    return value.lower() if value else None


def upper(text: str | None) -> str | None:
    value = values.one_line(text, NO_PLACEHOLDERS)
    return value.upper() if value else None
