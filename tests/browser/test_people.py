"""The office imports a pupil roster in the browser and finds a pupil in the directory."""

from __future__ import annotations

from bastion.people.models import Kind, Person
from tests.browser.conftest import sign_in
from tests.people.importing import csv_bytes

ROSTER = csv_bytes(
    [
        ["UPN", "Known as", "Legal Surname", "DOB", "Year", "Reg Group"],
        ["H801200001001", "Ada", "Okonkwo-Hale", "2017-05-01", "Year 3", "3B"],
        ["H801200001002", "Bram", "Lindqvist", "14/02/2016", "4", "4A"],
        ["H80120000100C", "Cleo", "Marchetti", "2020-09-30", "R", "RA"],
    ]
)


def test_the_office_imports_pupils_and_finds_one_by_search(page, office, school):
    sign_in(page, office)
    page.axe()
    page.goto(f"/s/{school.slug}/people/")
    page.axe()
    page.get_by_role("link", name="Import from the MIS").click()
    page.wait_for_load_state()
    page.axe()

    page.get_by_label("Pupils", exact=True).check()
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "pupils.csv", "mimeType": "text/csv", "buffer": ROSTER}
    )
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_load_state()
    page.axe()

    # "Known as" is not a name Bastion knows: the office chooses it.
    assert page.get_by_role("heading", name="Which column is which?").is_visible()
    assert page.get_by_label("First name").input_value() == ""
    page.get_by_label("First name").select_option("Known as")
    assert page.get_by_label("UPN").input_value() == "UPN"
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()
    page.axe()

    assert page.get_by_role("heading", name="What the import will do").is_visible()
    assert page.locator("#count-created").inner_text() == "3"
    assert not Person.objects.exists()
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_load_state()
    page.axe()

    assert page.get_by_role("heading", name="Imported").is_visible()
    assert Person.objects.filter(school=school, kind=Kind.PUPIL).count() == 3
    page.get_by_role("link", name="Back to people").click()
    page.wait_for_load_state()
    page.axe()

    page.get_by_label("Name, e-mail or MIS id").fill("lindq")
    results = page.locator("#results")
    results.get_by_text("1 person").wait_for()
    page.axe()
    assert results.get_by_role("link", name="Lindqvist, Bram").is_visible()
    assert results.get_by_role("link", name="Okonkwo-Hale, Ada").count() == 0
    assert "q=lindq" in page.url

    results.get_by_role("link", name="Lindqvist, Bram").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_role("heading", name="Bram Lindqvist").is_visible()
    assert page.get_by_text("Year 4, 4A").is_visible()


def test_an_import_that_marks_the_dpo_as_left_asks_for_a_tick_first(page, office, dpo, school):
    for n, (first, last, email) in enumerate(
        [
            ("Dev", "Dpo", "dev.dpo@ashmole.example.org"),
            ("Imogen", "Farrow", "i.farrow@ashmole.example.org"),
            ("Kwame", "Ashdown", ""),
            ("Priya", "Venkat", ""),
        ],
        start=1,
    ):
        Person.objects.create(
            school=school,
            kind=Kind.STAFF,
            mis_id=f"T00{n}",
            first_name=first,
            last_name=last,
            email=email,
        )
    roster = csv_bytes(
        [
            ["Staff Code", "Forename", "Surname", "Work Email"],
            ["T900", "Wren", "Halloway", "w.halloway@ashmole.example.org"],
        ]
    )
    sign_in(page, office)
    page.axe()
    page.goto(f"/s/{school.slug}/people/import/")
    page.axe()
    page.get_by_label("Staff", exact=True).check()
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "staff.csv", "mimeType": "text/csv", "buffer": roster}
    )
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_load_state()
    page.axe()

    box = page.get_by_label("Mark people missing from this file as having left")
    assert not box.is_checked()  # off unless asked for
    box.check()
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()
    page.axe()

    warning = page.locator("#leavers-warning")
    assert "4 people are not in this file" in warning.inner_text()
    assert "Dev Dpo (DPO)" in page.locator("#leavers-accounts").inner_text()
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_load_state()
    page.axe()

    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert Person.objects.current().count() == 4  # nothing changed
    page.get_by_label(
        "I understand 4 people, including the DPO, will be marked as having left"
    ).check()
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_role("heading", name="Imported").is_visible()
    assert list(Person.objects.current().values_list("mis_id", flat=True)) == ["T900"]
