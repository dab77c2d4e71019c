"""Forms of follow-up tasks: times are typed in the dealership's local time."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from accounts.models import User
from followups.models import Category

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def local_input(moment: datetime, zone: str) -> str:
    """A moment as a datetime-local input shows it, in the dealership's time zone."""
    return moment.astimezone(ZoneInfo(zone)).strftime(LOCAL_INPUT)


class LocalDateTimeField(forms.DateTimeField):
    """A datetime-local input read in a given zone (the dealership's), not the server's."""

    def __init__(self, *, zone: str = "UTC", **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT))
        super().__init__(**kwargs)
        self.zone = zone

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        naive = None
        for fmt in (LOCAL_INPUT, "%Y-%m-%d %H:%M"):
            try:
                naive = datetime.strptime(str(value).strip(), fmt)
                break
            except ValueError:
                continue
        if naive is None:
            raise forms.ValidationError("Enter a date and time like 2026-12-28 10:00.", code="invalid")
        return naive.replace(tzinfo=ZoneInfo(self.zone))


class FollowUpForm(forms.Form):
    title = forms.CharField(max_length=200, label="Task")
    due_at = LocalDateTimeField(label="Due")
    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label="For", empty_label="Whoever works the lead"
    )

    def __init__(self, *args: Any, zone: str, colleagues: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "followup_%s")
        super().__init__(*args, **kwargs)
        self.fields["due_at"].zone = zone  # type: ignore[attr-defined]
        self.fields["assignee"].queryset = colleagues  # type: ignore[attr-defined]


class CompleteForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, label="What happened?")
    add_next = forms.BooleanField(required=False, initial=True, label="Add the next follow-up")
    next_title = forms.CharField(max_length=200, required=False, label="Next follow-up")
    next_due_at = LocalDateTimeField(required=False, label="Due")

    def __init__(self, *args: Any, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["next_due_at"].zone = zone  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("add_next"):
            if not (data.get("next_title") or "").strip():
                self.add_error("next_title", "Name the next follow-up, or untick “Add the next follow-up”.")
            if not data.get("next_due_at"):
                self.add_error("next_due_at", "Say when the next follow-up is due.")
        return data


class DefaultTasksForm(forms.Form):
    """One category's default tasks, one per line: "24 Call the customer again" (hours, then title)."""

    category = forms.ChoiceField(choices=Category.choices)
    tasks = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="One task a line: hours after the first reply is due (or the lead is sold), then the task.",
    )

    def clean_tasks(self) -> list[dict[str, Any]]:
        rows = []
        for number, line in enumerate(self.cleaned_data["tasks"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            hours, _, title = line.partition(" ")
            if not hours.isdigit() or not title.strip():
                raise forms.ValidationError(
                    f'Line {number}: write the hours, a space, then the task ("24 Call again").'
                )
            rows.append({"title": title.strip(), "due_after_hours": int(hours)})
        return rows
