"""Merging two customers into one, undoing it, and dismissing a suggested pair.

A merge moves every row that points at the removed customer to the kept one: leads (and with
them their threads, messages, calls, appointments, worksheets and timelines), phones, emails,
the consent ledger, Messenger identities, calls, bounced addresses, and any other table that
refers to a customer (found through Django's relations, so a new one is never left behind).
What undo needs is written into the merge record at merge time (`CustomerMerge.snapshot`).

Locking: both merge and undo hold the organisation's customer-matching lock
(`leads.matching.lock_customer_matching`), which every intake path (new lead, incoming text,
call, Messenger, chat) and every consent change also takes. So a text arriving during a merge
waits and then finds the kept customer, and two merges at once run one after the other; the
second reads both customers again under the lock and refuses when one has gone.

Consent: the stricter wins. When either customer had opted out of a channel and the joined
ledger would no longer end in an opt-out (the other opted in later), the merge adds an opt-out
to the kept customer's ledger saying why. An undo removes that row again; an opt-out recorded
while they were merged is copied onto both (we cannot tell which record it meant).
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from accounts.models import User
from conversations.consent import CHANNEL_WORDS, LEDGER_CHANNELS, OPTED_OUT, describe, latest_change, record_consent
from conversations.models import ConsentChange, Message
from customers.duplicates import phone_key
from customers.models import CustomerMerge, NotDuplicate
from dealerships.models import Dealership
from forecourt.templatetags import moments
from leads.actions import record_activity
from leads.matching import lock_customer_matching
from leads.models import Activity, Customer, Lead

# Filled one by one when the kept customer lacks them.
ONE_BY_ONE = ("first_name", "last_name", "business_name", "language", "birth_date")
# An address is taken whole, from the other customer, only when the kept one has none at all:
# a street from one record and a postcode from the other would be nobody's address.
ADDRESS = ("street", "city", "region", "postal_code", "country")


class MergeRefused(ValueError):
    """A merge or an undo that cannot be done; the message says why. Nothing was changed."""


# Rows as data ------------------------------------------------------------------------------------


def _dump(instance: models.Model) -> dict[str, Any]:
    """Every column of a row, as JSON can keep it."""
    row: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(value, dt.date | dt.datetime | dt.time):
            value = value.isoformat()
        elif isinstance(value, decimal.Decimal | uuid.UUID):
            value = str(value)
        row[field.attname] = value
    return row


def _load(model: type[models.Model], row: dict[str, Any]) -> models.Model:
    values = {}
    for field in model._meta.concrete_fields:
        if field.attname in row:
            value = row[field.attname]
            json = isinstance(field, models.JSONField)
            values[field.attname] = value if value is None or json else field.to_python(value)
    return model(**values)


def _relations() -> Iterator[tuple[type[models.Model], models.ForeignObject[Any, Any]]]:
    """Every column of every table that points at a customer, in a stable order."""
    found = []
    for relation in Customer._meta.related_objects:
        field = relation.field
        if relation.related_model is CustomerMerge or relation.many_to_many or not field.concrete:
            continue
        found.append((relation.related_model, field))
    yield from sorted(found, key=lambda pair: (pair[0]._meta.label, pair[1].name))


def _label(model: type[models.Model], field: models.ForeignObject[Any, Any]) -> str:
    return f"{model._meta.label}.{field.name}"


def _phone_key(row: Any, country: str) -> str:
    """One phone however it was written: "512.555.0142" kept as typed is (512) 555-0142."""
    return phone_key(row.number, row.raw, country) or f"raw:{row.raw.strip()}"


def _email_key(row: Any, country: str) -> str:
    return str(row.email).strip().lower()


# Rows the removed customer has that the kept one already has: dropped (and kept in the snapshot),
# since two identical phones on one customer would only confuse, and some tables allow one.
SAME_ROW: dict[str, Callable[[Any, str], str]] = {
    "leads.CustomerPhone": _phone_key,
    "leads.CustomerEmail": _email_key,
    "relay.BouncedAddress": _email_key,
}

WORDS = {
    "leads.Lead.customer": ("lead", "leads"),
    "leads.CustomerPhone.customer": ("phone", "phones"),
    "leads.CustomerEmail.customer": ("email", "emails"),
    "conversations.ConsentChange.customer": ("consent change", "consent changes"),
    "calls.Call.customer": ("call", "calls"),
    "messenger.MessengerContact.customer": ("Messenger identity", "Messenger identities"),
    "leads.Lead.co_customer": ("co-customer place", "co-customer places"),
}


def _counted(counts: dict[str, int]) -> str:
    parts = []
    order = list(WORDS)
    for label, count in sorted(counts.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99):
        if count:
            one, many = WORDS.get(label, ("other record", "other records"))
            parts.append(f"{count} {one if count == 1 else many}")
    return ", ".join(parts) or "nothing"


def _name(customer: Customer) -> str:
    return f"{customer.display_name} (#{customer.pk})"


# Merging -----------------------------------------------------------------------------------------


def merge_customers(
    *, kept: Customer, removed: Customer, dealership: Dealership, actor: User, reasons: list[str] | None = None
) -> CustomerMerge:
    """Merge `removed` into `kept` (see the module's doc); the timeline of every lead of the kept
    customer says who merged whom. MergeRefused, changing nothing, when it cannot be done."""
    if kept.pk == removed.pk:
        raise MergeRefused("Pick two different customers to merge.")
    if kept.organization_id != removed.organization_id or dealership.organization_id != kept.organization_id:
        raise MergeRefused("These customers belong to different organisations and cannot be merged.")
    with transaction.atomic():
        lock_customer_matching(organization=dealership.organization)
        # Read again under the lock: a merge finished a moment ago may have removed one of them.
        fresh = Customer.objects.select_for_update().in_bulk([kept.pk, removed.pk])
        for wanted in (kept, removed):
            if wanted.pk not in fresh:
                raise MergeRefused(
                    f"{_name(wanted)} was merged into another customer a moment ago; nothing was changed."
                )
        kept, removed = fresh[kept.pk], fresh[removed.pk]
        now = timezone.now()
        snapshot: dict[str, Any] = {
            "removed": _dump(removed),
            "kept_before": _dump(kept),
            "kept_rows": {},
            "moved": [],
            "dropped": [],
            "co_cleared": {},
            "consent_added": [],
            "filled": {},
            "earlier_merges": list(CustomerMerge.objects.filter(kept=removed).values_list("pk", flat=True)),
            # Messages after this one arrived while they were merged (ids, not clocks, tell).
            "last_message": Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        }
        consent_texts = _consent_to_keep(kept, removed, dealership)
        counts: dict[str, int] = {}
        for model, field in _relations():
            label = _label(model, field)
            manager = model._default_manager
            snapshot["kept_rows"][label] = list(manager.filter(**{field.name: kept.pk}).values_list("pk", flat=True))
            theirs = list(manager.filter(**{field.name: removed.pk}).order_by("pk"))
            if not theirs:
                continue
            if (same := SAME_ROW.get(model._meta.label)) is not None:
                country = dealership.country or "US"
                have = {same(row, country) for row in manager.filter(**{field.name: kept.pk})}
                for row in [row for row in theirs if same(row, country) in have]:
                    snapshot["dropped"].append({"model": model._meta.label, "row": _dump(row)})
                    row.delete()
                    theirs.remove(row)
            ids = [row.pk for row in theirs]
            manager.filter(pk__in=ids).update(**{field.name: kept.pk})
            snapshot["moved"].append({"relation": label, "ids": ids})
            counts[label] = len(ids)
        _clear_self_co_customer(kept, snapshot)
        _fill_in(kept, removed, snapshot)
        kept.save()  # and its leads, old and moved, carry its names for the search
        for channel, text in consent_texts.items():
            change = record_consent(
                customer=kept,
                channel=channel,
                state=OPTED_OUT,
                source=ConsentChange.Source.STAFF,
                text=text,
                actor=actor,
            )
            snapshot["consent_added"].append(change.pk)
        Customer.objects.filter(pk=removed.pk).delete()
        merge = CustomerMerge.objects.create(
            organization_id=kept.organization_id,
            dealership=dealership,
            kept=kept,
            kept_name=kept.display_name,
            removed_id=removed.pk,
            removed_name=removed.display_name,
            reasons=list(reasons or []),
            snapshot=snapshot,
            merged_by=actor,
            merged_at=now,
        )
        text = f"{actor.name} merged {_name(removed)} into {_name(kept)}: {_counted(counts)} moved."
        if snapshot["filled"]:
            text += f" Filled in from the other record: {', '.join(_field_words(snapshot['filled']))}."
        if consent_texts:
            text += f" Kept the opt-out of {', '.join(_channel_words(consent_texts))} (the stricter consent wins)."
        for lead in Lead.objects.filter(customer=kept):
            record_activity(lead=lead, kind=Activity.Kind.CUSTOMER, actor=actor, text=text, data={"merge": merge.pk})
    return merge


def _consent_to_keep(kept: Customer, removed: Customer, dealership: Dealership) -> dict[str, str]:
    """The channels whose opt-out would be lost by joining the two ledgers, with the words to
    record: one of them opted out, and the joined ledger's latest row (the other's) is no opt-out."""
    keep = {}
    for channel in LEDGER_CHANNELS:
        changes = [c for c in (latest_change(kept, channel), latest_change(removed, channel)) if c is not None]
        opt_outs = [c for c in changes if c.state == OPTED_OUT]
        latest = max(changes, key=lambda c: (c.at, c.pk), default=None)
        if opt_outs and latest is not None and latest.state != OPTED_OUT:
            said = describe(opt_outs[0], dealership.timezone)
            keep[channel] = f"kept when {_name(removed)} was merged into {_name(kept)}: {said}"
    return keep


def _clear_self_co_customer(kept: Customer, snapshot: dict[str, Any]) -> None:
    """A lead whose customer and co-customer are now one person has no co-customer."""
    both = Lead.objects.filter(customer=kept, co_customer=kept)
    moved: list[int] = next((m["ids"] for m in snapshot["moved"] if m["relation"] == "leads.Lead.co_customer"), [])
    for lead_id in both.values_list("pk", flat=True):
        # The removed customer was its co-customer, or its customer beside the kept one.
        moved_here = lead_id in moved
        snapshot["co_cleared"][str(lead_id)] = snapshot["removed"]["id"] if moved_here else kept.pk
        if moved_here:
            moved.remove(lead_id)
    both.update(co_customer=None)


def _fill_in(kept: Customer, removed: Customer, snapshot: dict[str, Any]) -> None:
    def empty(customer: Customer, name: str) -> bool:
        return getattr(customer, name) in ("", None, [])

    names = [name for name in ONE_BY_ONE if empty(kept, name) and not empty(removed, name)]
    if all(empty(kept, name) for name in ADDRESS):
        names += [name for name in ADDRESS if not empty(removed, name)]
    for name in names:
        setattr(kept, name, getattr(removed, name))
    filled = _dump(kept)
    snapshot["filled"] = {name: filled[name] for name in names}


def _field_words(names: Any) -> list[str]:
    return [_verbose(name) for name in names]


def _verbose(name: str) -> str:
    field = Customer._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _channel_words(channels: Any) -> list[str]:
    return [CHANNEL_WORDS[channel] for channel in channels]


# Undoing -----------------------------------------------------------------------------------------


def undo_merge(*, merge: CustomerMerge, actor: User) -> CustomerMerge:
    """Put both customers back as they were before `merge`; what arrived since stays where it
    landed, and the merge's `undo_summary` says what that was. MergeRefused, changing nothing,
    for a merge already undone or whose kept customer was since merged into another."""
    with transaction.atomic():
        lock_customer_matching(organization=merge.organization)
        merge = (
            CustomerMerge.objects.select_for_update(of=("self",))
            .select_related("undone_by", "dealership")
            .get(pk=merge.pk)
        )
        if merge.undone_at is not None:
            who = merge.undone_by.name if merge.undone_by else "someone"
            when = moments.when(merge.undone_at, merge.dealership.timezone)
            raise MergeRefused(f"This merge was already undone by {who} on {when}; nothing was changed.")
        if merge.kept_id is None:
            raise MergeRefused(
                f"{merge.kept_name} was since merged into another customer: undo that merge first. Nothing was changed."
            )
        if not CustomerMerge.objects.filter(pk=merge.pk, undone_at__isnull=True).update(
            undone_at=timezone.now(), undone_by=actor
        ):  # pragma: no cover - the row lock above makes this the only undo
            raise MergeRefused("This merge was undone a moment ago; nothing was changed.")
        snapshot = merge.snapshot
        kept = Customer.objects.select_for_update().get(pk=merge.kept_id)
        removed = _load(Customer, snapshot["removed"])
        assert isinstance(removed, Customer)
        removed.save(force_insert=True)
        CustomerMerge.objects.filter(pk__in=snapshot["earlier_merges"], kept__isnull=True).update(kept=removed)
        summary = _restore_fields(kept, snapshot)
        for dropped in snapshot["dropped"]:
            _load(apps.get_model(dropped["model"]), dropped["row"]).save(force_insert=True)
        back: dict[str, int] = {}
        elsewhere = 0
        for moved in snapshot["moved"]:
            model_label, _, field_name = moved["relation"].rpartition(".")
            manager = apps.get_model(model_label)._default_manager
            count = manager.filter(pk__in=moved["ids"], **{field_name: kept.pk}).update(**{field_name: removed.pk})
            back[moved["relation"]] = count
            elsewhere += len(moved["ids"]) - count
        for lead_id, co_customer_id in snapshot["co_cleared"].items():
            Lead.objects.filter(pk=int(lead_id), co_customer__isnull=True).update(co_customer_id=co_customer_id)
        ConsentChange.objects.filter(pk__in=snapshot["consent_added"], customer=kept).delete()
        removed.save()  # its leads carry its names again for the search
        kept.save()
        stayed = _arrived_since(kept, merge, snapshot)
        copied = _copy_opt_outs_since(kept, removed, merge, snapshot, actor)
        summary += [f"Back to {_name(removed)}: {_counted(back)}."]
        if stayed:
            summary.append(f"Arrived while they were merged and stays with {_name(kept)}: {_counted(stayed)}.")
        if messages := _messages_since(removed, snapshot):
            summary.append(
                f"{messages} message{'s' if messages != 1 else ''} received while they were merged "
                f"{'stay' if messages != 1 else 'stays'} in the thread of the lead {'they' if messages != 1 else 'it'} "
                f"arrived on, which is {removed.display_name}'s again."
            )
        if copied:
            summary.append(
                f"The opt-out of {', '.join(_channel_words(copied))} recorded while they were merged now applies to both."
            )
        if elsewhere:
            summary.append(
                f"{elsewhere} moved record{'s' if elsewhere != 1 else ''} had been changed since and stayed."
            )
        merge.undo_summary = " ".join(summary)
        merge.undone_at = CustomerMerge.objects.values_list("undone_at", flat=True).get(pk=merge.pk)
        merge.undone_by = actor
        merge.save(update_fields=["undo_summary"])
        text = f"{actor.name} undid the merge of {_name(removed)} into {_name(kept)}. {merge.undo_summary}"
        for lead in Lead.objects.filter(customer_id__in=[kept.pk, removed.pk]):
            record_activity(lead=lead, kind=Activity.Kind.CUSTOMER, actor=actor, text=text, data={"unmerge": merge.pk})
    return merge


def _restore_fields(kept: Customer, snapshot: dict[str, Any]) -> list[str]:
    """The kept customer's fields that the merge filled in go back to what they were, unless
    someone changed them since (then they stay, and the summary says so)."""
    before = _load(Customer, snapshot["kept_before"])
    now = _dump(kept)
    changed = []
    for name, filled in snapshot["filled"].items():
        if now[name] == filled:
            setattr(kept, name, getattr(before, name))
        else:
            changed.append(_verbose(name))
    if changed:
        return [f"Left as edited since the merge: {', '.join(changed)}."]
    return []


def _arrived_since(kept: Customer, merge: CustomerMerge, snapshot: dict[str, Any]) -> dict[str, int]:
    """Rows pointing at the kept customer that were neither its own nor moved by the merge."""
    moved = {m["relation"]: set(m["ids"]) for m in snapshot["moved"]}
    stayed = {}
    for model, field in _relations():
        label = _label(model, field)
        known = set(snapshot["kept_rows"].get(label, [])) | moved.get(label, set())
        if label == "conversations.ConsentChange.customer":
            known |= set(snapshot["consent_added"])
        now = set(model._default_manager.filter(**{field.name: kept.pk}).values_list("pk", flat=True))
        if new := now - known:
            stayed[label] = len(new)
    return stayed


def _messages_since(removed: Customer, snapshot: dict[str, Any]) -> int:
    """Messages on the leads that went back which arrived while the two were merged."""
    return Message.objects.filter(conversation__lead__customer=removed, pk__gt=snapshot["last_message"]).count()


def _copy_opt_outs_since(
    kept: Customer, removed: Customer, merge: CustomerMerge, snapshot: dict[str, Any], actor: User
) -> list[str]:
    """An opt-out the kept customer recorded while merged (not one of its rows at merge time)
    is copied to the restored customer: we cannot tell which record it meant."""
    label = "conversations.ConsentChange.customer"
    known = set(snapshot["kept_rows"].get(label, []))
    for moved in snapshot["moved"]:
        if moved["relation"] == label:
            known |= set(moved["ids"])
    copied = []
    for channel in LEDGER_CHANNELS:
        change = latest_change(kept, channel)
        if change is None or change.state != OPTED_OUT or change.pk in known:
            continue
        if (mine := latest_change(removed, channel)) is not None and mine.state == OPTED_OUT:
            continue
        said = describe(change, merge.dealership.timezone)
        text = f"recorded while merged with {_name(kept)}, kept when the merge was undone: {said}"
        record_consent(
            customer=removed,
            channel=channel,
            state=OPTED_OUT,
            source=ConsentChange.Source.STAFF,
            text=text,
            actor=actor,
        )
        copied.append(channel)
    return copied


# Dismissing --------------------------------------------------------------------------------------


def dismiss_pair(*, first: Customer, second: Customer, actor: User) -> NotDuplicate:
    """Record that two suggested customers are two people: the pair is not suggested again."""
    if first.pk == second.pk or first.organization_id != second.organization_id:
        raise MergeRefused("Pick two different customers of one organisation.")
    low, high = sorted((first.pk, second.pk))
    row, _ = NotDuplicate.objects.get_or_create(
        first_id=low,
        second_id=high,
        defaults={"organization_id": first.organization_id, "dismissed_by": actor},
    )
    return row
