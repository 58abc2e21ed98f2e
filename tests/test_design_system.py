"""The NHS.UK design system layer: the crispy-forms pack, the error summary, the django-tables2
template, the page shell and the vendored nhsuk-frontend files.

Templates are rendered directly (no views, no database) so these tests say what the markup is,
whatever pages the rest of the service builds on it."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import django_tables2 as tables
import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.template import engines
from django.template.loader import render_to_string
from django.test import RequestFactory
from django_tables2 import RequestConfig

from accounts.models import Role, User
from core.forms import DateField

ROOT = Path(settings.BASE_DIR)
VENDOR = ROOT / "static" / "vendor" / "nhsuk-frontend"


# -- a small DOM of start tags, enough to ask "which element has which attributes" -------------


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag, attrs):
        attributes = {name: (value if value is not None else "") for name, value in attrs}
        self.elements.append({"tag": tag, **attributes})
        self._in_script_without_src = tag == "script" and "src" not in attributes

    def handle_data(self, data):
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script_without_src = False


def parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def find(html: str, tag: str, **attrs) -> list[dict]:
    """Elements of ``tag`` whose attributes include ``attrs`` (``class_`` matches one class)."""
    wanted_class = attrs.pop("class_", None)
    found = []
    for element in parse(html).elements:
        if element["tag"] != tag:
            continue
        if wanted_class and wanted_class not in element.get("class", "").split():
            continue
        # for_ is "for"; data_module is "data-module".
        names = {name: name.rstrip("_").replace("_", "-") for name in attrs}
        if all(element.get(names[name]) == value for name, value in attrs.items()):
            found.append(element)
    return found


def classes(element: dict) -> set[str]:
    return set(element.get("class", "").split())


def anonymous_request(path="/", method="get", data=None):
    """A request as the middleware would leave it for someone not signed in: the project's
    context processor reads request.user."""
    request = getattr(RequestFactory(), method)(path, data or {})
    request.user = AnonymousUser()
    return request


def render_page(body: str, request, context=None) -> str:
    """A child template of base.html rendered with the project's context processors."""
    template = engines["django"].from_string('{% extends "base.html" %}' + body)
    return template.render(context or {}, request)


# -- forms used by the tests ------------------------------------------------------------------


class ContactForm(forms.Form):
    name = forms.CharField(label="Full name", help_text="As it appears on the contract")
    email = forms.EmailField(label="Email address", required=False)
    kind = forms.ChoiceField(
        label="Type of home",
        choices=[("elderly", "Elderly"), ("emi", "EMI")],
        widget=forms.RadioSelect,
        help_text="Choose one",
    )
    agree = forms.BooleanField(label="I confirm the details are correct")
    starts_on = DateField(label="Start date", required=False)

    def clean(self):
        if not self.cleaned_data.get("name"):
            raise forms.ValidationError("The contract could not be checked")
        return self.cleaned_data


PARTS = ("day", "month", "year")


def invalid_form() -> ContactForm:
    form = ContactForm(data={"name": "", "kind": "", "starts_on": "2026-04-01"})
    assert not form.is_valid()
    return form


def render_crispy_filter(form) -> str:
    return (
        engines["django"]
        .from_string("{% load crispy_forms_tags %}{{ form|crispy }}")
        .render({"form": form})
    )


# -- the crispy-forms pack ---------------------------------------------------------------------


def test_crispy_pack_renders_an_nhs_error_for_a_text_input():
    html = render_crispy_filter(invalid_form())

    group = find(html, "div", class_="nhsuk-form-group--error")
    assert group, "the field's form group carries the error modifier"
    assert find(html, "label", class_="nhsuk-label", for_="id_name")
    assert find(html, "div", class_="nhsuk-hint", id="id_name_helptext")
    assert find(html, "span", class_="nhsuk-error-message", id="id_name_error")
    assert '<span class="nhsuk-u-visually-hidden">Error: </span>This field is required.' in html

    (control,) = find(html, "input", name="name")
    assert {"nhsuk-input", "nhsuk-input--error"} <= classes(control)
    assert control["aria-describedby"] == "id_name_helptext id_name_error"
    assert control["aria-invalid"] == "true"


