"""The off-site removals log: everyone sees their own, the SIRO and DPO see and decide all."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from bastion.core.tenancy import get_for_school, school_view
from bastion.lib.forms import posted
from bastion.offsite import removals
from bastion.offsite.forms import CloseForm, DecideForm, RemovalForm
from bastion.offsite.models import Removal

PAGE_SIZE = 50
Status = Removal.Status
SHOW = {
    "open": ("Off site or awaiting approval", Q(status__in=Removal.OPEN)),
    "requested": ("Awaiting approval", Q(status=Status.REQUESTED)),
    "overdue": ("Overdue", None),  # depends on today
    "closed": ("Returned or destroyed", Q(status__in=Removal.CLOSED)),
    "all": ("All", Q()),
}


def _rows(request, show: str, today):
    rows = Removal.objects.filter(school=request.school).select_related(
        "person", "device", "decided_by"
    )
    if not request.access.can("offsite.approve"):
        rows = rows.filter(person__user=request.user)
    if show == "overdue":
        return rows.filter(removals.overdue_q(today)).order_by("due_on", "pk")
    return rows.filter(SHOW[show][1])


@school_view("offsite.request")
def offsite_list(request):
    school = request.school
    today = timezone.localdate()
    show = request.GET.get("show")
    if show not in SHOW:
        show = "open"
    page = Paginator(_rows(request, show, today), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = _rows(request, "all", today).aggregate(
        overdue=Count("pk", filter=removals.overdue_q(today)),
        requested=Count("pk", filter=Q(status=Status.REQUESTED)),
    )
    context = {
        "school": school,
        "page": page,
        "show": show,
        "choices": [(key, label) for key, (label, _) in SHOW.items()],
        "today": today,
        "counts": counts,
        "officer": request.access.can("offsite.approve"),
        "remote_access": list(removals.remote_access_systems(school)),
        "max_days": removals.MAX_DAYS,
    }
    return render(request, "offsite/removal_list.html", context)


@school_view("offsite.request")
def offsite_add(request):
    school = request.school
    officer = request.access.can("offsite.approve")
    own = None if officer else removals.person_for(request.user, school)
    if not officer and own is None:
        context = {"school": school, "form": None}
        return render(request, "offsite/removal_form.html", context)
    initial = {"taken_on": timezone.localdate()}
    form = RemovalForm(posted(request), school=school, person=own, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            removal = removals.removal_request(
                actor=request.user, school=school, data=form.cleaned_data, request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if removal.status == Status.APPROVED:
                messages.success(
                    request, f"The removal by {removal.person} is recorded and approved."
                )
            else:
                messages.success(
                    request, "Your request is sent to the SIRO and the DPO for approval."
                )
            return redirect("offsite-list", school=school.slug)
    context = {"school": school, "form": form, "officer": officer}
    return render(request, "offsite/removal_form.html", context)


@school_view("offsite.approve")
def offsite_decide(request, pk):
    school = request.school
    removal = get_for_school(Removal.objects.select_related("person", "device"), school, pk=pk)
    if removal.status != Status.REQUESTED:
        messages.info(request, "This request has already been decided.")
        return redirect("offsite-list", school=school.slug)
    form = DecideForm(posted(request))
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            removals.removal_decide(
                actor=request.user,
                school=school,
                removal=removal,
                approve=approve,
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            done = "approved" if approve else "declined"
            messages.success(request, f"The request by {removal.person} is {done}.")
            return redirect("offsite-list", school=school.slug)
    context = {"school": school, "form": form, "removal": removal}
    return render(request, "offsite/removal_decide.html", context)


@school_view("offsite.request")
def offsite_close(request, pk):
    school = request.school
    removal = get_for_school(Removal.objects.select_related("person", "device"), school, pk=pk)
    if not (request.access.can("offsite.approve") or removal.person.user_id == request.user.pk):
        raise Http404("Not found.")  # someone else's removal: as if it did not exist
    if removal.status != Status.APPROVED:
        messages.info(request, f"This removal is {removal.get_status_display().lower()}.")
        return redirect("offsite-list", school=school.slug)
    form = CloseForm(posted(request), initial={"closed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            removals.removal_close(
                actor=request.user,
                school=school,
                removal=removal,
                outcome=data["outcome"],
                closed_on=data["closed_on"],
                note=data["note"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            done = "back in school" if data["outcome"] == Status.RETURNED else "destroyed"
            messages.success(request, f"{removal.what}: recorded as {done}.")
            return redirect("offsite-list", school=school.slug)
    context = {"school": school, "form": form, "removal": removal}
    return render(request, "offsite/removal_close.html", context)


urlpatterns = [
    path("offsite/", offsite_list, name="offsite-list"),
    path("offsite/add/", offsite_add, name="offsite-add"),
    path("offsite/<int:pk>/decide/", offsite_decide, name="offsite-decide"),
    path("offsite/<int:pk>/close/", offsite_close, name="offsite-close"),
]
