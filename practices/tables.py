import django_tables2 as tables

from practices.models import PCN, Practice


class PCNTable(tables.Table):
    caption = "Primary care networks"

    name = tables.Column(linkify=True)
    practice_count = tables.Column(
        "Practices", attrs={"td": {"class": "nhsuk-table__cell--numeric"}}
    )

    class Meta:
        model = PCN
        fields = ["name", "code", "practice_count"]


class PracticeTable(tables.Table):
    caption = "GP practices"

    name = tables.Column(linkify=True)
    ods_code = tables.Column("ODS code")
    pcn = tables.Column("PCN", accessor="pcn__name", order_by=("pcn__name",))
    home_count = tables.Column(
        "Aligned care homes now", attrs={"td": {"class": "nhsuk-table__cell--numeric"}}
    )

    class Meta:
        model = Practice
        fields = ["name", "ods_code", "pcn", "home_count"]
