"""Shared table settings for django-tables2 tables, and tables whose cells render cheaply."""

from __future__ import annotations

import inspect
from collections.abc import Callable

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.utils.encoding import force_str
from django_tables2.utils import A, AttributeDict

from core.links import url_for_each

# The NHS.UK numeric column: right-aligned header and cells.
NUMERIC = {
    "th": {"class": "nhsuk-table__header--numeric"},
    "td": {"class": "nhsuk-table__cell--numeric"},
}

CHEAP_TEMPLATE = "tables/nhsuk_table_cheap.html"
_CELL_ARGUMENTS = ("value", "record", "column", "bound_column", "table")


def cell_attrs(td: dict, base_class: str = "nhsuk-table__cell") -> str:
    """A ``<td>``'s attributes as the standard template's ``nhsuk_attrs`` filter writes them:
    ``base_class`` first, then the column's classes (each once)."""
    attrs = dict(td or {})
    classes: list[str] = []
    for name in f"{base_class} {attrs.pop('class', '') or ''}".split():
        if name not in classes:
            classes.append(name)
    if classes:
        attrs["class"] = " ".join(classes)
    return AttributeDict(attrs).as_html()


class CheapCellsMixin:
    """A django-tables2 table whose body cells are rendered without the per-cell machinery
    (issue 18, ADR 0044). django-tables2 still sorts, paginates and draws the header; the body is
    a plain template loop (``CHEAP_TEMPLATE``) over :attr:`cheap_rows`, in which each column's
    work is decided once per table, not once per cell:

    - the value: the column's accessor resolved on the record (a field with choices gives its
      display text, as django-tables2 does), the column's ``default`` when it is empty;
    - the cell: the table's ``render_<name>`` or the column's ``render``, called with the
      arguments it names (found once with ``inspect.signature``, which django-tables2 runs for
      every cell);
    - the ``<td>`` attributes: computed once, so they must not depend on the record.

    The markup is the standard template's (a test compares the two). Columns with ``linkify`` or
    ``localize`` are refused: write the link in ``render_<name>``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("template_name", CHEAP_TEMPLATE)
        super().__init__(*args, **kwargs)
        self._urls: dict[str, Callable[[object], str]] = {}

    def row_url(self, name: str, key) -> str:
        """``reverse(name, args=[key])`` for a row's link, the URL reversed once a table
        (:func:`url_for_each`)."""
        if name not in self._urls:
            self._urls[name] = url_for_each(name)
        return self._urls[name](key)

    def _cheap_plan(self) -> list[tuple]:
        if self.row_attrs:
            raise ImproperlyConfigured(f"{type(self).__name__}: a cheap table has no row_attrs")
        model = getattr(self._meta, "model", None)
        plan = []
        for bound in self.columns:
            if bound.link or bound.localize is not None:
                raise ImproperlyConfigured(
                    f"{type(self).__name__}.{bound.name}: a cheap table cannot linkify or localize"
                )
            accessor = A(bound.accessor)
            display = None
            if model is not None:
                try:
                    field = accessor.get_field(model)
                except (FieldDoesNotExist, AttributeError):
                    field = None
                if isinstance(field, models.Field) and field.choices:
                    # get_<field>_display() builds the choices' dictionary at every call
                    display = (field.attname, dict(field.flatchoices))
            render = bound.render
            names = [p for p in inspect.signature(render).parameters if p in _CELL_ARGUMENTS]
            plan.append((bound, accessor, display, render, names, cell_attrs(bound.attrs["td"])))
        return plan

    @property
    def cheap_rows(self):
        """The rows of the current page (every record when the table is not paginated), each a
        ``(row class, [(td attributes, cell), …])`` pair."""
        plan = self._cheap_plan()
        records = self.page.object_list.data if hasattr(self, "page") else self.data
        for index, record in enumerate(records):
            cells = []
            for bound, accessor, display, render, names, td in plan:
                value = _value(record, accessor, display)
                if value in bound.column.empty_values:
                    cell = bound.default
                else:
                    arguments = {
                        "value": value, "record": record, "column": bound.column,
                        "bound_column": bound, "table": self,
                    }  # fmt: skip
                    cell = render(**{name: arguments[name] for name in names})
                cells.append((td, cell))
            yield ("even" if index % 2 == 0 else "odd", cells)


def _value(record, accessor, display):
    if display:
        owner, _ = accessor.penultimate(record)
        if isinstance(owner, models.Model):
            attname, labels = display
            value = getattr(owner, attname)
            try:
                return force_str(labels.get(value, value), strings_only=True)
            except TypeError:  # an unhashable value: as get_<field>_display() would
                return force_str(value, strings_only=True)
    try:
        return accessor.resolve(record)
    except Exception:  # as django-tables2: a column that is not a field of the record
        return None
