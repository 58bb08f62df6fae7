"""A hand-built school for the agreement tests (made-up names), and small helpers."""

from __future__ import annotations

import datetime as dt
import itertools

from bastion.agreements import services
from bastion.agreements.models import Agreement, Method, Signature
from bastion.people.models import Kind, ParentLink, Person

_n = itertools.count(1)


def add(school, kind, first="Alex", last=None, **fields) -> Person:
    return Person.objects.create(
        school=school, kind=kind, first_name=first, last_name=last or f"Test{next(_n)}", **fields
    )


def pupil(school, year, class_name, first="Pip", last=None, **fields) -> Person:
    return add(school, Kind.PUPIL, first, last, year_group=year, class_name=class_name, **fields)


def parent_of(school, *children, first="Pat", email="", responsibility=True) -> Person:
    parent = add(school, Kind.PARENT, first, email=email or f"parent{next(_n)}@example.org")
    for child in children:
        ParentLink.objects.create(
            school=school,
            parent=parent,
            child=child,
            relationship="carer",
            parental_responsibility=responsibility,
        )
    return parent


def agreements(school) -> dict[str, Agreement]:
    services.ensure_defaults(school)
    return {a.audience: a for a in services.agreements_for(school)}


def sign(person, agreement: Agreement, method=Method.PAPER, version=None) -> Signature:
    version = version or agreement.current
    return Signature.objects.create(
        school_id=person.school_id,
        person=person,
        agreement=agreement,
        version=version,
        number=version.number,
        text_hash=version.text_hash,
        method=method,
    )


def build(school) -> dict:
    """Staff 4 (3 signed), governors 2 (1), volunteers 2 (0), a leaver (never counts),
    Reception class RA: 3 pupils (2 signed), Year 3 class 3A: 4 pupils (1 signed),
    Year 3 class 3B: 2 pupils (2 signed); parents: 5, of whom 2 signed."""
    a = agreements(school)
    staff = [
        add(school, Kind.STAFF, f"Staff{i}", email=f"s{i}@ashmole.example.org") for i in range(4)
    ]
    for person in staff[:3]:
        sign(person, a["staff"], Method.ONLINE)
    governors = [add(school, Kind.GOVERNOR, f"Gov{i}") for i in range(2)]
    sign(governors[0], a["governor"], Method.ONLINE)
    volunteers = [
        add(school, Kind.VOLUNTEER, f"Vol{i}", email=f"v{i}@example.org") for i in range(2)
    ]
    leaver = add(school, Kind.STAFF, "Gone", left_on=dt.date(2020, 7, 31))
    ra = [pupil(school, "R", "RA", f"Rec{i}") for i in range(3)]
    for p in ra[:2]:
        sign(p, a["pupil_younger"], Method.CLASS)
    y3a = [pupil(school, "3", "3A", f"Three{i}") for i in range(4)]
    sign(y3a[0], a["pupil_older"])
    y3b = [pupil(school, "3", "3B", f"Bee{i}") for i in range(2)]
    for p in y3b:
        sign(p, a["pupil_older"])
    parents = [
        parent_of(school, ra[0], first="Ruth"),
        parent_of(school, ra[1], y3a[1], first="Rafe"),  # children in two year groups
        parent_of(school, y3a[2], first="Tess"),
        parent_of(school, y3a[3], first="Theo"),
        parent_of(school, y3b[0], first="Bea"),
    ]
    sign(parents[0], a["parent"], Method.LINK)
    sign(parents[1], a["parent"], Method.LINK)
    contractor = add(school, Kind.CONTRACTOR, "Con")
    return {
        "agreements": a,
        "staff": staff,
        "governors": governors,
        "volunteers": volunteers,
        "leaver": leaver,
        "ra": ra,
        "y3a": y3a,
        "y3b": y3b,
        "parents": parents,
        "contractor": contractor,
    }
