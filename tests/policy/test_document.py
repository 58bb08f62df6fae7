"""The policy document in four formats, and `manage.py render_policy`."""

from __future__ import annotations

import io
from io import StringIO
from types import SimpleNamespace

import docx
import pytest
from django.core.management import CommandError, call_command

from bastion.policy import document, formats
from bastion.policy.models import Statement
from bastion.policy.services import statement_set_applicable, statement_update
from tests.exports import pdf_text

pytestmark = pytest.mark.django_db


def _docx_text(data: bytes) -> str:
    out = docx.Document(io.BytesIO(data))
    cells = [c.text for t in out.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in out.paragraphs] + cells)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def doc(school, siro, dpo, policy):
    shredding = Statement.objects.get(policy=policy, code="T16")
    statement_update(
        actor=siro,
        school=school,
        statement=shredding,
        data={
            "text": "Paper is **shredded** with a [cross-cut](https://example.org/) shredder — ĂŞ."
        },
    )
    tapes = Statement.objects.get(policy=policy, code="T12")
    statement_set_applicable(
        actor=siro, school=school, statement=tapes, applicable=False, reason="We have no tapes."
    )
    return document.build(policy)


def test_markdown_has_the_header_sections_and_not_applicable_statements(doc):
    text = formats.to_markdown(doc)
    assert text.startswith("# E-Security Policy\n")
    assert "| Name of school | Ashmole Primary |" in text
    assert "| Senior Information Risk Owner (SIRO) | Hana Siro |" in text
    assert "## Strategic and operational practices\n\nAt this school:\n\n- This policy" in text
    assert "## Not applicable at this school" in text
    na = text.split("## Not applicable at this school")[1]
    assert "We lock any back-up tapes" in na and "*Not applicable: We have no tapes.*" in na
    assert "We lock any back-up tapes" not in text.split("## Not applicable")[0]


def test_html_file_renders_the_markdown_safely(doc, school, siro, policy):
    hostile = Statement.objects.get(policy=policy, code="T1")
    statement_update(
        actor=siro,
        school=school,
        statement=hostile,
        data={"text": "Areas <script>alert(1)</script>"},
    )
    html = formats.to_html(document.build(policy))
    assert "<strong>shredded</strong>" in html
    assert "<script>" not in html
    assert '<th scope="row">Name of school</th><td>Ashmole Primary</td>' in html


def test_pdf_reads_back_with_every_statement(doc):
    text = _flat(pdf_text(formats.to_pdf(doc)))
    assert "E-Security Policy" in text
    assert "Ashmole Primary" in text and "Dev Dpo" in text
    assert "Strategic and operational practices" in text
    assert "Paper is shredded with a cross-cut (https://example.org/) shredder" in text
    assert "AS." in text  # letters outside Latin-1 lose their accents, not the export
    assert "Not applicable: We have no tapes." in text
    assert "- staff - governors - pupils - parents - volunteers" in text


def test_docx_opens_with_every_statement(doc):
    text = _docx_text(formats.to_docx(doc))
    assert "E-Security Policy" in text
    assert "Ashmole Primary" in text and "Hana Siro" in text
    assert "Paper is shredded with a cross-cut (https://example.org/) shredder — ĂŞ." in text
    assert "Not applicable: We have no tapes." in text
    for item in ("staff", "governors", "pupils", "parents", "volunteers"):
        assert item in text.splitlines()


def test_the_command_prints_markdown_to_standard_output(school, siro, policy):
    out = StringIO()
    call_command("render_policy", "--school", school.slug, stdout=out)
    assert out.getvalue().startswith("# E-Security Policy\n")
    assert "The Head Teacher, Hana Siro, is the Senior Information Risk Owner" in out.getvalue()


@pytest.mark.parametrize("fmt", ["md", "html", "pdf", "docx"])
def test_the_command_writes_each_format_to_a_file(fmt, school, siro, policy, tmp_path):
    target = tmp_path / f"policy.{fmt}"
    out = StringIO()
    call_command(
        "render_policy",
        "--school",
        school.slug,
        "--format",
        fmt,
        "--output",
        str(target),
        stdout=out,
    )
    data = target.read_bytes()
    text = {
        "md": lambda: data.decode(),
        "html": lambda: data.decode(),
        "pdf": lambda: pdf_text(data),
        "docx": lambda: _docx_text(data),
    }[fmt]()
    assert "Hana Siro" in text and "cross-cut shredder" in _flat(text)
    assert "Wrote the policy of Ashmole Primary" in out.getvalue()


def test_the_command_refuses_an_unknown_school_and_binary_to_the_terminal(school):
    with pytest.raises(CommandError, match="No school has the slug 'nowhere'"):
        call_command("render_policy", "--school", "nowhere")
    with pytest.raises(CommandError, match="needs --output"):
        call_command("render_policy", "--school", school.slug, "--format", "pdf")


def test_the_command_creates_the_policy_from_the_template_when_there_is_none(school):
    out = StringIO()
    call_command("render_policy", "--school", school.slug, stdout=out)
    assert Statement.objects.filter(school=school).exists()
    assert "Paper based sensitive information is shredded" in out.getvalue()


def test_the_siro_has_one_title_everywhere():
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2] / "bastion"
    found = [
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.suffix in {".py", ".html", ".txt", ".md"}
        and "migrations" not in path.parts
        and "Senior Information Risk Officer" in path.read_text(errors="ignore")
    ]
    assert found == []


def test_statements_with_the_old_title_are_corrected_by_the_migration(school, siro):
    import importlib

    from django.apps import apps
    from django.db import connection

    from bastion.policy.models import Statement
    from bastion.policy.services import policy_for

    policy_for(school)
    statement = Statement.objects.filter(section__policy__school=school).first()
    Statement.objects.filter(pk=statement.pk).update(
        text="Our head is the Senior Information Risk Officer (SIRO)."
    )
    migration = importlib.import_module("bastion.policy.migrations.0002_siro_is_the_risk_owner")
    migration.forwards(apps, SimpleNamespace(connection=connection))
    statement.refresh_from_db()
    assert statement.text == "Our head is the Senior Information Risk Owner (SIRO)."
