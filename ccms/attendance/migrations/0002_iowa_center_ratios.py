"""Iowa center ratios (441 IAC 109.8 as amended by HF 2198, 2022) as the defaults every provider
starts from; a provider may add stricter rules of its own."""

from datetime import date

from django.db import migrations

IOWA_CENTER_RATIOS = [
    (0, 23, 4),  # under 2 years 1:4
    (24, 35, 7),  # 2 years 1:7
    (36, 47, 10),  # 3 years 1:10
    (48, 59, 12),  # 4 years 1:12
    (60, 240, 15),  # 5 years and school age 1:15
]


def load(apps, schema_editor):
    RatioRule = apps.get_model("attendance", "RatioRule")
    for low, high, per_staff in IOWA_CENTER_RATIOS:
        RatioRule.objects.create(
            provider=None,
            min_age_months=low,
            max_age_months=high,
            children_per_staff=per_staff,
            effective_from=date(2022, 7, 1),
        )


def unload(apps, schema_editor):
    apps.get_model("attendance", "RatioRule").objects.filter(provider=None).delete()


class Migration(migrations.Migration):
    dependencies = [("attendance", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
