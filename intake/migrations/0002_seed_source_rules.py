"""Built-in rules naming the big listing sites from their sender domains."""

from django.db import migrations

# (pattern on the sender address, source name); regexes so that "cars.com" does not match "truecars.com".
SEEDS = [
    (r"[@.]cargurus\.com\b", "CarGurus"),
    (r"[@.]cars\.com\b", "Cars.com"),
    (r"[@.]autotrader\.(com|ca)\b", "AutoTrader"),
    (r"[@.]truecar(mail)?\.com\b", "TrueCar"),
    (r"[@.]edmunds\.com\b", "Edmunds"),
    (r"[@.]kbb\.com\b", "KBB"),
    (r"[@.](facebook|facebookmail)\.com\b", "Facebook"),
]


def seed(apps, schema_editor):
    SourceRule = apps.get_model("intake", "SourceRule")
    for position, (pattern, name) in enumerate(SEEDS, start=1):
        SourceRule.objects.get_or_create(
            organization=None,
            dealership=None,
            field="from",
            pattern=pattern,
            defaults={"match": "regex", "source_name": name, "source_kind": "third_party", "position": position},
        )


def unseed(apps, schema_editor):
    SourceRule = apps.get_model("intake", "SourceRule")
    SourceRule.objects.filter(organization=None, dealership=None, pattern__in=[p for p, _ in SEEDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
