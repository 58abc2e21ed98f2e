import django_tables2 as tables
from django.utils.html import format_html

from core.tables import CheapCellsMixin
from practices.models import PCN, Practice


class PCNTable(CheapCellsMixin, tables.Table):
    caption = "Primary care networks"

    name = tables.Column()
    practice_count = tables.Column(
        "Practices", attrs={"td": {"class": "nhsuk-table__cell--numeric"}}
    )

    class Meta:
        model = PCN
        fields = ["name", "code", "practice_count"]

    def render_name(self, record, value):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)


class PracticeTable(CheapCellsMixin, tables.Table):
    caption = "GP practices"

    name = tables.Column()
    ods_code = tables.Column("ODS code")
    pcn = tables.Column("PCN", accessor="pcn__name", order_by=("pcn__name",))
    home_count = tables.Column(
        "Aligned care homes now", attrs={"td": {"class": "nhsuk-table__cell--numeric"}}
    )

    class Meta:
        model = Practice
        fields = ["name", "ods_code", "pcn", "home_count"]

    def render_name(self, record, value):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)
