"""`manage.py import_people`: the same import from the command line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bastion.core.models import AuditEvent
from bastion.people.models import ImportJob, Kind, Person
from tests.people.importing import DATA, csv_bytes, directory_state

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("import_people", *args, stdout=out)
    return out.getvalue()


def test_a_good_file_is_imported_in_the_name_of_the_siro(school, siro):
    out = run("--school", school.slug, "--kind", "staff", str(DATA / "staff.csv"))
    assert "4 new, 0 updated, 0 marked as left, 0 unchanged" in out
    assert "Imported." in out
    assert Person.objects.filter(school=school, kind=Kind.STAFF).count() == 4
    assert AuditEvent.objects.get(action="people.imported").actor == siro
    assert Person.objects.get(mis_id="T003").scr.missing  # SCR entries computed


def test_running_it_twice_changes_nothing_the_second_time(school, siro):
    run("--school", school.slug, "--kind", "pupils", str(DATA / "pupils.csv"))
    before = directory_state(school)
    out = run("--school", school.slug, "--kind", "pupils", str(DATA / "pupils.csv"))
    assert "0 new, 0 updated, 0 marked as left, 5 unchanged" in out
    assert directory_state(school) == before


def test_a_refused_file_raises_with_every_message(school, siro, tmp_path):
    bad = tmp_path / "pupils.csv"
    bad.write_bytes(
        csv_bytes(
            [
                ["UPN", "Forename", "Surname", "DOB", "Year"],
                ["H801200001001", "Ada", "Okonkwo-Hale", "2017-05-01", "Year 3"],
                ["H801200001001", "Bram", "Lindqvist", "32/01/2016", "4"],
            ]
        )
    )
    with pytest.raises(CommandError) as raised:
        run("--school", school.slug, "--kind", "pupils", str(bad))
    message = str(raised.value)
    assert message.startswith("The file was refused; nothing was changed:")
    assert "Row 3, column “DOB”: “32/01/2016” is not a date" in message
    assert "Row 3, column “UPN”: “H801200001001” is also on row 2." in message
    assert not Person.objects.exists()


def test_dry_run_shows_the_changes_and_writes_nothing_at_all(school, siro):
    out = run("--school", school.slug, "--kind", "ctf", "--dry-run", str(DATA / "pupils.ctf.xml"))
    assert "5 new, 0 updated, 0 marked as left, 0 unchanged, 4 parent links" in out
    assert "Dry run: nothing was changed." in out
    assert not Person.objects.exists()
    assert not ImportJob.objects.exists()
    assert not AuditEvent.objects.exists()


def test_dry_run_refuses_a_bad_file_too(school, siro, tmp_path):
    bad = tmp_path / "staff.xlsx"
    bad.write_bytes(b"Staff code,Forename\r\nT001,Imogen\r\n")
    with pytest.raises(CommandError, match="not an Excel workbook"):
        run("--school", school.slug, "--kind", "staff", "--dry-run", str(bad))


def test_keep_leavers_marks_nobody_as_left(school, siro, tmp_path):
    run("--school", school.slug, "--kind", "pupils", str(DATA / "pupils.csv"))
    fewer = tmp_path / "fewer.csv"
    fewer.write_bytes(b"\n".join((DATA / "pupils.csv").read_bytes().splitlines()[:2]))
    out = run("--school", school.slug, "--kind", "pupils", "--keep-leavers", str(fewer))
    assert "0 marked as left" in out
    out = run("--school", school.slug, "--kind", "pupils", str(fewer))
    assert "4 marked as left" in out


def test_the_user_named_with_as_must_be_allowed_to_import(school, siro, office, staff):
    run("--school", school.slug, "--kind", "pupils", "--as", office.email, str(DATA / "pupils.csv"))
    assert AuditEvent.objects.get(action="people.imported").actor == office
    with pytest.raises(CommandError, match="may not import people"):
        run(
            "--school",
            school.slug,
            "--kind",
            "pupils",
            "--as",
            staff.email,
            str(DATA / "pupils.csv"),
        )
    with pytest.raises(CommandError, match="No active Bastion user"):
        run(
            "--school",
            school.slug,
            "--kind",
            "pupils",
            "--as",
            "nobody@example.org",
            str(DATA / "pupils.csv"),
        )


def test_an_unknown_school_or_a_missing_file_is_an_error(school, siro, tmp_path):
    with pytest.raises(CommandError, match="No school with the slug 'nowhere'"):
        run("--school", "nowhere", "--kind", "pupils", str(DATA / "pupils.csv"))
    with pytest.raises(CommandError, match="No file at"):
        run("--school", school.slug, "--kind", "pupils", str(tmp_path / "missing.csv"))


def test_a_school_without_a_siro_needs_a_named_user(school, office):
    with pytest.raises(CommandError, match="--as EMAIL"):
        run("--school", school.slug, "--kind", "pupils", str(DATA / "pupils.csv"))
