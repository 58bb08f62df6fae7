"""Importing an existing device inventory (CSV, XLSX): good files, bad rows refused whole with
row-and-column messages, re-runs that change nothing, and who may import."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bastion.core.models import AuditEvent
from bastion.equipment.device_import import ImportRefused, device_import
from bastion.equipment.models import Device, Location
from tests.equipment.test_devices import device, place, url
from tests.people.importing import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = [
    "Kind",
    "Make",
    "Model",
    "Serial",
    "Asset tag",
    "Holds personal data",
    "Encrypted",
    "Location name",
    "Purchase date",
    "Status",
]
ROWS = [
    [
        "Laptop",
        "Lenovo",
        "ThinkPad E14",
        "PF3XK2",
        "LAP-001",
        "yes",
        "yes",
        "Staff room",
        "2024-08-30",
        "in use",
    ],
    [
        "Server",
        "Dell",
        "PowerEdge T150",
        "7HD2",
        "SRV-001",
        "Y",
        "no",
        "server cupboard",
        "01/09/2021",
        "",
    ],
    ["Backup tape", "HPE", "LTO-8", "", "TAPE-01", "yes", "yes", "Fire safe", "", "In store"],
    ["Photocopier", "Ricoh", "IM C3000", "C3R9", "MFD-001", "yes", "no", "", "", "in use"],
    ["One-time-password token", "", "", "", "OTP-01", "no", "no", "", "", "on loan"],
]


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def places(school):
    return {
        "staff": place(school, "Staff room"),
        "cupboard": place(school, "Server cupboard", lockable=True),
        "safe": place(school, "Fire safe", kind="safe", lockable=True, fire_proof=True),
        "bank": place(school, "Bank vault", kind="off_site"),
    }


def run(school, actor, rows, filename="inventory.csv", header=HEADER):
    data = (xlsx_bytes if filename.endswith(".xlsx") else csv_bytes)([header, *rows])
    return device_import(actor=actor, school=school, filename=filename, data=data)


def refusal(school, actor, rows, **kwargs) -> list[str]:
    with pytest.raises(ImportRefused) as refused:
        run(school, actor, rows, **kwargs)
    return refused.value.errors


def register(school) -> list[tuple]:
    return list(
        Device.objects.filter(school=school)
        .order_by("pk")
        .values_list(
            "kind",
            "make",
            "model",
            "serial",
            "asset_tag",
            "holds_personal_data",
            "encrypted",
            "location__name",
            "purchased_on",
            "status",
        )
    )


@pytest.mark.parametrize("filename", ["inventory.csv", "inventory.xlsx"])
def test_a_good_file_adds_every_device(school, it_lead, places, filename):
    result = run(school, it_lead, ROWS, filename)
    assert str(result) == "5 added, 0 updated, 0 unchanged"
    assert register(school) == [
        ("laptop", "Lenovo", "ThinkPad E14", "PF3XK2", "LAP-001", True, True, "Staff room",
         dt.date(2024, 8, 30), "in_use"),
        ("server", "Dell", "PowerEdge T150", "7HD2", "SRV-001", True, False, "Server cupboard",
         dt.date(2021, 9, 1), "in_use"),
        ("backup_tape", "HPE", "LTO-8", "", "TAPE-01", True, True, "Fire safe", None, "in_store"),
        ("mfd", "Ricoh", "IM C3000", "C3R9", "MFD-001", True, False, None, None, "in_use"),
        ("otp_token", "", "", "", "OTP-01", False, False, None, None, "on_loan"),
    ]  # fmt: skip
    event = AuditEvent.objects.get(action="devices.imported")
    assert event.changes["created"] == 5 and event.changes["file"] == filename


def test_importing_the_same_file_again_changes_nothing(school, it_lead, places):
    run(school, it_lead, ROWS)
    before = list(Device.objects.order_by("pk").values())
    result = run(school, it_lead, ROWS)
    assert str(result) == "0 added, 0 updated, 5 unchanged"
    assert list(Device.objects.order_by("pk").values()) == before


def test_a_changed_row_updates_only_that_device_matched_by_asset_tag(school, it_lead, places):
    run(school, it_lead, ROWS)
    laptop = Device.objects.get(asset_tag="LAP-001")
    changed = [list(row) for row in ROWS]
    changed[0][6] = "no"  # the laptop is no longer encrypted
    changed[0][4] = "lap-001"  # and the tag is written in lower case
    result = run(school, it_lead, changed)
    assert str(result) == "0 added, 1 updated, 4 unchanged"
    laptop.refresh_from_db()
    assert (laptop.asset_tag, laptop.encrypted) == ("LAP-001", False)
    event = AuditEvent.objects.filter(action="devices.imported").first()
    assert event.changes["updated"] == {str(laptop.pk): {"encrypted": [True, False]}}


def test_a_file_without_some_optional_columns_leaves_those_fields_alone(school, it_lead, places):
    kept = device(school, "laptop", "LAP-001", make="Lenovo", location=places["staff"])
    result = run(
        school, it_lead, [["laptop", "LAP-001", "yes"]], header=["Type", "Asset", "Encrypted"]
    )
    assert str(result) == "0 added, 1 updated, 0 unchanged"
    kept.refresh_from_db()
    assert (kept.make, kept.location, kept.encrypted) == ("Lenovo", places["staff"], True)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({0: "Toaster"}, "Row 3, column “Kind”: “Toaster” is not a kind of device Bastion knows."),
        ({0: ""}, "Row 3, column “Kind”: Kind is missing."),
        ({4: ""}, "Row 3, column “Asset tag”: Asset tag is missing."),
        ({4: "LAP-001"}, "Row 3: the asset tag “LAP-001” is also on row 2."),
        ({5: "maybe"}, "Row 3, column “Holds personal data”: “maybe” is not yes or no."),
        ({6: "AES"}, "Row 3, column “Encrypted”: “AES” is not yes or no."),
        ({7: "Loft"}, "Row 3, column “Location name”: there is no location called “Loft”."),
        ({8: "31/02/2024"}, "Row 3, column “Purchase date”: “31/02/2024” is not a date"),
        ({8: "2027-01-01"}, "Row 3, column “Purchase date”: “2027-01-01” is in the future."),
        ({9: "broken"}, "Row 3, column “Status”: “broken” is not a status Bastion knows."),
        ({1: "=HYPERLINK(1)"}, "Row 3, column “Make”: “=HYPERLINK(1)” starts like a spreadsheet"),
        ({2: "M" * 81}, "Row 3, column “Model”: is longer than 80 characters."),
        (
            {0: "Backup tape", 7: "Bank vault"},
            "Row 3, column “Location name”: Back-up media never leave site",
        ),
    ],
)  # fmt: skip
def test_a_bad_row_refuses_the_whole_file_with_its_row_and_column(
    school, it_lead, places, row, message
):
    device(school, "laptop", "OLD-1")
    before = register(school)
    rows = [list(r) for r in ROWS]
    for column, value in row.items():
        rows[1][column] = value
    errors = refusal(school, it_lead, rows)
    assert any(e.startswith(message) for e in errors), errors
    assert register(school) == before
    assert not AuditEvent.objects.filter(action="devices.imported").exists()


def test_every_bad_cell_is_listed_at_once(school, it_lead, places):
    rows = [list(r) for r in ROWS]
    rows[0][0] = "Toaster"
    rows[3][7] = "Loft"
    errors = refusal(school, it_lead, rows)
    assert [e.split(":")[0] for e in errors] == [
        "Row 2, column “Kind”",
        "Row 5, column “Location name”",
    ]


def test_a_file_without_the_kind_or_the_asset_tag_column_is_refused(school, it_lead, places):
    errors = refusal(school, it_lead, [["Lenovo"]], header=["Make"])
    assert errors == ["The file has no column called: Kind, Asset tag. Add it and try again."]


def test_a_re_run_cannot_mark_a_device_lost_or_change_a_disposed_one(school, it_lead, places):
    device(school, "laptop", "LAP-001", status=Device.Status.DISPOSED)
    device(school, "server", "SRV-001")
    rows = [list(r) for r in ROWS]
    rows[1][9] = "stolen"
    errors = refusal(school, it_lead, rows)
    assert errors[0] == "Row 2: the device “LAP-001” was disposed of and stays as it was recorded."
    assert errors[1].startswith("Row 3: to mark the device “SRV-001” lost or stolen, report it")


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("inventory.csv", b"", "The file is empty."),
        ("inventory.pdf", b"%PDF-1.4", "Choose a .csv or .xlsx file"),
        ("inventory.csv", b"%PDF-1.4 not a csv", "is not a CSV text file"),
        ("inventory.xlsx", b"Kind,Asset tag\nlaptop,L1", "is not an Excel workbook"),
        # (Windows-1252 is read, as every import reads it: \x81 is text in neither.)
        ("inventory.csv", b"Kind,Asset tag\nlaptop,L\x81\n", "neither UTF-8 nor Windows-1252"),
    ],
)
def test_a_file_that_is_not_a_readable_table_is_refused(
    school, it_lead, filename, content, message
):
    with pytest.raises(ImportRefused) as refused:
        device_import(actor=it_lead, school=school, filename=filename, data=content)
    assert message in refused.value.errors[0]
    assert not Device.objects.exists()


# ---- the page ---------------------------------------------------------------------------------


def upload(client, school, rows, name="inventory.csv"):
    data = csv_bytes([HEADER, *rows])
    return client.post(url(school, "import/"), {"file": SimpleUploadedFile(name, data, "text/csv")})


def test_the_it_lead_imports_on_the_page_and_sees_the_counts(client_for, school, it_lead, places):
    client = client_for(it_lead)
    response = upload(client, school, ROWS)
    assert response.status_code == 302 and response.url == url(school)
    page = client.get(response.url).content.decode()
    assert "The inventory is imported: 5 added, 0 updated, 0 unchanged." in page
    assert Device.objects.filter(school=school).count() == 5


def test_a_refused_file_shows_its_messages_on_the_page(client_for, school, it_lead, places):
    rows = [list(r) for r in ROWS]
    rows[2][7] = "Loft"
    response = upload(client_for(it_lead), school, rows)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The file was not imported" in page
    assert "Row 4, column “Location name”: there is no location called “Loft”." in page
    assert not Device.objects.exists()


def test_the_page_without_a_file_asks_for_one(client_for, school, it_lead):
    response = client_for(it_lead).post(url(school, "import/"), {})
    assert response.status_code == 200
    assert "Choose the inventory file." in response.content.decode()


@pytest.mark.parametrize("persona", ["office", "dpo", "staff", "governor"])
def test_only_the_it_lead_and_the_siro_may_import(request, client_for, school, places, persona):
    response = upload(client_for(request.getfixturevalue(persona)), school, ROWS)
    assert response.status_code == 403
    assert not Device.objects.exists()


def test_an_import_never_touches_another_schools_devices_or_locations(
    school, other_school, it_lead, places
):
    theirs = device(other_school, "laptop", "LAP-001", make="Theirs")
    place(other_school, "Loft")
    rows = [list(ROWS[0])]
    run(school, it_lead, rows)
    theirs.refresh_from_db()
    assert theirs.make == "Theirs"
    assert Device.objects.filter(school=school, asset_tag="LAP-001").exists()
    rows[0][7] = "Loft"
    assert "no location called “Loft”" in refusal(school, it_lead, rows)[0]
    assert Location.objects.filter(name="Loft").count() == 1