def test_crispy_pack_valid_optional_field_has_no_error_markup():
    html = render_crispy_filter(invalid_form())
    (control,) = find(html, "input", name="email")
    assert classes(control) == {"nhsuk-input"}
    assert "aria-describedby" not in control


def test_crispy_pack_renders_radios_in_a_fieldset_described_by_hint_and_error():
    html = render_crispy_filter(invalid_form())

    radio_group, _date_group = find(html, "fieldset", class_="nhsuk-fieldset")
    assert radio_group["aria-describedby"] == "id_kind_helptext id_kind_error"
    assert find(html, "legend", class_="nhsuk-fieldset__legend")
    assert find(html, "div", class_="nhsuk-radios", data_module="nhsuk-radios")
    radios = find(html, "input", type="radio")
    assert [r["id"] for r in radios] == ["id_kind_0", "id_kind_1"]
    assert all("nhsuk-radios__input" in classes(r) for r in radios)
    assert find(html, "label", class_="nhsuk-radios__label", for_="id_kind_0")


def test_crispy_pack_renders_a_boolean_as_an_nhs_checkbox_and_a_date_as_a_date_input():
    html = render_crispy_filter(invalid_form())

    (checkbox,) = find(html, "input", type="checkbox", name="agree")
    assert "nhsuk-checkboxes__input" in classes(checkbox)
    assert checkbox["aria-describedby"] == "id_agree_error"
    assert find(html, "label", class_="nhsuk-checkboxes__label", for_="id_agree")

    # The NHS date input: day, month and year boxes in a fieldset named by its legend.
    (group,) = find(html, "fieldset", role="group")
    assert "id_starts_on_helptext" in group["aria-describedby"]
    day, month, year = (find(html, "input", name=f"starts_on_{part}")[0] for part in PARTS)
    assert (day["value"], month["value"], year["value"]) == ("1", "4", "2026")
    assert all(
        box["type"] == "text" and box["inputmode"] == "numeric" for box in (day, month, year)
    )
    assert "nhsuk-date-input__input" in classes(day) and "nhsuk-input--width-4" in classes(year)
    assert find(html, "label", class_="nhsuk-date-input__label", for_="id_starts_on_month")
    assert not find(html, "input", type="date")


def test_crispy_tag_renders_the_form_with_nhs_buttons_and_no_browser_validation():
    form = invalid_form()
    form.helper = FormHelper()
    form.helper.add_input(Submit("save", "Save and continue"))
    form.helper.add_input(Submit("cancel", "Cancel", css_class="btn-secondary"))
    request = anonymous_request("/", "post")
    html = (
        engines["django"]
        .from_string("{% load crispy_forms_tags %}{% crispy form %}")
        .render({"form": form}, request)
    )

    (form_tag,) = find(html, "form")
    assert form_tag["method"] == "post" and "novalidate" in form_tag
    assert find(html, "input", type="hidden", name="csrfmiddlewaretoken")
    save, cancel = find(html, "button")
    assert classes(save) == {"nhsuk-button"} and save["type"] == "submit"
    assert classes(cancel) == {"nhsuk-button", "nhsuk-button--secondary"}
    assert not any(name.startswith("btn") for name in classes(save) | classes(cancel))
    # The fields are drawn by the same pack.
    (control,) = find(html, "input", name="name")
    assert "nhsuk-input--error" in classes(control)


def test_error_summary_links_each_error_to_its_field_and_is_an_alert():
    html = render_to_string("includes/error_summary.html", {"form": invalid_form()})

    (summary,) = find(html, "div", class_="nhsuk-error-summary")
    assert summary["tabindex"] == "-1"
    assert summary["data-module"] == "nhsuk-error-summary"
    assert find(html, "div", role="alert")
    links = [a["href"] for a in find(html, "a")]
    # The form's own error points at its first field; a radio group's at its first radio.
    assert links == ["#id_name", "#id_name", "#id_kind_0", "#id_agree"]


