import django_tables2 as tables
from django.utils.html import format_html

from carehomes.models import CareHome
from core.tables import CheapCellsMixin


class CareHomeTable(CheapCellsMixin, tables.Table):
    caption = "Care homes"

    name = tables.Column()
    cqc_location_id = tables.Column("CQC location ID")
    category = tables.Column()
    kind = tables.Column("Type", accessor="nursing", order_by=("nursing",))
    beds = tables.Column("Beds", attrs={"td": {"class": "nhsuk-table__cell--numeric"}})
    practice_count = tables.Column(
        "Aligned practices now", attrs={"td": {"class": "nhsuk-table__cell--numeric"}}
    )

    class Meta:
        model = CareHome
        fields = [
            "name",
            "cqc_location_id",
            "postcode",
            "category",
            "kind",
            "beds",
            "practice_count",
        ]

    def render_kind(self, record):
        return record.kind

    def render_name(self, record, value):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)
