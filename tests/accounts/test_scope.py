import datetime

import pytest

from accounts.access import Permission, has_permission, scope_for
from carehomes.models import Alignment, CareHome
from practices.models import PCN, Commissioner, Practice
from tests import factories as f


@pytest.fixture
def area(db):
    commissioner = f.CommissionerFactory(code="03L")
    mine = f.PracticeFactory(pcn=f.PCNFactory(commissioner=commissioner))
    neighbour = f.PracticeFactory(pcn=f.PCNFactory(commissioner=commissioner))
    shared_home = f.CareHomeFactory(commissioner=commissioner)
    f.AlignmentFactory(care_home=shared_home, practice=mine, lead_gp="Dr Mine")
    f.AlignmentFactory(care_home=shared_home, practice=neighbour, lead_gp="Dr Neighbour")
    neighbours_home = f.CareHomeFactory(commissioner=commissioner)
    f.AlignmentFactory(care_home=neighbours_home, practice=neighbour)
    elsewhere = f.CommissionerFactory(code="02P")
    foreign_practice = f.PracticeFactory(pcn=f.PCNFactory(commissioner=elsewhere))
    # A home registered elsewhere but aligned across the boundary with one of our practices.
    border_home = f.CareHomeFactory(commissioner=elsewhere)
    f.AlignmentFactory(care_home=border_home, practice=neighbour)
    foreign_home = f.CareHomeFactory(commissioner=elsewhere)
    f.AlignmentFactory(care_home=foreign_home, practice=foreign_practice)
    return locals()


def test_manager_sees_only_their_practices(area):
    scope = scope_for(f.practice_manager(area["mine"]))
    assert list(Practice.objects.visible_to(scope)) == [area["mine"]]
    assert not PCN.objects.visible_to(scope).exists()
    assert not Commissioner.objects.visible_to(scope).exists()


def test_manager_sees_homes_aligned_with_their_practice_only(area):
    scope = scope_for(f.practice_manager(area["mine"]))
    assert list(CareHome.objects.visible_to(scope)) == [area["shared_home"]]


def test_manager_never_sees_who_else_shares_a_home(area):
    scope = scope_for(f.practice_manager(area["mine"]))
    assert [a.lead_gp for a in Alignment.objects.visible_to(scope)] == ["Dr Mine"]


def test_manager_of_two_practices_sees_both(area):
    scope = scope_for(f.practice_manager(area["mine"], area["neighbour"]))
    assert set(Practice.objects.visible_to(scope)) == {area["mine"], area["neighbour"]}


def test_officer_sees_commissioner_and_cross_boundary_homes(area):
    scope = scope_for(f.officer(area["commissioner"]))
    assert set(Practice.objects.visible_to(scope)) == {area["mine"], area["neighbour"]}
    assert set(CareHome.objects.visible_to(scope)) == {
        area["shared_home"],
        area["neighbours_home"],
        area["border_home"],
    }
    assert area["foreign_home"] not in set(CareHome.objects.visible_to(scope))


def test_auditor_sees_what_officer_sees_but_may_not_manage(area):
    auditor = f.auditor(area["commissioner"])
    assert set(Practice.objects.visible_to(scope_for(auditor))) == {area["mine"], area["neighbour"]}
    assert has_permission(auditor, Permission.VIEW_REGISTRY)
    assert not has_permission(auditor, Permission.MANAGE_REGISTRY)


def test_administrator_sees_everything(area):
    scope = scope_for(f.administrator())
    assert Practice.objects.visible_to(scope).count() == 3
    assert CareHome.objects.visible_to(scope).count() == 4


def test_inactive_user_has_no_permissions(area):
    officer = f.officer(area["commissioner"], is_active=False)
    assert not has_permission(officer, Permission.VIEW_REGISTRY)


def test_anonymous_scope_is_empty(area):
    from django.contrib.auth.models import AnonymousUser

    scope = scope_for(AnonymousUser())
    assert (
        not Practice.objects.visible_to(scope).exists()
        and not CareHome.objects.visible_to(scope).exists()
    )


def test_current_alignment_filter_uses_inclusive_end(area):
    from carehomes.models import Alignment

    alignment = Alignment.objects.first()
    alignment.end_date = datetime.date(2020, 3, 31)
    alignment.save()
    assert Alignment.objects.current(datetime.date(2020, 3, 31)).filter(pk=alignment.pk).exists()
    assert not Alignment.objects.current(datetime.date(2020, 4, 1)).filter(pk=alignment.pk).exists()