def test_error_summary_tag_and_a_valid_form_render_nothing():
    valid = ContactForm(data={"name": "A", "kind": "emi", "agree": "on"})
    template = engines["django"].from_string("{% load nhsuk %}{% nhsuk_error_summary form %}")
    assert template.render({"form": valid}).strip() == ""
    assert "nhsuk-error-summary" in template.render({"form": invalid_form()})


# -- the django-tables2 template ---------------------------------------------------------------


class HomeTable(tables.Table):
    caption = "Care homes"

    name = tables.Column(verbose_name="Name")
    beds = tables.Column(verbose_name="Beds")
    postcode = tables.Column(verbose_name="Postcode", orderable=False)


class UncaptionedTable(tables.Table):
    name = tables.Column()


ROWS = [
    {"name": "Oakwood Lodge", "beds": 40, "postcode": "S25 2AA"},
    {"name": "Beech Hill", "beds": 22, "postcode": "S66 1AB"},
    {"name": "Aston Court", "beds": 31, "postcode": "S26 4XY"},
]


def render_table(table, request, **context) -> str:
    template = engines["django"].from_string("{% load django_tables2 %}{% render_table table %}")
    return template.render({"table": table, **context}, request)


def test_table_template_renders_caption_column_scopes_and_sort_state():
    request = anonymous_request("/homes/", data={"sort": "-name", "q": "s2"})
    table = HomeTable(ROWS)
    RequestConfig(request, paginate=False).configure(table)
    html = render_table(table, request)

    (table_tag,) = find(html, "table")
    assert "nhsuk-table" in classes(table_tag)
    (caption,) = find(html, "caption", class_="nhsuk-table__caption")
    assert "Care homes<span" in html, "the caption, then the hint that headers sort"
    region = find(html, "div", class_="nhsuk-scroll__content")[0]
    assert region["role"] == "region" and region["aria-labelledby"] == caption["id"]

    headers = find(html, "th")
    assert [h["scope"] for h in headers] == ["col", "col", "col"]
    assert all("nhsuk-table__header" in classes(h) for h in headers)
    name, beds, postcode = headers
    assert name["aria-sort"] == "descending"
    assert beds["aria-sort"] == "none"
    assert "aria-sort" not in postcode, "a column that cannot be sorted has no sort state"
    # Sorting links keep the rest of the query string.
    hrefs = [a["href"] for a in find(html, "a", class_="nhsuk-link")]
    assert any("sort=name" in href and "q=s2" in href for href in hrefs)
    assert [r for r in find(html, "td") if "nhsuk-table__cell" in classes(r)]


def test_table_ascending_sort_and_caption_from_the_page_context():
    request = anonymous_request("/homes/", data={"sort": "name"})
    table = UncaptionedTable(ROWS)
    RequestConfig(request, paginate=False).configure(table)
    html = render_table(table, request, caption="All homes")

    assert find(html, "caption")
    assert "All homes" in html
    (header,) = find(html, "th")
    assert header["aria-sort"] == "ascending"


def test_table_without_caption_is_still_a_named_region_and_shows_empty_text():
    request = anonymous_request("/homes/")
    table = UncaptionedTable([])
    RequestConfig(request, paginate=False).configure(table)
    html = render_table(table, request)

    assert not find(html, "caption")
    assert find(html, "div", class_="nhsuk-scroll__content", aria_label="Table")
    (cell,) = find(html, "td")
    assert cell["colspan"] == "1"
    assert "No results." in html


def test_table_pagination_is_nhs_previous_next_with_page_x_of_y_and_keeps_the_query():
    request = anonymous_request("/homes/", data={"page": "2", "q": "oak", "sort": "beds"})
    table = HomeTable(ROWS)
    RequestConfig(request, paginate={"per_page": 1}).configure(table)
    html = render_table(table, request)

    (nav,) = find(html, "nav", class_="nhsuk-pagination")
    assert nav["aria-label"] == "Care homes: pages"
    assert "Page 2 of 3" in html
    (previous,) = find(html, "a", rel="prev")
    (following,) = find(html, "a", rel="next")
    for link, page in ((previous, "1"), (following, "3")):
        assert f"page={page}" in link["href"]
        assert "q=oak" in link["href"] and "sort=beds" in link["href"]
    assert "Page 1 of 3" in html and "Page 3 of 3" in html


