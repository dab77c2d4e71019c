"""A lead's source reference is the provider's id for it, not a label some ADF writers put among
the ids (`<id source="leadtype">Email</id>` is a kind of lead, shown as "#Email" it means nothing)."""

from __future__ import annotations

from intake.tests.conftest import adf
from intake.tests.test_http_intake import post

# A full token of someone who may read the lead: an intake-only token is told just its id.


def with_ids(*ids: str) -> str:
    return adf(lead_id=None).replace("<requestdate>", "".join(ids) + "<requestdate>", 1)


def test_a_lead_type_among_the_ids_is_not_the_source_reference(alice, intake_token):
    body = with_ids('<id source="leadtype">Email</id>', '<id sequence="1" source="Impel">4187355</id>')
    [lead] = post(intake_token(alice, "full"), body).json()["leads"]
    assert lead["source_ref"] == "4187355"


def test_labels_alone_give_no_source_reference(alice, intake_token):
    body = with_ids('<id source="leadtype">Email</id>', '<id source="partner">CarGurus</id>')
    [lead] = post(intake_token(alice, "full"), body).json()["leads"]
    assert lead["source_ref"] is None


def test_a_reference_without_digits_is_still_kept(alice, intake_token):
    [lead] = post(intake_token(alice, "full"), with_ids('<id sequence="1">DAS</id>')).json()["leads"]
    assert lead["source_ref"] == "DAS"
