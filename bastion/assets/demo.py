"""A realistic information asset register for a demo primary school, owned by its staff, with a
few entries that need attention (a review overdue, a collection past its date, medical
information not yet in a secure area, a DPIA to do) so the flags have something to show."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bastion.assets.models import InformationAsset
from bastion.assets.rules import year_before
from bastion.equipment.models import Location
from bastion.people.models import Kind, Person
from bastion.systems.models import Kind as SystemKind
from bastion.systems.models import System

PUPILS_PARENTS = ["pupils", "parents"]
# (name, the owner's job title, fields); *_days_ago are dates counted back from today.
ASSETS = [
    (
        "Pupil records",
        "Head Teacher",
        {
            "description": "The pupil's educational record: admission details, attendance, "
            "assessment, behaviour and contacts. Needed to educate and safeguard each pupil.",
            "data_subjects": PUPILS_PARENTS,
            "personal_data": "Names, addresses, dates of birth, UPNs, contacts, attendance, "
            "assessment results, ethnicity, religion, first language",
            "special_category": True,
            "special_categories": ["health", "ethnicity", "religion"],
            "article9_condition": "public_interest",
            "lawful_basis": "public_task",
            "source": "Parents on admission; the previous school's Common Transfer File",
            "system": "MIS",
            "secure_area": True,
            "access": "Office staff and teachers, through personal MIS accounts by role",
            "shared_with": "Local authority and the DfE (school census); the next school (CTF)",
            "security": "Personal accounts, strong passwords changed twice a year, access by role",
            "retention_years": 25,
            "retention_from": "pupil_birth",
            "retention_note": "Transferred to the next school; a primary school keeps no copy",
            "disposal": "transfer",
            "risk": "high",
            "reviewed_days_ago": 40,
            "weeded_days_ago": 40,
        },
    ),
    (
        "Special educational needs records",
        "SENCo",
        {
            "description": "Assessments, EHC plans, reviews and correspondence with specialists.",
            "data_subjects": PUPILS_PARENTS,
            "personal_data": "Needs, assessments, EHC plans, reports of professionals",
            "special_category": True,
            "special_categories": ["health"],
            "article9_condition": "public_interest",
            "lawful_basis": "legal_obligation",
            "source": "Parents, the local authority, health and educational psychology services",
            "system": "myDrive",
            "paper_place": True,
            "secure_area": True,
            "format": "both",
            "access": "The SENCo, the head teacher and the class teacher",
            "shared_with": "Local authority SEN team, health professionals, the next school",
            "retention_years": 31,
            "retention_from": "pupil_birth",
            "retention_note": "Date of birth of the pupil + 31 years",
            "disposal": "shredding",
            "risk": "high",
            "dpia_needed": True,
            "dpia_done_days_ago": 300,
            "reviewed_days_ago": 95,
            "weeded_days_ago": 95,
        },
    ),
    (
        "Safeguarding and child protection files",
        "Deputy Head",
        {
            "description": "Concerns, referrals, case notes and minutes of meetings about children "
            "at risk. Kept by the designated safeguarding lead.",
            "data_subjects": PUPILS_PARENTS,
            "personal_data": "Concerns, referrals, case notes, family circumstances",
            "special_category": True,
            "special_categories": ["health", "sexuality"],
            "article9_condition": "public_interest",
            "lawful_basis": "legal_obligation",
            "source": "Staff, parents, children's social care, police",
            "paper_place": True,
            "secure_area": True,
            "format": "paper",
            "access": "The designated safeguarding lead and deputies only",
            "shared_with": "Children's social care, police, the next school's DSL",
            "retention_years": 25,
            "retention_from": "pupil_birth",
            "retention_note": "Date of birth + 25 years, passed to the next school",
            "disposal": "transfer",
            "risk": "high",
            "dpia_needed": True,
            "dpia_done_days_ago": 200,
            "reviewed_days_ago": 20,
            "weeded_days_ago": 20,
        },
    ),
    (
        "Staff personnel files",
        "Business Manager",
        {
            "description": "Contracts, references, absence, appraisal and disciplinary records.",
            "data_subjects": ["staff"],
            "personal_data": "Names, addresses, contracts, references, absence, appraisal",
            "special_category": True,
            "special_categories": ["health", "union"],
            "article9_condition": "employment",
            "lawful_basis": "contract",
            "source": "The member of staff, referees, occupational health",
            "paper_place": True,
            "secure_area": True,
            "format": "both",
            "system": "myDrive",
            "access": "Head teacher and business manager",
            "shared_with": "Local authority HR, occupational health",
            "retention_years": 6,
            "retention_from": "employment_ends",
            "retention_note": "Termination of employment + 6 years",
            "disposal": "shredding",
            "risk": "high",
            "reviewed_days_ago": 150,
            "weeded_days_ago": 150,
        },
    ),
    (
        "Payroll and pensions",
        "Business Manager",
        {
            "description": "Salary, tax, national insurance and pension contributions.",
            "data_subjects": ["staff"],
            "personal_data": "Bank details, national insurance numbers, salary, tax codes",
            "lawful_basis": "contract",
            "source": "The member of staff, HMRC",
            "held_elsewhere": "The payroll provider's portal",
            "secure_area": True,
            "access": "Business manager",
            "shared_with": "Payroll provider, HMRC, the pension schemes",
            "retention_years": 6,
            "retention_from": "financial_year",
            "retention_note": "Current year + 6 years",
            "disposal": "secure_deletion",
            "risk": "medium",
            "reviewed_days_ago": 200,
            "weeded_days_ago": 200,
        },
    ),
    (
        "Admissions applications 2023",
        "Office Administrator",
        {
            "description": "Applications and supporting evidence for the 2023 reception intake.",
            "data_subjects": PUPILS_PARENTS,
            "personal_data": "Names, addresses, dates of birth, siblings, supporting evidence",
            "lawful_basis": "public_task",
            "source": "The Pan-London Admissions system, parents",
            "system": "myDrive",
            "secure_area": True,
            "access": "Office staff",
            "shared_with": "The local authority's admissions team",
            "retention_years": 1,
            "retention_from": "created",
            "retention_note": "Admission + 1 year, or until any appeal is decided",
            "held_until_days_ago": 60,
            "disposal": "secure_deletion",
            "risk": "medium",
            "reviewed_days_ago": 250,
        },
    ),
    (
        "Photographs and videos of pupils",
        "Deputy Head",
        {
            "description": "Photographs for displays, the website and the newsletter.",
            "data_subjects": ["pupils"],
            "personal_data": "Images and names",
            "lawful_basis": "consent",
            "source": "Taken by staff on school devices",
            "system": "myDrive",
            "secure_area": True,
            "access": "Teaching staff",
            "shared_with": "Parents (newsletter); the public (website), with consent",
            "retention_note": "Until the pupil leaves, unless consent is given for longer",
            "disposal": "secure_deletion",
            "risk": "medium",
            "reviewed_days_ago": 100,
        },
    ),
    (
        "Medical information and care plans",
        "Office Administrator",
        {
            "description": "Conditions, medicines, care plans and records of medicines given.",
            "data_subjects": PUPILS_PARENTS,
            "personal_data": "Medical conditions, allergies, medicines, care plans",
            "special_category": True,
            "special_categories": ["health"],
            "article9_condition": "health_care",
            "lawful_basis": "public_task",
            "source": "Parents, the school nurse, GPs",
            "held_elsewhere": "The medical folder on the school office shelf",
            "format": "paper",
            "access": "Office staff and first aiders",
            "shared_with": "School nurse, emergency services",
            "retention_years": 25,
            "retention_from": "pupil_birth",
            "disposal": "shredding",
            "risk": "high",
            "reviewed_days_ago": 60,
            "weeded_days_ago": 60,
        },
    ),
    (
        "Free school meals eligibility",
        "Business Manager",
        {
            "description": "Eligibility checks for free school meals and pupil premium funding.",
            "data_subjects": PUPILS_PARENTS,
            "personal_data": "Names, dates of birth, national insurance numbers, benefits",
            "lawful_basis": "public_task",
            "source": "Parents, the local authority eligibility checking service",
            "system": "MIS",
            "secure_area": True,
            "access": "Business manager and office staff",
            "shared_with": "Local authority, the DfE (census)",
            "retention_years": 6,
            "retention_from": "financial_year",
            "disposal": "secure_deletion",
            "risk": "medium",
            "reviewed_days_ago": 120,
            "weeded_days_ago": 120,
        },
    ),
    (
        "CCTV footage",
        "Site Manager",
        {
            "description": "Recordings of the entrances and playground for the safety of pupils, "
            "staff and visitors, and the security of the site.",
            "data_subjects": ["pupils", "staff", "parents", "visitors"],
            "personal_data": "Images",
            "lawful_basis": "public_task",
            "source": "Cameras at the entrances and the playground",
            "held_elsewhere": "The CCTV recorder in the locked site office",
            "secure_area": True,
            "access": "Head teacher and site manager",
            "shared_with": "Police, on request",
            "retention_note": "Overwritten after 30 days",
            "disposal": "secure_deletion",
            "risk": "medium",
            "dpia_needed": True,
            "dpia_done_days_ago": 700,
            "reviewed_days_ago": 420,
        },
    ),
    (
        "Single Central Record and DBS checks",
        "Business Manager",
        {
            "description": "Pre-employment checks of staff, governors, volunteers and contractors.",
            "data_subjects": ["staff", "governors", "volunteers", "contractors"],
            "personal_data": "Identity, DBS certificate numbers and dates, right to work",
            "special_category": True,
            "special_categories": ["criminal"],
            "article9_condition": "employment",
            "lawful_basis": "legal_obligation",
            "source": "The person, the DBS update service",
            "held_elsewhere": "Bastion (the Single Central Record)",
            "secure_area": True,
            "access": "Head teacher, business manager, office manager",
            "retention_note": "While employed; DBS certificates are not kept beyond six months",
            "disposal": "secure_deletion",
            "risk": "high",
            "reviewed_days_ago": 30,
        },
    ),
    (
        "Accident and first aid records",
        "Office Administrator",
        {
            "description": "The accident book and records of first aid given.",
            "data_subjects": ["pupils", "staff", "visitors"],
            "personal_data": "Names, injuries, treatment given",
            "special_category": True,
            "special_categories": ["health"],
            "article9_condition": "employment",
            "lawful_basis": "legal_obligation",
            "source": "First aiders",
            "paper_place": True,
            "secure_area": True,
            "format": "paper",
            "access": "First aiders, office staff",
            "shared_with": "The Health and Safety Executive (RIDDOR), parents",
            "retention_years": 25,
            "retention_from": "pupil_birth",
            "disposal": "shredding",
            "risk": "medium",
            "reviewed_days_ago": 170,
            "weeded_days_ago": 170,
        },
    ),
    (
        "Pupil assessment tracker",
        "Deputy Head",
        {
            "description": "Termly assessment of each pupil in an online tracking service.",
            "data_subjects": ["pupils"],
            "personal_data": "Names, year groups, assessment results",
            "lawful_basis": "public_task",
            "source": "Teachers; pupil details from the MIS",
            "held_elsewhere": "An online assessment tracker",
            "secure_area": True,
            "access": "Teaching staff",
            "shared_with": "The tracker's supplier (a processor)",
            "transfers_abroad": "Support staff in the EU (adequacy regulations)",
            "retention_years": 1,
            "retention_from": "pupil_leaves",
            "disposal": "secure_deletion",
            "risk": "medium",
            "dpia_needed": True,
            "reviewed_days_ago": 10,
            "weeded_days_ago": 10,
        },
    ),
    (
        "Governing body minutes",
        "Head Teacher",
        {
            "description": "Minutes and papers of the governing body and its committees.",
            "data_subjects": ["governors", "staff"],
            "personal_data": "Names, attendance, declarations of interest",
            "lawful_basis": "legal_obligation",
            "source": "The clerk to the governors",
            "system": "myDrive",
            "secure_area": True,
            "access": "Governors, head teacher, clerk",
            "shared_with": "The public (approved minutes, without confidential items)",
            "retention_note": "Permanent",
            "disposal": "archive",
            "risk": "low",
            "reviewed_days_ago": 80,
        },
    ),
]
SYSTEMS = {
    "MIS": (SystemKind.MIS, "The management information system: pupil and staff records."),
    "myDrive": (SystemKind.CLOUD_STORAGE, "Online document storage (LGfL myDrive)."),
}


def _systems(school) -> dict[str, System]:
    """The systems the register needs, from the systems register (the first of their kind, as
    the systems demo names them: "SIMS (MIS)", "LGfL myDrive"); added only when it has none."""
    found = {}
    for name, (kind, description) in SYSTEMS.items():
        system = System.objects.filter(school=school, kind=kind, archived=False).order_by("pk")
        found[name] = (
            system.first()
            or System.objects.get_or_create(
                school=school, name=name, defaults={"kind": kind, "description": description}
            )[0]
        )
    return found


def _owners(school) -> dict[str, Person]:
    staff = Person.objects.filter(school=school, kind=Kind.STAFF).current().order_by("pk")
    by_job: dict[str, Person] = {}
    first = None
    for person in staff.only("pk", "job_title"):
        first = first or person
        by_job.setdefault(person.job_title, person)
    by_job[""] = first
    return by_job


def seed_assets(school, *, today: dt.date | None = None) -> int:
    """Fill the school's register once; returns how many assets were created (0 if present)."""
    if InformationAsset.objects.filter(school=school).exists():
        return 0
    today = today or timezone.localdate()
    systems = _systems(school)
    owners = _owners(school)
    paper = (
        Location.objects.filter(school=school, archived=False, lockable=True)
        .order_by("-for_paper_records", "pk")
        .first()
    )
    assets = []
    for n, (name, job, fields) in enumerate(ASSETS, start=1):
        fields = dict(fields)
        days = {k: fields.pop(k, None) for k in list(fields) if k.endswith("_days_ago")}
        system = fields.pop("system", None)
        if fields.pop("paper_place", False):
            if paper is not None:
                fields["location"] = paper
            else:
                fields.setdefault("held_elsewhere", "A locked cabinet in a lockable office")

        def ago(key, days=days):
            return today - dt.timedelta(days=days[key]) if days.get(key) is not None else None

        assets.append(
            InformationAsset(
                school=school,
                reference=f"IA-{n:03d}",
                name=name,
                owner=owners.get(job) or owners.get(""),
                system=systems[system] if system else None,
                last_reviewed_on=ago("reviewed_days_ago"),
                dpia_done_on=ago("dpia_done_days_ago"),
                held_until=ago("held_until_days_ago"),
                weeded_on=ago("weeded_days_ago"),
                **fields,
            )
        )
    InformationAsset.objects.bulk_create(assets)
    # Created "a while ago", so rolling collections are judged on their weeding, as in a
    # register kept for years.
    InformationAsset.objects.filter(school=school).update(
        created_at=timezone.make_aware(
            dt.datetime.combine(year_before(year_before(today)), dt.time(9))
        )
    )
    return len(assets)
