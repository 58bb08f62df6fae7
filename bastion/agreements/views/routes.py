"""Signing routes run by the school: a member signs their own agreement; links sent by e-mail
or printed as letters; paper sheets printed and ticked off; a class agreement recorded."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode

from bastion.agreements import coverage, links, printing, services, signing
from bastion.agreements.forms import ClassForm, PaperForm, SendForm, SignForm
from bastion.agreements.models import LINK_AUDIENCES, Agreement, Method, PaperRecord
from bastion.agreements.views.coverage import group_filter
from bastion.core import audit, files
from bastion.core.tenancy import get_for_school, school_view
from bastion.lib.exports import download
from bastion.lib.forms import posted
from bastion.lib.markdown import render as markdown
from bastion.people.models import Kind, ParentLink, Person, current_q

SIGNER_KINDS = (Kind.STAFF, Kind.GOVERNOR, Kind.VOLUNTEER)
PAPER_LIMIT = 400  # rows of one tick list: choose a class for larger groups


def _class_names(school) -> list[str]:
    return list(
        Person.objects.filter(school=school, kind=Kind.PUPIL)
        .filter(current_q())
        .exclude(class_name="")
        .values_list("class_name", flat=True)
        .distinct()
        .order_by("class_name")
    )


@school_view("school.view")
def agreement_sign(request):
    """A signed-in member reads their agreement, types their name and agrees."""
    school = request.school
    services.ensure_defaults(school)
    person = (
        Person.objects.filter(school=school, user=request.user, kind__in=SIGNER_KINDS)
        .filter(current_q())
        .first()
    )
    context = {"school": school, "person": person}
    if person is None:
        return render(request, "agreements/sign_not_listed.html", context)
    agreement = signing.agreement_for(person)
    covered = signing.is_covered(person, agreement)
    form = SignForm(posted(request), initial={"typed_name": person.full_name})
    if request.method == "POST" and covered:
        # A second submit (a double click, another tab): the first one signed.
        messages.info(request, f"You have already signed the {agreement.title}.")
        return redirect("agreement-sign", school=school.slug)
    if request.method == "POST" and form.is_valid():
        try:
            _, created = signing.agreement_sign(
                actor=request.user,
                school=school,
                person=person,
                agreement=agreement,
                typed_name=form.cleaned_data["typed_name"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if created:
                messages.success(request, f"Thank you: you have signed the {agreement.title}.")
            return redirect("agreement-sign", school=school.slug)
    last = person.agreement_signatures.filter(agreement=agreement).order_by("-number").first()
    context |= {
        "agreement": agreement,
        "covered": covered,
        "last": last,
        "form": form,
        "html": markdown(agreement.current.text),
    }
    return render(request, "agreements/sign.html", context)


def _link_targets(school, chosen):
    """Unsigned people of a link audience without an account of their own."""
    rows = coverage.unsigned(school, **chosen).filter(audience__in=LINK_AUDIENCES)
    return rows.exclude(user__isnull=False, user__is_active=True)


def _letter_to(school, people) -> dict[int, str]:
    """For parents: whose parent they are, so the office can hand each letter out."""
    parents = [p.pk for p in people if p.kind == Kind.PARENT]
    found: dict[int, list[str]] = {}
    for link in (
        ParentLink.objects.filter(parent_id__in=parents)
        .filter(Q(child__left_on__isnull=True) | Q(child__left_on__gt=timezone.localdate()))
        .select_related("child")
        .order_by("child__last_name")
    ):
        child = link.child
        found.setdefault(link.parent_id, []).append(
            f"{child.full_name}" + (f" (class {child.class_name})" if child.class_name else "")
        )
    return {pk: "To the parent or carer of " + ", ".join(names) for pk, names in found.items()}


@school_view("agreements.manage")
def agreement_send(request):
    school = request.school
    services.ensure_defaults(school)
    form, chosen = group_filter(request, _class_names(school))
    targets = _link_targets(school, chosen)
    send = SendForm(posted(request))
    if request.method == "POST" and send.is_valid():
        agreements = {a.audience: a for a in services.agreements_for(school)}
        people = list(targets[:5000])
        try:
            if send.cleaned_data["how"] == "email":
                sent = links.links_email(
                    actor=request.user,
                    school=school,
                    persons=people,
                    agreements=agreements,
                    request=request,
                )
                messages.success(
                    request, f"{sent} signing link{'s' if sent != 1 else ''} e-mailed."
                )
                return redirect(request.get_full_path())
            made = links.links_for_letters(
                actor=request.user, school=school, persons=people, request=request
            )
        except ValidationError as exc:
            send.add_error(None, exc)
        else:
            to = _letter_to(school, people)
            letters = [
                {
                    "to": to.get(p.pk, ""),
                    "first_name": p.first_name,
                    "title": agreements[p.audience].title,
                    "url": url,
                    "expires": expires,
                }
                for p, url, expires in made
            ]
            data = printing.letters_pdf(school, letters)
            return download(data, f"agreement-letters-{school.slug}.pdf", "application/pdf")
    context = {
        "school": school,
        "form": form,
        "send": send,
        "count": targets.count(),
        "with_email": targets.exclude(email="").count(),
    }
    return render(request, "agreements/send.html", context)


def _paper_agreement(school, chosen) -> Agreement | None:
    if not chosen["audience"]:
        return None
    return (
        Agreement.objects.filter(school=school, audience=chosen["audience"])
        .select_related("current")
        .first()
    )


def _group_label(chosen) -> str:
    parts = []
    if chosen["year_group"]:
        parts.append(coverage.YEAR_LABELS[chosen["year_group"]])
    if chosen["class_name"]:
        parts.append(f"class {chosen['class_name']}")
    return ", ".join(parts)


def _detail(person) -> str:
    if person.kind == Kind.PUPIL:
        return f"{person.get_year_group_display()} {person.class_name}".strip()
    return person.get_kind_display()


@school_view("agreements.manage")
def agreement_paper(request):
    """Choose a group, print its signing sheet, then tick who signed and when."""
    school = request.school
    services.ensure_defaults(school)
    form, chosen = group_filter(request, _class_names(school))
    agreement = _paper_agreement(school, chosen)
    rows = []
    too_many = False
    if agreement is not None:
        rows = list(
            coverage.unsigned(school, **chosen).filter(audience=agreement.audience)[
                : PAPER_LIMIT + 1
            ]
        )
        too_many = len(rows) > PAPER_LIMIT
        rows = rows[:PAPER_LIMIT]
    choices = [(str(p.pk), f"{p.last_name}, {p.first_name} ({_detail(p)})") for p in rows]
    paper = PaperForm(
        posted(request),
        request.FILES or None,
        choices=choices,
        initial={"signed_on": timezone.localdate()},
    )
    if request.method == "POST" and agreement is not None and paper.is_valid():
        data = paper.cleaned_data
        try:
            record = signing.paper_record(
                actor=request.user,
                school=school,
                agreement=agreement,
                person_ids=[int(pk) for pk in data["people"]],
                signed_on=data["signed_on"],
                group=_group_label(chosen) or agreement.get_audience_display(),
                scan=data["scan"],
                request=request,
            )
        except ValidationError as exc:
            paper.add_error(
                "scan"
                if getattr(exc, "code", "") in ("too_large", "empty", "wrong_kind")
                else None,
                exc,
            )
        else:
            messages.success(
                request,
                f"{record.count} paper signature{'s' if record.count != 1 else ''} recorded.",
            )
            return redirect(request.get_full_path())
    context = {
        "school": school,
        "form": form,
        "chosen": chosen,
        "agreement": agreement,
        "paper": paper,
        "too_many": too_many,
        "query": urlencode({k: v for k, v in chosen.items() if v}),
        "records": PaperRecord.objects.filter(school=school, method=Method.PAPER).select_related(
            "version__agreement", "scan", "recorded_by"
        )[:10],
    }
    return render(request, "agreements/paper.html", context)


@school_view("agreements.manage")
def agreement_sheet(request):
    """The signing sheet of a group as a PDF: the agreement's text, then names to sign."""
    school = request.school
    _form, chosen = group_filter(request, _class_names(school))
    agreement = _paper_agreement(school, chosen)
    if agreement is None or agreement.current is None:
        messages.info(request, "Choose who the signing sheet is for.")
        return redirect("agreement-paper", school=school.slug)
    people = list(coverage.unsigned(school, **chosen).filter(audience=agreement.audience))
    to = _letter_to(school, people)
    rows = [
        (p.full_name, to.get(p.pk, "").replace("To the parent or carer of ", "for ") or _detail(p))
        for p in people
    ]
    label = _group_label(chosen) or agreement.get_audience_display()
    audit.record(
        "agreement.sheet_printed",
        actor=request.user,
        school=school,
        obj=agreement,
        request=request,
        changes={"group": label, "rows": len(rows)},
    )
    data = printing.sheet_pdf(school, agreement, label, rows)
    return download(data, f"signing-sheet-{school.slug}.pdf", "application/pdf")


