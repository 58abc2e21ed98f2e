"""The user guide at /help/: docs/guide/*.md rendered with NHS.UK classes, public, linked from the
footer; raw HTML in the Markdown is never rendered."""

import pytest
from django.urls import reverse

from carehomes_les.help import PAGES, render

pytestmark = pytest.mark.django_db


def test_help_is_linked_from_the_footer_of_every_page(client):
    page = client.get(reverse("accessibility")).content.decode()
    footer = page[page.index('<footer class="nhsuk-footer"') :]
    assert f'href="{reverse("help")}">Help</a>' in footer


@pytest.mark.parametrize("slug", [s for s in PAGES if s])
def test_each_role_guide_renders_with_nhs_classes_and_its_screenshots(client, slug):
    response = client.get(reverse("help_page", args=[slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<h1 class="nhsuk-heading-l">Help for ' in page
    assert '<h2 class="nhsuk-heading-m">' in page
    assert '<img src="/static/guide/' in page and 'class="app-guide__image"' in page
    assert f'href="{reverse("help")}"' in page  # "Back to Help" became the service's address


def test_help_index_links_each_role_guide_inside_the_service(client):
    page = client.get(reverse("help")).content.decode()
    for slug in ("practice-manager", "contracting-officer", "auditor"):
        assert f'href="{reverse("help_page", args=[slug])}"' in page
    assert ".md" not in page


def test_an_unknown_guide_page_is_404(client):
    assert client.get("/help/nothing-here/").status_code == 404


def test_raw_html_in_the_guide_is_shown_as_text_never_run():
    _title, html = render("# Title\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
