"""The distribution settings screen: one form per department and one per group.

The forms only collect values; they are turned into the policy document and checked by
`distribution.policy.check`, exactly like a YAML file, so both ways refuse the same things.
"""

from __future__ import annotations

from typing import Any

from django import forms

from distribution import assign
from distribution.policy import DepartmentPolicy, GroupPolicy, Policy, Staff

METHOD_CHOICES = [
    (assign.ROUND_ROBIN, "Round robin (rolling)"),
    (assign.FIRST_AVAILABLE, "First available (all alerted, first to claim)"),
    (assign.CRM_ASSIGN, "CRM assigned (the sender names the salesperson)"),
    (assign.POOL, "Pool (people take leads from the pool)"),
]
EXISTING_CHOICES = [
    ("assigned_user", "Go to the customer's salesperson"),
    ("distribute", "Go through distribution again"),
]
HOURS_CHOICES = [
    (assign.ANY_HOURS, "Any time"),
    (assign.BUSINESS_HOURS, "Business hours"),
    (assign.AFTER_HOURS, "After hours"),
]


def _words(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class DepartmentForm(forms.Form):
    method = forms.ChoiceField(choices=METHOD_CHOICES)
    after_hours_method = forms.ChoiceField(
        choices=[("", "The same as in business hours"), *METHOD_CHOICES], required=False, label="After hours"
    )
    fallback = forms.ChoiceField(
        required=False, label="Fallback user", help_text="Gets the lead when nobody is eligible."
    )
    existing_customers = forms.ChoiceField(choices=EXISTING_CHOICES, label="A known customer's new request")
    on_shift_only = forms.BooleanField(required=False, label="Only people on shift (dealership hours) get leads")
    cap = forms.IntegerField(required=False, min_value=1, max_value=10_000, label="Cap on open leads per person")
    pool_oldest_first = forms.BooleanField(required=False, label="Pool: only the oldest lead may be taken")
    use_vehicle_location = forms.BooleanField(
        required=False, label="Use vehicle location: a lead for another rooftop's vehicle moves there"
    )
    alert_recipients = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="New-lead alert email to"
    )
    counts_twice = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Counts twice in the round robin"
    )
    reply_template = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Default reply in the alert email",
        help_text="Fields: {customer_first_name} {customer_name} {vehicle} {salesperson} {dealership}",
    )

    def __init__(self, *args: Any, staff: Staff, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = [(email, email) for email in sorted(staff.departments)]
        self.fields["fallback"].choices = [("", "Nobody: the admins"), *people]  # type: ignore[attr-defined]
        self.fields["alert_recipients"].choices = people  # type: ignore[attr-defined]
        self.fields["counts_twice"].choices = people  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(department: DepartmentPolicy) -> dict[str, Any]:
        return {
            "method": department.method,
            "after_hours_method": department.after_hours_method or "",
            "fallback": department.fallback or "",
            "existing_customers": department.existing_customers,
            "on_shift_only": department.on_shift_only,
            "cap": department.cap,
            "pool_oldest_first": department.pool_oldest_first,
            "use_vehicle_location": department.use_vehicle_location,
            "alert_recipients": list(department.alert_recipients),
            "counts_twice": [e for e, w in department.weights.items() if w >= 2],
            "reply_template": department.reply_template,
        }

    def document(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "method": data["method"],
            "after_hours_method": data["after_hours_method"] or None,
            "fallback": data["fallback"] or None,
            "existing_customers": data["existing_customers"],
            "on_shift_only": data["on_shift_only"],
            "cap": data["cap"],
            "pool_oldest_first": data["pool_oldest_first"],
            "use_vehicle_location": data["use_vehicle_location"],
            "alert_recipients": data["alert_recipients"],
            "weights": dict.fromkeys(data["counts_twice"], 2),
            "reply_template": data["reply_template"],
        }


class GroupForm(forms.Form):
    name = forms.CharField(max_length=100, required=False)
    position = forms.IntegerField(required=False, min_value=0, label="Order")
    sources = forms.CharField(required=False, help_text="Comma-separated, e.g. CarGurus, AutoTrader; empty: any")
    department = forms.ChoiceField(choices=[("", "Any"), ("sales", "Sales"), ("service", "Service")], required=False)
    makes = forms.CharField(required=False, help_text="Comma-separated; empty: any")
    condition = forms.ChoiceField(choices=[("", "New or used"), ("new", "New"), ("used", "Used")], required=False)
    locations = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple, label="Vehicle held at")
    hours = forms.ChoiceField(choices=HOURS_CHOICES, required=False)
    method = forms.ChoiceField(choices=[c for c in METHOD_CHOICES if c[0] != assign.POOL])
    cap = forms.IntegerField(required=False, min_value=1, max_value=10_000, label="Cap on open leads")
    members = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    counts_twice = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, staff: Staff, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = [(email, email) for email in sorted(staff.departments)]
        self.fields["members"].choices = people  # type: ignore[attr-defined]
        self.fields["counts_twice"].choices = people  # type: ignore[attr-defined]
        self.fields["locations"].choices = [(s, s) for s in sorted(staff.rooftops)]  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(group: GroupPolicy, position: int) -> dict[str, Any]:
        m = group.match
        return {
            "name": group.name,
            "position": position,
            "sources": ", ".join(m.sources),
            "department": m.department,
            "makes": ", ".join(m.makes),
            "condition": m.condition,
            "locations": list(m.locations),
            "hours": m.hours,
            "method": group.method,
            "cap": group.cap,
            "members": [e for e, _ in group.members],
            "counts_twice": [e for e, w in group.members if w >= 2],
        }

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("name") and not data.get("members")

    def document(self) -> dict[str, Any]:
        data = self.cleaned_data
        twice = set(data["counts_twice"])
        return {
            "name": data["name"],
            "match": {
                "sources": _words(data["sources"]),
                "department": data["department"],
                "makes": _words(data["makes"]),
                "condition": data["condition"],
                "vehicle_location": data["locations"],
                "hours": data["hours"] or assign.ANY_HOURS,
            },
            "method": data["method"],
            "cap": data["cap"],
            "members": [{"user": e, "weight": 2 if e in twice else 1} for e in data["members"]],
        }


class BaseGroupFormSet(forms.BaseFormSet[GroupForm]):
    def __init__(self, *args: Any, staff: Staff, **kwargs: Any) -> None:
        self.staff = staff
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "staff": self.staff}


GroupFormSet: type[BaseGroupFormSet] = forms.formset_factory(  # type: ignore[assignment]
    GroupForm, formset=BaseGroupFormSet, extra=1, can_delete=True
)


def initial_groups(policy: Policy) -> list[dict[str, Any]]:
    return [GroupForm.initial_for(group, index + 1) for index, group in enumerate(policy.groups)]


class SimulateForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=365, initial=30, label="Replay the last … days")
    csv_file = forms.FileField(required=False, label="…or replay leads from a CSV file")
