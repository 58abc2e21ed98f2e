"""Shared table settings for django-tables2 tables."""

# The NHS.UK numeric column: right-aligned header and cells.
NUMERIC = {
    "th": {"class": "nhsuk-table__header--numeric"},
    "td": {"class": "nhsuk-table__cell--numeric"},
}
