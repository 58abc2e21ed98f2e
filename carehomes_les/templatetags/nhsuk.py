"""Template helpers for NHS.UK frontend markup.

Forms in this project are plain Django forms: they carry no CSS classes. The crispy-forms
template pack in ``templates/nhsuk/`` (and any hand-written template) asks these filters for the
NHS classes and ARIA attributes instead, so a form never needs to know how it is drawn.

Load with ``{% load nhsuk %}``:

``{{ field|nhsuk_widget }}``
    the field's control with the NHS class (``nhsuk-input``, ``nhsuk-select``, ...), its
    ``--error`` modifier when the field has errors, and ``aria-describedby`` naming the hint
    (``<id>_helptext``) and error message (``<id>_error``) the pack renders.
``{{ field|nhsuk_kind }}``
    which NHS component draws the field: ``hidden``, ``checkbox``, ``radios``, ``checkboxes``,
    ``file``, ``select``, ``textarea`` or ``input``.
``{% for option in field|nhsuk_options %}``
    the options of a radio or checkbox group, each with ``option.tag`` (the ``<input>`` with the
    NHS class), ``option.id_for_label`` and ``option.choice_label``.
``{{ field|nhsuk_error_target }}``
    the id of the element an error summary link should move focus to.
``{{ field|nhsuk_describedby }}``
    the ids for a fieldset's ``aria-describedby`` (hint then error).
``{% nhsuk_error_summary form %}``
    the NHS error summary for a form (``templates/includes/error_summary.html``).
``{{ input|nhsuk_button_classes }}`` / ``{{ button.flat_attrs|nhsuk_button_attrs }}``
    crispy-forms buttons with Bootstrap's ``btn btn-primary`` mapped to ``nhsuk-button``.
``{% for group in messages|nhsuk_message_groups %}``
    Django messages grouped for NHS notification banners (used by ``base.html``).
``{{ column.attrs.th|nhsuk_attrs:"nhsuk-table__header" }}``, ``{{ table|nhsuk_table_id }}``,
``{{ table|nhsuk_has_orderable_columns }}``, ``{% nhsuk_table_caption table as caption %}``
    helpers of the django-tables2 template ``templates/tables/nhsuk_table.html``.
"""

from __future__ import annotations

import re

from django import forms, template
from django.forms.boundfield import BoundField, BoundWidget
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django_tables2.utils import AttributeDict

from core import formatting
from core.forms import DateInput

register = template.Library()

# Widgets whose choices are drawn as a group of NHS radios or checkboxes inside a fieldset.
_CHOICE_GROUPS = {"radios": "nhsuk-radios__input", "checkboxes": "nhsuk-checkboxes__input"}

# The NHS class of each kind of control, and the modifier added when the field has errors.
_CONTROL_CLASSES = {
    "input": ("nhsuk-input", "nhsuk-input--error"),
    "select": ("nhsuk-select", "nhsuk-select--error"),
    "textarea": ("nhsuk-textarea", "nhsuk-textarea--error"),
    "file": ("nhsuk-file-upload__input", ""),
    "checkbox": ("nhsuk-checkboxes__input", ""),
}

# The parts of the NHS.UK date input: label and width class of day, month and year.
_DATE_PARTS = (("Day", "nhsuk-input--width-2"), ("Month", "nhsuk-input--width-2"),
               ("Year", "nhsuk-input--width-4"))  # fmt: skip


def _is_bound_field(value) -> bool:
    return isinstance(value, BoundField)


def _kind(field: BoundField) -> str:
    widget = field.field.widget
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, DateInput):
        return "date"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.FileInput):
        return "file"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    return "input"


def _join_classes(*parts) -> str:
    seen: list[str] = []
    for part in parts:
        for name in (part or "").split():
            if name not in seen:
                seen.append(name)
    return " ".join(seen)


def _describedby_ids(field: BoundField, existing: str = "") -> str:
    """The hint and error ids the pack renders for ``field``, after any ids the form set itself."""
    ids = existing.split()
    if field.auto_id:
        if field.help_text:
            ids.append(f"{field.auto_id}_helptext")
        if field.errors:
            ids.append(f"{field.auto_id}_error")
    return " ".join(dict.fromkeys(ids))


@register.filter
def nhsuk_kind(field) -> str:
    """Which NHS component draws this bound field (see the module docstring)."""
    if not _is_bound_field(field):
        return ""
    return _kind(field)


@register.filter
def nhsuk_describedby(field) -> str:
    """The ``aria-describedby`` ids for a fieldset around a radio or checkbox group."""
    if not _is_bound_field(field):
        return ""
    return _describedby_ids(field, field.field.widget.attrs.get("aria-describedby", ""))