# -- the page shell ----------------------------------------------------------------------------


def signed_in_request(path="/practices/"):
    request = RequestFactory().get(path)
    request.user = User(
        username="sam.officer", first_name="Sam", last_name="Officer", role=Role.ADMINISTRATOR
    )
    request._messages = CookieStorage(request)
    return request


def test_base_loads_the_vendored_assets_through_static_and_has_no_inline_script_or_style():
    source = (ROOT / "templates" / "base.html").read_text()
    assert "{% static 'vendor/nhsuk-frontend/nhsuk-frontend.min.css' %}" in source
    assert (
        "data-nhsuk-frontend=\"{% static 'vendor/nhsuk-frontend/nhsuk-frontend.min.js' %}\""
        in source
    )
    assert "{% static 'js/app.js' %}" in source

    html = render_page("{% block title %}Test{% endblock %}", signed_in_request())
    static = settings.STATIC_URL
    assert find(
        html, "link", rel="stylesheet", href=f"{static}vendor/nhsuk-frontend/nhsuk-frontend.min.css"
    )
    assert find(html, "link", rel="stylesheet", href=f"{static}css/app.css")
    (script,) = find(html, "script")
    assert script["src"] == f"{static}js/app.js"
    assert script["data-nhsuk-frontend"] == f"{static}vendor/nhsuk-frontend/nhsuk-frontend.min.js"

    parsed = parse(html)
    assert parsed.inline_scripts == 0
    assert not [e for e in parsed.elements if "style" in e], "no style= attributes"
    assert not [e for e in parsed.elements if e["tag"] == "style"]
    assert not re.search(r"\son[a-z]+=", html), "no inline event handlers"


def test_base_shell_landmarks_title_header_and_sign_out():
    request = signed_in_request("/practices/")
    html = render_page(
        "{% block title %}GP practices{% endblock %}{% block content %}<h1>GP practices</h1>{% endblock %}",
        request,
    )

    assert "<title>GP practices – Care Home LES – NHS</title>" in html
    assert find(html, "html", lang="en")
    assert find(html, "a", class_="nhsuk-skip-link", href="#maincontent")
    assert find(html, "header", class_="nhsuk-header", role="banner")
    assert find(html, "main", class_="nhsuk-main-wrapper", id="maincontent", role="main")
    assert find(html, "footer", role="contentinfo")
    assert len(find(html, "h1")) == 1, "base.html adds no <h1> of its own"
    assert find(html, "a", class_="nhsuk-header__service-logo", href="/")

    assert "Sam Officer" in html and "Administrator" in html
    (sign_out,) = find(html, "form", class_="nhsuk-header__account-form")
    assert sign_out["method"] == "post" and sign_out["action"] == "/accounts/logout/"
    assert find(html, "input", type="hidden", name="csrfmiddlewaretoken")
    assert find(html, "button", class_="nhsuk-header__account-button", type="submit")

    current = find(html, "a", class_="nhsuk-header__navigation-link", aria_current="page")
    assert len(current) == 1 and current[0]["href"] == "/practices/"
    assert len(find(html, "a", class_="nhsuk-header__navigation-link")) > 1


def test_base_shows_messages_as_notification_banners():
    request = signed_in_request("/")
    messages.success(request, "Alignment saved.")
    messages.info(request, "Imports run overnight.")
    html = render_page("{% block title %}Home{% endblock %}", request)

    (success,) = find(html, "div", class_="nhsuk-notification-banner--success")
    assert success["role"] == "alert"
    assert success["data-module"] == "nhsuk-notification-banner"
    banners = find(html, "div", class_="nhsuk-notification-banner")
    assert len(banners) == 2 and banners[1]["role"] == "region"
    titles = [b["aria-labelledby"] for b in banners]
    assert len(set(titles)) == 2 and all(find(html, "h2", id=t) for t in titles)
    assert "Alignment saved." in html and "Imports run overnight." in html


