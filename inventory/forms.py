from __future__ import annotations

from typing import Any

from django import forms

from dealerships.models import Dealership


class StockFileForm(forms.Form):
    """An inventory file for one of the dealerships the user administers."""

    dealership = forms.ChoiceField()
    file = forms.FileField(label="Inventory file (CSV)")

    def __init__(self, *args: Any, dealerships: list[Dealership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["dealership"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(d.slug, d.name) for d in dealerships]
        if len(dealerships) == 1:
            field.initial = dealerships[0].slug
