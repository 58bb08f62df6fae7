from tests.browser.conftest import sign_in


def test_a_member_of_staff_signs_in_and_sees_their_school(page, staff, school):
    sign_in(page, staff)
    page.axe()
    assert page.url.endswith(f"/s/{school.slug}/")
    assert page.get_by_role("heading", name=school.name).is_visible()
