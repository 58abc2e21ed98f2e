"""Every form class in the project, submitted empty, speaks the NHS style: each required field's
message names it, no select offers "---------", and every date is the NHS date input.

The forms are found by walking the project's modules, so a new form is checked without a line
here; a form whose constructor needs an argument this file does not know fails with its name."""

from __future__ import annotations

import datetime
import importlib
import inspect
import pkgutil
from pathlib import Path

import django_filters
import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.template import Context, Template

from audits.models import AuditCase
from carehomes.models import CareHome
from claims.models import Quarter, Worksheet
from core.forms import DJANGO_EMPTY_LABEL, DJANGO_REQUIRED, DateField
from practices.models import PCN, Commissioner, Practice

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR).resolve()


def _project_modules():
    for app in apps.get_app_configs():
        path = Path(app.path).resolve()
        if not path.is_relative_to(ROOT) or ".venv" in path.parts:
            continue
        yield importlib.import_module(app.name)
        for info in pkgutil.walk_packages([str(path)], prefix=f"{app.name}."):
            if any(part in info.name for part in (".migrations", ".tests", ".management")):
                continue
            yield importlib.import_module(info.name)


def _project_classes(base):
    found = {}
    for module in _project_modules():
        for obj in vars(module).values():
            if inspect.isclass(obj) and obj.__module__ == module.__name__ and issubclass(obj, base):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return dict(sorted(found.items()))


# The bases of the service's forms are not forms anyone fills in.
FORMS = {
    name: form_class
    for name, form_class in _project_classes(forms.BaseForm).items()
    if not name.startswith("core.forms.")
}
FILTERSETS = _project_classes(django_filters.FilterSet)


def _arguments():
    """What each keyword-only constructor argument of the project's forms is given here."""
    return {
        "years": [2026],
        "practices": Practice.objects.none(),
        "pcns": PCN.objects.none(),
        "commissioners": Commissioner.objects.none(),
        "care_homes": CareHome.objects.none(),
        "claims": Worksheet.objects.none(),
        "audit_cases": AuditCase.objects.none(),
        "quarters": Quarter.objects.none(),
        "openings": [],
        "periods": [],
        "today": datetime.date(2026, 12, 3),
    }


def _kwargs(cls):
    """The keyword-only arguments the constructors of ``cls`` and its bases ask for."""
    known = _arguments()
    kwargs = {}
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        for name, parameter in inspect.signature(klass.__init__).parameters.items():
            if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
                continue
            if name in known:
                kwargs[name] = known[name]
            else:
                assert parameter.default is not inspect.Parameter.empty, (
                    f"{cls.__name__} needs {name}=: add it to _arguments() in this test"
                )
    return kwargs


def _build(form_class, data):
    return form_class(data, {}, **_kwargs(form_class))


def test_the_walk_finds_the_forms_of_every_area():
    names = set(FORMS)
    for expected in (
        "outcomes.forms.MeetingForm",
        "audits.forms.DrawForm",
        "claims.review.forms.PaymentRunForm",
        "carehomes.forms.ResidentForm",
        "practices.forms.AgreementVariationForm",
        "reports.views.accruals.AccrualsDateForm",
        "accounts.forms.SignInForm",
    ):
        assert expected in names
    assert len(FORMS) >= 35


@pytest.mark.parametrize("name", list(FORMS))
def test_every_form_submitted_empty_names_each_missing_field(name):
    form = _build(FORMS[name], {})
    form.is_valid()
    for field_name, field in form.fields.items():
        message = str(field.error_messages.get("required", ""))
        assert message != DJANGO_REQUIRED, f"{name}.{field_name} keeps Django's message"
        assert message.strip(), f"{name}.{field_name} has no message"
    for errors in form.errors.values():
        for error in errors:
            assert DJANGO_REQUIRED not in error, name
            assert "This field" not in error, name
    html = Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(Context({"form": form}))
    assert DJANGO_EMPTY_LABEL not in html, f"{name} offers an empty choice of dashes"
    assert 'type="date"' not in html, f"{name} draws a browser date picker"
    for field_name, field in form.fields.items():
        if isinstance(field, forms.DateField):
            pytest.fail(f"{name}.{field_name} is a Django DateField, not the NHS date input")
        if isinstance(field, DateField):
            assert f'name="{form.add_prefix(field_name)}_day"' in html
            assert f'name="{form.add_prefix(field_name)}_year"' in html


@pytest.mark.parametrize("name", list(FILTERSETS))
def test_every_filter_offers_a_meaningful_empty_choice(name):
    filterset_class = FILTERSETS[name]
    filterset = filterset_class(
        data={}, queryset=filterset_class._meta.model.objects.none(), **_kwargs(filterset_class)
    )
    html = Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(
        Context({"form": filterset.form})
    )
    assert DJANGO_EMPTY_LABEL not in html, name
    assert 'type="date"' not in html, name


def test_required_messages_in_the_nhs_style_name_the_field():
    """Printed for a reviewer with -s: the wording each required field gets."""
    for name, form_class in FORMS.items():
        form = _build(form_class, {})
        for field_name, field in form.fields.items():
            if field.required and not field.disabled:
                message = str(field.error_messages["required"])
                assert message[0].isupper(), f"{name}.{field_name}: {message}"
                print(f"{name}.{field_name}: {message}")
