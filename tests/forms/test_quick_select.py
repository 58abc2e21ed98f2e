"""core.forms.QuickSelect writes the markup Django's select templates write (issue 18: without a
template render an option), and every plain select of the service's forms is one."""

import re

import pytest
from django import forms

from core.forms import NHSForm, QuickSelect

CHOICES = [
    ("", "Choose one"),
    ("Group & co", [("a", "A & B"), ("b", "<b>bold</b>")]),
    ("c", "C"),
    (3, "Three"),
]
ATTRS = {"id": "id_show", "class": "nhsuk-select", "aria-describedby": "x y", "required": True}


def _same_markup(html: str) -> str:
    """Django's templates put new lines between options; the markup is otherwise the same."""
    return re.sub(r">\s+<", "><", html).strip()


@pytest.mark.parametrize("value", ["b", 3, "3", "", None, "not a choice"])
def test_quick_select_writes_what_the_templates_write(value):
    django_html = forms.Select(choices=CHOICES).render("show", value, ATTRS)
    quick_html = QuickSelect(choices=CHOICES).render("show", value, ATTRS)
    assert _same_markup(quick_html) == _same_markup(django_html)
    assert "<b>" not in quick_html  # labels are escaped


def test_plain_selects_of_the_service_forms_are_quick_and_others_are_left():
    class Form(NHSForm):
        show = forms.ChoiceField(choices=CHOICES)
        many = forms.MultipleChoiceField(choices=[("a", "A")])
        one = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)

    form = Form()
    assert type(form.fields["show"].widget) is QuickSelect
    assert type(form.fields["many"].widget) is forms.SelectMultiple
    assert type(form.fields["one"].widget) is forms.RadioSelect
    assert 'value="b"' in str(form["show"])