def test_anonymous_shell_has_no_account_or_navigation():
    request = anonymous_request("/accounts/login/")
    html = render_page("{% block title %}Sign in{% endblock %}", request)
    assert not find(html, "nav", class_="nhsuk-header__account")
    assert not find(html, "nav", class_="nhsuk-header__navigation")


@pytest.mark.django_db
def test_sign_in_page_and_its_error_state(client):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Sign in – Care Home LES – NHS</title>" in html
    assert find(html, "input", name="username", class_="nhsuk-input")
    assert find(html, "input", name="password", type="password", class_="nhsuk-input")
    assert find(html, "label", for_="id_username") and find(html, "label", for_="id_password")

    response = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    html = response.content.decode()
    assert "<title>Error: Sign in – Care Home LES – NHS</title>" in html
    assert find(html, "div", class_="nhsuk-error-summary")
    assert find(html, "a", href="#id_username")
    assert len(find(html, "h1")) == 1


def test_error_pages():
    # 500.html gets an empty context from Django: it must render without a request.
    html = render_to_string("500.html")
    assert len(find(html, "h1")) == 1
    assert find(
        html,
        "link",
        rel="stylesheet",
        href=f"{settings.STATIC_URL}vendor/nhsuk-frontend/nhsuk-frontend.min.css",
    )
    assert find(html, "main", id="maincontent")

    request = signed_in_request("/missing/")
    for name, heading in (
        ("404.html", "Page not found"),
        ("403.html", "You cannot view this page"),
    ):
        html = render_to_string(name, request=request)
        (h1,) = find(html, "h1")
        assert h1["class"] == "nhsuk-heading-l"
        assert heading in html
        assert f"<title>{heading} – Care Home LES – NHS</title>" in html


def test_filter_panel_is_a_get_form_with_filter_button_and_clear_link():
    class Filters(forms.Form):
        q = forms.CharField(label="Name or ODS code", required=False)

    class FakeFilter:
        form = Filters(data={"q": "oak"})

    request = anonymous_request("/practices/", data={"q": "oak", "sort": "name", "page": "2"})
    html = render_to_string("includes/filter_form.html", {"filter": FakeFilter()}, request=request)
    (form,) = find(html, "form")
    assert form["method"] == "get" and form["action"] == "/practices/"
    assert find(html, "input", name="q", class_="nhsuk-input", value="oak")
    assert find(html, "input", type="hidden", name="sort", value="name")
    assert not find(html, "input", name="page")
    assert find(html, "button", type="submit", class_="nhsuk-button")
    (clear,) = [a for a in find(html, "a") if a.get("href") == "/practices/"]
    assert "nhsuk-link" in classes(clear)
    assert "Clear filters" in html


# -- the vendored files ------------------------------------------------------------------------


def test_vendored_nhsuk_frontend_matches_the_pinned_version_and_is_self_contained():
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["nhsuk-frontend"]
    assert re.fullmatch(r"10\.\d+\.\d+", pinned), "an exact 10.x version"
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/nhsuk-frontend"]["version"] == pinned
    assert (VENDOR / "VERSION").read_text().strip() == pinned

    css = (VENDOR / "nhsuk-frontend.min.css").read_text()
    js = (VENDOR / "nhsuk-frontend.min.js").read_text()
    assert ".nhsuk-header" in css and "export{" in js and "initAll" in js
    # No CDN and no missing files: images are relative to the stylesheet, and there.
    assert "assets.nhs.uk" not in css and "url(/" not in css and "sourceMappingURL" not in css + js
    for image in set(re.findall(r"url\((assets/[^)]+)\)", css)):
        assert (VENDOR / image).is_file(), image
    for image in ("favicon.ico", "favicon.svg", "nhsuk-icon-180.png"):
        assert (VENDOR / "assets" / "images" / image).is_file()
    assert (ROOT / "static" / "js" / "app.js").is_file()
    assert (ROOT / "static" / "css" / "app.css").is_file()
