"""The emails page's table: one row per email, newest first."""

import django_tables2 as tables
from django.utils.html import format_html

from core.formatting import london
from core.tables import NUMERIC, CheapCellsMixin
from notices.models import Notice

STATUS_TAGS = {
    Notice.Status.PENDING: "nhsuk-tag--blue",
    Notice.Status.SENT: "nhsuk-tag--green",
    Notice.Status.FAILED: "nhsuk-tag--red",
    Notice.Status.MISSED: "nhsuk-tag--orange",
}


def status_tag(notice: Notice) -> str:
    return format_html(
        '<strong class="nhsuk-tag {}">{}</strong>',
        STATUS_TAGS[notice.status],
        notice.get_status_display(),
    )


class NoticeTable(CheapCellsMixin, tables.Table):
    caption = "Emails to practices, newest first"

    created_at = tables.Column("Written")
    kind = tables.Column("Kind")
    practice = tables.Column("Practice", accessor="practice__name", order_by=("practice__name",))
    subject = tables.Column("Subject")
    status = tables.Column("Status")
    sent_at = tables.Column("Sent")
    attempts = tables.Column("Attempts", attrs=NUMERIC)

    class Meta:
        model = Notice
        fields = []
        empty_text = "No emails match these filters."

    def render_created_at(self, value):
        return london(value)

    def render_sent_at(self, value):
        return london(value)

    def render_kind(self, record):
        return record.get_kind_display()

    def render_practice(self, record):
        return f"{record.practice.name} ({record.practice.ods_code})"

    def render_subject(self, record):
        return format_html(
            '<a class="nhsuk-link" href="{}">{}</a>',
            self.row_url("notices:detail", record.pk),
            record.subject,
        )

    def render_status(self, record):
        return status_tag(record)
