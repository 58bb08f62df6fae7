"""The register as an Excel workbook: the columns of columns.py, one asset a row, archived ones
included (with their date), so importing the file again gives back the same register."""

from __future__ import annotations

from django.utils import timezone

from bastion.assets.columns import COLUMNS
from bastion.assets.models import InformationAsset
from bastion.core import audit
from bastion.lib.dates import long_date
from bastion.lib.exports import Table, xlsx_bytes

TITLE = "Information asset register"
WIDTHS = {"name": 30, "description": 40, "personal_data": 40, "access": 30, "shared_with": 30}


def register_table(school) -> Table:
    assets = (
        InformationAsset.objects.filter(school=school)
        .select_related("owner", "system", "location")
        .order_by("reference", "pk")
    )
    return Table(
        title=TITLE,
        subtitle=(
            f"{school.name}, exported on {long_date(timezone.localdate())}. Keep the Reference "
            "column: importing the file again updates these assets rather than adding new ones."
        ),
        headers=[c.header for c in COLUMNS],
        rows=([c.cell(asset) for c in COLUMNS] for asset in assets.iterator(chunk_size=500)),
        widths=[WIDTHS.get(c.name, 18) for c in COLUMNS],
        sheet="Information assets",
    )


def register_export(*, actor, school, password: str = "", request=None) -> bytes:
    """The workbook (password-protected if a password is given), audited."""
    data = xlsx_bytes(register_table(school), password or None)
    audit.record(
        "assets.exported",
        actor=actor,
        school=school,
        request=request,
        object_repr="Information asset register (Excel)",
        changes={"format": "xlsx", "protected": bool(password)},
    )
    return data
