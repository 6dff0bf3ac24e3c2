"""Iowa's CCA maximum rates per half-day unit and the family fee chart in force from 2024-07-01
(441 IAC 170.4(7)). Later tables are added with their own date, never written over these."""

from decimal import Decimal

from django.db import migrations

EFFECTIVE = "2024-07-01"
SOURCE = "441 IAC 170.4(7), rates effective 2024-07-01"
BANDS = ("none", "1-2", "3-4", "5")
AGE_GROUPS = ("infant_toddler", "preschool", "school_age")

# provider type -> (special needs, age group) -> rates by IQ4K band (none, 1-2, 3-4, 5)
RATES = {
    "center": {
        (False, "infant_toddler"): ("25.66", "25.66", "25.66", "27.00"),
        (False, "preschool"): ("19.50", "20.25", "21.50", "22.97"),
        (False, "school_age"): ("16.50", "17.10", "17.50", "18.50"),
        (True, "infant_toddler"): ("51.94",) * 4,
        (True, "preschool"): ("30.43",) * 4,
        (True, "school_age"): ("30.34",) * 4,
    },
    "cdh_ab": {
        (False, "infant_toddler"): ("16.63", "16.63", "16.63", "17.50"),
        (False, "preschool"): ("15.00", "15.50", "16.00", "17.00"),
        (False, "school_age"): ("15.00", "15.25", "15.50", "15.75"),
    },
    "cdh_c": {
        (False, "infant_toddler"): ("18.00", "18.00", "18.00", "18.50"),
        (False, "preschool"): ("16.28", "17.00", "17.50", "18.50"),
        (False, "school_age"): ("15.00", "15.75", "16.44", "17.50"),
    },
    "child_care_home": {
        (False, "infant_toddler"): ("16.63",) * 4,
        (False, "preschool"): ("15.00",) * 4,
        (False, "school_age"): ("15.00",) * 4,
        (True, "infant_toddler"): ("24.95",) * 4,
        (True, "preschool"): ("22.50",) * 4,
        (True, "school_age"): ("22.50",) * 4,
    },
    # Paid only when 3 or more children need care.
    "in_home": {(False, group): ("36.25",) * 4 for group in AGE_GROUPS},
}

FEE_LEVELS = [chr(code) for code in range(ord("A"), ord("Z") + 1)] + ["AA"]
FEE_SOURCE = "HHS CCA family fee chart: B = 0.20 per unit, +0.25 a level to AA = 6.45"


def fee_row(index: int) -> tuple[Decimal, Decimal, Decimal]:
    """Level A pays nothing; B pays 0.20 for one child, each level 0.25 more; a second child
    adds 0.25 and a third or more 0.50."""
    if index == 0:
        return Decimal("0.00"), Decimal("0.00"), Decimal("0.00")
    one = Decimal("0.20") + Decimal("0.25") * (index - 1)
    return one, one + Decimal("0.25"), one + Decimal("0.50")


def load(apps, schema_editor):
    RateTable = apps.get_model("subsidy", "RateTable")
    Rate = apps.get_model("subsidy", "Rate")
    FeeChart = apps.get_model("subsidy", "FeeChart")
    FamilyFee = apps.get_model("subsidy", "FamilyFee")
    table, _ = RateTable.objects.get_or_create(effective_from=EFFECTIVE, defaults={"source": SOURCE})
    if not table.rates.exists():
        Rate.objects.bulk_create(
            Rate(
                table=table,
                provider_type=provider_type,
                age_group=group,
                special_needs=special,
                quality_band=band,
                amount=Decimal(amount),
            )
            for provider_type, rows in RATES.items()
            for (special, group), amounts in rows.items()
            for band, amount in zip(BANDS, amounts, strict=True)
        )
    chart, _ = FeeChart.objects.get_or_create(effective_from=EFFECTIVE, defaults={"source": FEE_SOURCE})
    if not chart.fees.exists():
        FamilyFee.objects.bulk_create(
            FamilyFee(chart=chart, level=level, one_child=a, two_children=b, three_or_more=c)
            for index, level in enumerate(FEE_LEVELS)
            for a, b, c in [fee_row(index)]
        )


def unload(apps, schema_editor):
    apps.get_model("subsidy", "RateTable").objects.filter(effective_from=EFFECTIVE).delete()
    apps.get_model("subsidy", "FeeChart").objects.filter(effective_from=EFFECTIVE).delete()


class Migration(migrations.Migration):
    dependencies = [("subsidy", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
