"""core.forms.CheapSelect writes the markup Django's select templates render, byte for byte."""

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from core.forms import CheapSelect, NHSForm
from practices.models import PCN
from tests import factories as f

CHOICES = [
    ("", "All of them"),
    ("a", "Plain"),
    ("<b>", 'Needs "escaping" & <care>'),
    (3, gettext_lazy("Lazy label")),
    ("safe", mark_safe("<em>Safe</em> label")),
    ("Group & co", [("g1", "In a group"), ("g2", "Also <in> it")]),
]


@pytest.mark.parametrize("value", [None, "", "a", "<b>", "3", "g2", ["a", "g1"], "missing"])
@pytest.mark.parametrize(
    "attrs",
    [
        None,
        {"class": "nhsuk-select", "id": "id_x"},
        {"class": 'odd "quoted" <class>', "disabled": True, "required": False},
        {"aria-describedby": mark_safe("a&amp;b")},
    ],
)
def test_cheap_select_renders_as_django_select(value, attrs):
    django_select = forms.Select(choices=CHOICES).render("name<x>", value, attrs=attrs)
    cheap = CheapSelect(choices=CHOICES).render("name<x>", value, attrs=attrs)
    assert cheap == django_select


@pytest.mark.django_db
def test_cheap_select_renders_a_model_choice_field_as_django_select():
    pcns = [f.PCNFactory() for _ in range(3)]
    queryset = PCN.objects.order_by("name")
    for widget in (forms.Select, CheapSelect):
        field = forms.ModelChoiceField(queryset=queryset, widget=widget, empty_label="All PCNs")
        form = type("F", (forms.Form,), {"pcn": field})({"pcn": str(pcns[1].pk)})
        if widget is forms.Select:
            expected = str(form["pcn"])
        else:
            assert str(form["pcn"]) == expected


def test_plain_selects_of_the_service_forms_are_cheap_and_other_widgets_are_left():
    class Form(NHSForm):
        show = forms.ChoiceField(choices=[("a", "A"), ("b", "<b>")])
        many = forms.MultipleChoiceField(choices=[("a", "A")])
        one = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)

    form = Form({"show": "b"})
    assert type(form.fields["show"].widget) is CheapSelect
    assert type(form.fields["many"].widget) is forms.SelectMultiple
    assert type(form.fields["one"].widget) is forms.RadioSelect
    assert '<option value="b" selected>&lt;b&gt;</option>' in str(form["show"])