@school_view("agreements.manage")
def agreement_scan(request, pk):
    record = get_for_school(PaperRecord.objects.select_related("scan"), request.school, pk=pk)
    if record.scan is None:
        raise Http404("No scan was attached.")
    return files.download(request, record.scan)


@school_view("agreements.record_class")
def agreement_class(request):
    """A teacher records that their class discussed and signed the class agreement."""
    school = request.school
    services.ensure_defaults(school)
    form = ClassForm(
        posted(request), classes=_class_names(school), initial={"signed_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = signing.class_record(
                actor=request.user,
                school=school,
                class_name=data["class_name"],
                signed_on=data["signed_on"],
                note=data["note"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Class {record.group}: {record.count} pupil signature"
                f"{'s' if record.count != 1 else ''} recorded.",
            )
            return redirect("agreement-class", school=school.slug)
    records = PaperRecord.objects.filter(school=school, method=Method.CLASS).select_related(
        "version__agreement", "recorded_by"
    )[:10]
    return render(
        request, "agreements/class.html", {"school": school, "form": form, "records": records}
    )


urlpatterns = [
    path("agreements/sign/", agreement_sign, name="agreement-sign"),
    path("agreements/send/", agreement_send, name="agreement-send"),
    path("agreements/paper/", agreement_paper, name="agreement-paper"),
    path("agreements/paper/sheet/", agreement_sheet, name="agreement-sheet"),
    path("agreements/paper/<int:pk>/scan/", agreement_scan, name="agreement-scan"),
    path("agreements/class/", agreement_class, name="agreement-class"),
]