@register.filter
def nhsuk_widget(field):
    """Render the bound field's control with NHS classes and ARIA attributes.

    Works for every widget the pack draws as a single control; radio and checkbox groups use
    :func:`nhsuk_options` instead; the NHS date input uses :func:`nhsuk_date_parts`.
    """
    if not _is_bound_field(field):
        return field
    kind = _kind(field)
    if kind == "hidden":
        return field.as_widget()

    widget = field.field.widget
    base, error = _CONTROL_CLASSES.get(kind, ("", ""))
    classes = _join_classes(widget.attrs.get("class"), base, error if field.errors else "")
    attrs = {"class": classes}
    describedby = _describedby_ids(field, widget.attrs.get("aria-describedby", ""))
    if describedby:
        attrs["aria-describedby"] = describedby

    # A MultiWidget's parts share these attrs; its <label> has no single control to point at,
    # so each part is named by the label's id instead (see templates/nhsuk/field.html).
    if isinstance(widget, forms.MultiWidget) and field.auto_id and not field.id_for_label:
        attrs["aria-labelledby"] = f"{field.auto_id}_label"
    return field.as_widget(attrs=attrs)


def _date_parts_in_error(field: BoundField) -> set[int]:
    """Which parts of a date input to mark: the missing ones, or all three."""
    if not field.errors:
        return set()
    errors = field.form.errors.as_data().get(field.name, [])
    if any(getattr(e, "code", "") == "incomplete" for e in errors):
        values = field.value() if isinstance(field.value(), (list, tuple)) else []
        missing = {i for i in range(3) if not str((list(values) + ["", "", ""])[i] or "").strip()}
        return missing or {0, 1, 2}
    return {0, 1, 2}


@register.filter
def nhsuk_date_parts(field) -> list[dict]:
    """The day, month and year boxes of an NHS date input, each ``{"id", "label", "tag"}``."""
    if not _is_bound_field(field):
        return []
    widget = field.field.widget
    value = field.value()
    values = list(value) if isinstance(value, (list, tuple)) else widget.decompress(value)
    in_error = _date_parts_in_error(field)
    parts = []
    for index, ((label, width), name) in enumerate(
        zip(_DATE_PARTS, widget.widgets_names, strict=True)
    ):
        part_id = f"{field.auto_id}{name}" if field.auto_id else ""
        classes = _join_classes(
            "nhsuk-input nhsuk-date-input__input",
            width,
            "nhsuk-input--error" if index in in_error else "",
        )
        tag = format_html(
            '<input class="{}" id="{}" name="{}" type="text" inputmode="numeric" value="{}"{}>',
            classes,
            part_id,
            f"{field.html_name}{name}",
            values[index] or "" if index < len(values) else "",
            mark_safe(" disabled") if field.field.disabled else "",
        )
        parts.append({"id": part_id, "label": label, "tag": tag})
    return parts


class _Option:
    """One radio or checkbox of a group, for the pack's templates."""

    def __init__(self, bound_widget: BoundWidget):
        self._bound_widget = bound_widget
        self.id_for_label = bound_widget.id_for_label
        self.choice_label = bound_widget.choice_label
        self.data = bound_widget.data

    @property
    def tag(self):
        return self._bound_widget.tag(wrap_label=False)


@register.filter
def nhsuk_options(field) -> list[_Option]:
    """The radios or checkboxes of a choice field, each input carrying the NHS class."""
    if not _is_bound_field(field):
        return []
    input_class = _CHOICE_GROUPS.get(_kind(field), "")
    options = []
    for bound_widget in field.subwidgets:
        data = dict(bound_widget.data)
        attrs = dict(data.get("attrs") or {})
        attrs["class"] = _join_classes(attrs.get("class"), input_class)
        data["attrs"] = attrs
        options.append(
            _Option(BoundWidget(bound_widget.parent_widget, data, bound_widget.renderer))
        )
    return options


@register.filter
def nhsuk_error_target(field) -> str:
    """The element id an error summary link points at: the control itself, or the first
    radio or checkbox of a group (Django gives a group's fieldset no id)."""
    if not _is_bound_field(field):
        return ""
    if _kind(field) == "date":
        in_error = sorted(_date_parts_in_error(field)) or [0]
        return f"{field.auto_id}{field.field.widget.widgets_names[in_error[0]]}"
    if _kind(field) in _CHOICE_GROUPS:
        subwidgets = field.subwidgets
        if subwidgets and subwidgets[0].id_for_label:
            return subwidgets[0].id_for_label
    return field.id_for_label or field.auto_id or ""


