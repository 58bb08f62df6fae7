import datetime as dt

from django.utils import timezone

from tests.browser.conftest import sign_in


def test_a_member_signs_in_and_opens_my_tasks(page, staff, school):
    school.password_max_age_days = 180
    school.save()
    staff.password_changed_at = timezone.now() - dt.timedelta(days=170)
    staff.save(update_fields=["password_changed_at"])

    sign_in(page, staff)
    page.axe()
    page.get_by_role("link", name="My tasks").click()
    page.wait_for_load_state()
    page.axe()

    assert page.get_by_role("heading", name="My tasks").is_visible()
    task = page.get_by_role("link", name="Change your Bastion password")
    assert task.is_visible()
    task.click()
    page.wait_for_load_state()
    page.axe()
    assert page.url.endswith("/accounts/password/change/")


def test_a_member_with_nothing_to_do_is_told_so(page, governor):
    sign_in(page, governor)
    page.axe()
    page.goto("/tasks/")
    page.axe()

    assert page.get_by_text("Nothing to do right now.").is_visible()
