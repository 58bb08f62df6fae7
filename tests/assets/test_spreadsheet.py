"""The register as a spreadsheet: the export read back, export → import into an empty school →
export gives the same cells, a re-import updates rather than duplicates, a school's own
columns are mapped (and remembered), and bad files and bad rows are refused whole."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from bastion.assets import imports
from bastion.assets.export import register_export
from bastion.assets.models import AssetImport, InformationAsset, RegisterSettings
from bastion.core.models import AuditEvent
from bastion.equipment.models import Location
from bastion.people.import_files import ImportRefused
from bastion.systems.models import System
from tests.assets.assets import TODAY, asset, staff_member, url
from tests.exports import first_sheet, unlock_xlsx

pytestmark = pytest.mark.django_db


def build_register(school):
    """Staff, a system and a place, and three assets using every kind of column."""
    kit = staff_member(school, "Kit", "Mercer", email="kit@ashmole.example.org")
    bo = staff_member(school, "Bo", "Lee")
    mis = System.objects.create(school=school, name="MIS")
    cabinet = Location.objects.create(school=school, name="SENCo cabinet", lockable=True)
    asset(
        school,
        "SEN records",
        owner=kit,
        description="Plans, reviews\nand reports",
        data_subjects=["pupils", "parents"],
        personal_data="Needs; plans",
        special_category=True,
        special_categories=["health", "ethnicity"],
        article9_condition="public_interest",
        lawful_basis="legal_obligation",
        source="Parents",
        system=mis,
        location=cabinet,
        held_elsewhere="Teachers' planners (Année 6)",
        secure_area=True,
        format="both",
        access="SENCo",
        shared_with="LA",
        transfers_abroad="",
        security="Locked",
        retention_years=31,
        retention_from="pupil_birth",
        retention_note="DOB + 31 years",
        weeded_on=dt.date(2025, 9, 1),
        disposal="shredding",
        risk="high",
        dpia_needed=True,
        dpia_done_on=dt.date(2025, 1, 15),
    )
    asset(school, "Payroll", owner=bo, retention_years=6, retention_from="financial_year")
    asset(school, "Old admissions", archived_on=dt.date(2025, 12, 1), last_reviewed_on=None)


def cells(data: bytes) -> list[tuple]:
    """The title, the column names and every row (not the subtitle, which names the school)."""
    rows = list(first_sheet(data).iter_rows(values_only=True))
    return [rows[0], *rows[2:]]


def upload(school, actor, data: bytes, name="register.xlsx") -> AssetImport:
    job = imports.import_upload(actor=actor, school=school, filename=name, data=data)
    return imports.import_check(job=job, mapping=job.mapping)


def test_the_export_reads_back_with_every_column(school, dpo):
    build_register(school)
    rows = list(first_sheet(register_export(actor=dpo, school=school)).iter_rows(values_only=True))
    assert rows[0][0] == "Information asset register"
    headers = rows[2]
    sen = dict(zip(headers, rows[3], strict=True))
    assert sen["Reference"] == "IA-001"
    assert sen["Information asset owner"] == "Kit Mercer"
    assert sen["Owner e-mail"] == "kit@ashmole.example.org"
    assert sen["Data subjects"] == "Pupils; Parents and carers"
    assert sen["Special categories"] == "Health (medical and SEN); Racial or ethnic origin"
    assert sen["Article 9 condition"] == "(g) Substantial public interest"
    assert sen["System"] == "MIS" and sen["Location"] == "SENCo cabinet"
    assert sen["Held elsewhere"] == "Teachers' planners (Année 6)"
    assert sen["DPIA done"] == dt.datetime(2025, 1, 15)
    assert sen["Retention (years)"] == 31
    archived = dict(zip(headers, rows[5], strict=True))
    assert archived["Archived on"] == dt.datetime(2025, 12, 1)
    assert AuditEvent.objects.filter(action="assets.exported").count() == 1


def test_export_then_import_into_an_empty_school_gives_back_the_same_register(
    school, other_school, dpo, outsider
):
    build_register(school)
    first = register_export(actor=dpo, school=school)
    # The other school has the same staff, system and place, and no register.
    staff_member(other_school, "Kit", "Mercer", email="kit@ashmole.example.org")
    staff_member(other_school, "Bo", "Lee")
    System.objects.create(school=other_school, name="MIS")
    Location.objects.create(school=other_school, name="SENCo cabinet")
    job = upload(other_school, outsider, first)
    assert job.status == "planned", job.errors
    assert (job.summary["created"], job.summary["updated"]) == (3, 0)
    assert imports.import_apply(actor=outsider, job=job)["created"] == 3
    again = register_export(actor=outsider, school=other_school)
    assert cells(again) == cells(first)
    copied = InformationAsset.objects.get(school=other_school, reference="IA-001")
    assert copied.owner.school == other_school and copied.system.school == other_school


def test_importing_the_same_file_again_updates_rather_than_duplicates(school, dpo):
    build_register(school)
    data = register_export(actor=dpo, school=school)
    job = upload(school, dpo, data)
    assert (job.summary["created"], job.summary["updated"], job.summary["unchanged"]) == (0, 0, 3)
    imports.import_apply(actor=dpo, job=job)
    assert InformationAsset.objects.filter(school=school).count() == 3

    sheet = first_sheet(data)
    sheet["B4"] = "SEN and EHCP records"  # the name of IA-001
    sheet["AB4"] = "Medium"  # its risk
    changed = io.BytesIO()
    sheet.parent.save(changed)
    job = upload(school, dpo, changed.getvalue())
    assert (job.summary["created"], job.summary["updated"]) == (0, 1)
    assert job.summary["samples"]["updated"] == ["IA-001 SEN records: Information asset, Risk"]
    imports.import_apply(actor=dpo, job=job)
    sen = InformationAsset.objects.get(school=school, reference="IA-001")
    assert (sen.name, sen.risk) == ("SEN and EHCP records", "medium")
    assert InformationAsset.objects.filter(school=school).count() == 3
    event = AuditEvent.objects.filter(action="assets.imported").order_by("id").last()
    assert event.changes["updated"][str(sen.pk)]["risk"] == ["high", "medium"]


SCHOOL_SHEET = [
    ["Ashmole Primary: information assets (template from the LA)"],
    [],
    ["Asset", "IAO", "Whose data", "Lawful basis", "Risk rating", "Reviewed", "Notes"],
    ["Pupil records", "Kit Mercer", "Pupils, parents", "Public task", "high", "01/02/2026", "x"],
    ["Staff files", "", "Staff", "(b) Contract", "Low", "", ""],
]


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_schools_own_spreadsheet_is_mapped_and_matched_by_name_when_re_run(school, dpo):
    staff_member(school, "Kit", "Mercer")
    data = xlsx(SCHOOL_SHEET)
    job = upload(school, dpo, data)
    assert job.mapping == {
        "name": "Asset",
        "owner_name": "IAO",
        "data_subjects": "Whose data",
        "lawful_basis": "Lawful basis",
        "risk": "Risk rating",
        "last_reviewed_on": "Reviewed",
    }
    assert job.status == "planned", job.errors
    imports.import_apply(actor=dpo, job=job)
    pupils = InformationAsset.objects.get(name="Pupil records")
    assert (pupils.owner.last_name, pupils.data_subjects, pupils.lawful_basis) == (
        "Mercer",
        ["pupils", "parents"],
        "public_task",
    )
    assert (pupils.risk, pupils.last_reviewed_on, pupils.reference) == (
        "high",
        dt.date(2026, 2, 1),
        "IA-001",
    )
    assert InformationAsset.objects.get(name="Staff files").reference == "IA-002"
    job = upload(school, dpo, data)
    assert (job.summary["created"], job.summary["unchanged"]) == (0, 2)
    assert RegisterSettings.objects.get(school=school).import_mapping == job.mapping


def test_the_remembered_mapping_is_offered_for_the_next_file(school, dpo):
    rows = [["Thing", "Level"], ["CCTV", "low"]]
    job = imports.import_upload(actor=dpo, school=school, filename="a.xlsx", data=xlsx(rows))
    assert "risk" not in job.mapping  # "Level" is not a name Bastion knows for the risk
    imports.import_check(job=job, mapping={"name": "Thing", "risk": "Level"})
    job = imports.import_upload(actor=dpo, school=school, filename="b.xlsx", data=xlsx(rows))
    assert job.mapping == {"name": "Thing", "risk": "Level"}


def test_a_bad_row_refuses_the_whole_file_with_row_and_column(school, dpo):
    asset(school, "Existing")
    rows = [
        ["Information asset", "Risk", "Special category data", "Article 9 condition", "System"],
        ["Fine", "low", "no", "", ""],
        ["Bad risk", "severe", "no", "", ""],
        ["Condition without data", "low", "no", "(h) Health or social care", ""],
        ['=HYPERLINK("x")', "low", "no", "", ""],
        ["Unknown system", "low", "no", "", "Capita SIMS"],
        ["Fine", "low", "no", "", ""],
    ]
    job = upload(school, dpo, xlsx(rows))
    assert job.status == "uploaded"
    assert job.errors == [
        "Row 3, column “Risk”: “severe” is not a risk rating (low, medium, high) Bastion knows.",
        "Row 4, column “Article 9 condition”: An Article 9 condition applies only to special "
        "category data: mark the asset as holding it, or clear the condition.",
        'Row 5, column “Information asset”: “=HYPERLINK("x")” starts like a spreadsheet '
        "formula, which Bastion refuses. Remove the formula or its first character.",
        "Row 6, column “System”: there is no system called “Capita SIMS” in the systems "
        "register. Add it there first, or correct the name.",
        "Row 7, column “Information asset”: “Fine” is also on row 2.",
    ]
    assert list(InformationAsset.objects.values_list("name", flat=True)) == ["Existing"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("register.xlsx", b"not a workbook", "is not an Excel workbook"),
        ("register.pdf", b"%PDF-1.4", "Choose a .csv or .xlsx file"),
        ("register.csv", b"", "The file is empty"),
        ("register.csv", b"Information asset\n", "no rows"),
        ("register.xlsx", None, "no row of column names"),
    ],
)
def test_a_bad_file_is_refused_before_anything_is_kept(school, dpo, name, data, message):
    if data is None:
        data = xlsx([["Just a title"], ["and a note"]])
    with pytest.raises(ImportRefused) as refused:
        imports.import_upload(actor=dpo, school=school, filename=name, data=data)
    assert message in " ".join(refused.value.errors)
    assert not AssetImport.objects.exists()


def test_the_import_pages_upload_map_preview_and_import(client_for, school, dpo):
    staff_member(school, "Kit", "Mercer")
    client = client_for(dpo)
    response = client.post(
        url(school, "import/"), {"file": _file("register.xlsx", xlsx(SCHOOL_SHEET))}
    )
    job = AssetImport.objects.get()
    assert response.url == url(school, f"import/{job.pk}/")
    page = client.get(response.url)
    assert page.context["mapping_form"]["col_name"].value() == "Asset"
    mapping = {f"col_{k}": v for k, v in job.mapping.items()}
    response = client.post(url(school, f"import/{job.pk}/"), mapping)
    preview = client.get(response.url).content.decode()
    assert 'id="count-created">2<' in preview
    assert not InformationAsset.objects.exists()
    response = client.post(url(school, f"import/{job.pk}/confirm/"))
    assert response.url == url(school)
    assert InformationAsset.objects.count() == 2


def test_the_import_page_shows_a_refused_file_and_keeps_nothing(client_for, school, dpo):
    response = client_for(dpo).post(
        url(school, "import/"), {"file": _file("register.xlsx", b"PK\x03\x04junk")}
    )
    assert response.status_code == 200
    assert "is not an Excel workbook" in response.content.decode()
    assert not AssetImport.objects.exists()


def test_a_password_protected_export_opens_with_its_password(client_for, school, dpo):
    build_register(school)
    response = client_for(dpo).post(url(school, "export/"), {"password": "long-enough-pw"})
    assert response["Content-Disposition"].endswith(f'{TODAY:%Y-%m-%d}.xlsx"')
    plain = unlock_xlsx(response.content, "long-enough-pw")
    assert first_sheet(plain)["B4"].value == "SEN records"


def _file(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