@register.inclusion_tag("includes/error_summary.html")
def nhsuk_error_summary(form):
    """``{% nhsuk_error_summary form %}``: the NHS error summary, empty if the form is valid."""
    return {"form": form}


# crispy-forms' Submit, Button and Reset carry Bootstrap classes; map them to NHS buttons.
_BUTTON_CLASS_MAP = {
    "btn": "nhsuk-button",
    "btn-primary": "",
    "btn-secondary": "nhsuk-button--secondary",
    "btn-inverse": "nhsuk-button--secondary",
    "btn-default": "nhsuk-button--secondary",
    "btn-light": "nhsuk-button--secondary",
    "btn-danger": "nhsuk-button--warning",
    "btn-warning": "nhsuk-button--warning",
    "btn-sm": "nhsuk-button--small",
}


def _nhsuk_button_class(classes: str) -> str:
    mapped = []
    for name in (classes or "").split():
        if name in _BUTTON_CLASS_MAP:
            mapped.append(_BUTTON_CLASS_MAP[name])
        elif not name.startswith("btn-"):
            mapped.append(name)
    return _join_classes("nhsuk-button", *mapped)


@register.filter
def nhsuk_button_classes(value) -> str:
    """Classes for a crispy-forms input (``Submit``, ``Button``, ``Reset``) or a class string."""
    classes = getattr(value, "field_classes", value)
    return _nhsuk_button_class(str(classes or ""))


_CLASS_ATTR = re.compile(r'\sclass="([^"]*)"')


@register.filter
def nhsuk_button_attrs(flat_attrs) -> str:
    """A crispy-forms ``StrictButton``'s flattened attributes with NHS button classes."""
    flat_attrs = str(flat_attrs or "")
    if _CLASS_ATTR.search(flat_attrs):
        flat_attrs = _CLASS_ATTR.sub(
            lambda match: format_html(' class="{}"', _nhsuk_button_class(match.group(1))),
            flat_attrs,
            count=1,
        )
    else:
        flat_attrs += ' class="nhsuk-button"'
    return mark_safe(flat_attrs)  # noqa: S308 - built from crispy's already-escaped flatatt output


@register.filter
def nhsuk_message_groups(messages) -> list[dict]:
    """Django messages grouped for NHS notification banners: success messages in one green
    banner (announced and focused, role="alert"), everything else in one "Important" banner
    (a labelled region). One banner per group keeps landmark names and ids unique."""
    success, important = [], []
    for message in messages or []:
        (success if getattr(message, "level_tag", "") == "success" else important).append(message)
    groups = []
    if success:
        groups.append({"kind": "success", "title": "Success", "messages": success})
    if important:
        groups.append({"kind": "important", "title": "Important", "messages": important})
    return groups


@register.filter
def nhsuk_attrs(attrs, base_class: str = ""):
    """HTML attributes from a django-tables2 ``AttributeDict`` (``table.attrs``,
    ``column.attrs.th``, ``row.attrs``...) with ``base_class`` added to its classes."""
    attrs = dict(attrs or {})
    classes = _join_classes(base_class, attrs.pop("class", ""))
    if classes:
        attrs["class"] = classes
    return AttributeDict(attrs).as_html()


@register.filter
def nhsuk_table_id(table) -> str:
    """A DOM id prefix for a django-tables2 table, unique per table class and prefix."""
    prefix = getattr(table, "prefix", "") or ""
    return slugify(f"{prefix}{type(table).__name__}")


@register.filter
def nhsuk_has_orderable_columns(table) -> bool:
    columns = getattr(table, "columns", None)
    return bool(columns) and any(column.orderable for column in columns)


@register.simple_tag(takes_context=True)
def nhsuk_table_caption(context, table) -> str:
    """``{% nhsuk_table_caption table as caption %}``: the table class's ``caption`` attribute,
    else the ``caption`` variable of the page that renders the table, else ""."""
    caption = getattr(table, "caption", None) or context.get("caption")
    if not caption:
        # {% render_table %} renders the table template with only {"table": table}, but leaves
        # the page's context on the table while it does.
        page_context = getattr(table, "context", None)
        if page_context is not None:
            caption = page_context.get("caption")
    return caption or ""


@register.filter
def nhsuk_first_enabled(form):
    """The form's first visible field a user can act on: where errors of no field send focus."""
    return next((f for f in form.visible_fields() if not f.field.disabled), None)


@register.filter
def money(pence) -> str:
    """Integer pence as the pages show money: ``-12345`` → ``-£123.45`` (the one formatter,
    ``core.formatting.money``)."""
    return formatting.money(pence)


@register.filter
def day(value) -> str:
    """A date as the pages show it: ``3 December 2026`` (``core.formatting.day``)."""
    return formatting.day(value)
