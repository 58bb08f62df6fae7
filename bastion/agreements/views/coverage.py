"""Who has signed: coverage by audience, year group and class, the unsigned, a person's
history, chasing, and the evidence export."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from bastion.agreements import chasing, coverage, evidence, services
from bastion.agreements.forms import GroupForm
from bastion.agreements.models import Audience, Reminder, Signature, SigningLink
from bastion.core import audit
from bastion.core.tenancy import get_for_school, school_view
from bastion.lib.forms import posted
from bastion.people.forms import ExportForm
from bastion.people.models import Person

PAGE_SIZE = 25


def group_filter(request, classes):
    """The audience / year group / class chosen in the query string (bad values ignored)."""
    everyone = {"audience": "", "year_group": "", "class_name": ""}
    if not request.GET:
        return GroupForm(classes=classes), everyone
    form = GroupForm(request.GET, classes=classes)
    if form.is_valid():
        return form, form.cleaned_data
    return GroupForm(classes=classes), everyone


@school_view("agreements.view")
def agreement_coverage(request):
    school = request.school
    services.ensure_defaults(school)
    today = timezone.localdate()
    up_to = coverage.up_to_map([school])
    audiences, classes, parents = coverage.kept_summary(school, today)
    names = sorted({r.class_name for r in classes if r.class_name})
    form, chosen = group_filter(request, names)
    last = Reminder.objects.filter(person=OuterRef("pk")).order_by("-sent_at").values("sent_at")[:1]
    rows = (
        coverage.unsigned(school, today=today, up_to=up_to, **chosen)
        .only("first_name", "last_name", "kind", "year_group", "class_name")
        .annotate(last_reminded=Subquery(last))
    )
    paginator = Paginator(rows, PAGE_SIZE)
    if not chosen["year_group"] and not chosen["class_name"]:
        # The summary has counted them already (a year or class filter it does not know for
        # parents, who count under each child's class: then the list counts).
        chosen_rows = [audiences[chosen["audience"]]] if chosen["audience"] else audiences.values()
        paginator.count = sum(r.unsigned for r in chosen_rows)
    page = paginator.get_page(request.GET.get("page"))
    # One reversed URL for the page, not one per row.
    person_url = reverse("agreement-person", kwargs={"school": school.slug, "pk": 0})[:-2]
    total = sum(r.total for r in audiences.values())
    signed = sum(r.signed for r in audiences.values())
    agreements = {a.audience: a for a in services.agreements_for(school)}
    for row in audiences.values():
        row.agreement = agreements.get(row.audience)
    context = {
        "school": school,
        "audiences": list(audiences.values()),
        "overall": coverage.Row("Everyone", total, signed),
        "years": coverage.table_body(coverage.by_year(classes), "pupils"),
        "classes": coverage.table_body(classes, "pupils"),
        "parent_years": coverage.table_body(parents, "parents"),
        "form": form,
        "chosen": chosen,
        "page": page,
        "person_url": person_url,
    }
    return render(request, "agreements/coverage.html", context)


@school_view("agreements.view")
def agreement_person(request, pk):
    school = request.school
    person = get_for_school(Person, school, pk=pk)
    up_to = services.settings_for(school).younger_up_to
    audience = coverage.audience_of(person, up_to)
    signatures = Signature.objects.filter(person=person).select_related(
        "version", "agreement", "signed_by", "recorded_by"
    )
    context = {
        "school": school,
        "person": person,
        "audience": Audience(audience).label if audience else "",
        "signatures": signatures,
        "covered": coverage.people([school]).filter(pk=person.pk, is_signed=True).exists(),
        "reminders": Reminder.objects.filter(person=person).select_related("agreement")[:20],
        "links": SigningLink.objects.filter(person=person)[:20],
    }
    return render(request, "agreements/person.html", context)


@school_view("agreements.manage")
def agreement_chase(request):
    """GET: what "chase now" does, with its button; POST: send the reminders."""
    school = request.school
    audience = (request.POST if request.method == "POST" else request.GET).get("audience", "")
    if audience not in Audience.values:
        audience = ""
    if request.method != "POST":
        context = {
            "school": school,
            "audience": audience,
            "label": Audience(audience).label if audience else "",
            "settings": services.settings_for(school),
        }
        return render(request, "agreements/chase.html", context)
    sent = chasing.chase(school=school, actor=request.user, audience=audience, request=request)
    if sent:
        messages.success(request, f"{sent} reminder{'s' if sent != 1 else ''} sent.")
    else:
        messages.info(
            request,
            "Nobody to remind: everyone unsigned with an e-mail address has been reminded "
            "recently.",
        )
    url = redirect("agreement-coverage", school=school.slug).url
    return redirect(f"{url}?audience={audience}" if audience else url)


@school_view("agreements.view")
def agreement_export(request):
    school = request.school
    form = ExportForm(posted(request), initial={"format": "xlsx"})
    if request.method != "POST" or not form.is_valid():
        return render(request, "agreements/export.html", {"school": school, "form": form})
    fmt = form.cleaned_data["format"]
    password = form.cleaned_data["password"] or None
    table, count = evidence.table(school, fmt=fmt)
    stamp = timezone.localdate().isoformat()
    response = evidence.response(table, fmt, f"agreements-{school.slug}-{stamp}", password)
    # Audited once the file is made: a failed export is not an export.
    audit.record(
        "agreement.exported",
        actor=request.user,
        school=school,
        request=request,
        object_repr=f"Agreement signatures of {school.name} ({fmt})",
        changes={"format": fmt, "password_protected": bool(password), "rows": count},
    )
    return response


urlpatterns = [
    path("agreements/", agreement_coverage, name="agreement-coverage"),
    path("agreements/people/<int:pk>/", agreement_person, name="agreement-person"),
    path("agreements/chase/", agreement_chase, name="agreement-chase"),
    path("agreements/export/", agreement_export, name="agreement-export"),
]
