"""The loans register: who has which device, what is overdue; lend and take back."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from bastion.core.tenancy import get_for_school, school_view
from bastion.equipment import loans
from bastion.equipment.forms.loans import LoanForm, ReturnForm
from bastion.equipment.models import Device, Loan
from bastion.lib.dates import long_date
from bastion.lib.forms import posted

PAGE_SIZE = 50
SHOW = {
    "out": ("Out now", Q(returned_on__isnull=True)),
    "overdue": ("Overdue", None),  # depends on today: see _filtered
    "returned": ("Returned", Q(returned_on__isnull=False)),
    "all": ("All loans", Q()),
}


def _filtered(school, show: str, today):
    rows = Loan.objects.filter(school=school).select_related("device", "borrower")
    if show == "overdue":
        return rows.filter(loans.overdue_q(today)).order_by("due_on", "pk")
    if show == "out":
        # The longest overdue first, then those due soonest; tokens (no due date) last.
        rows = rows.order_by(F("due_on").asc(nulls_last=True), "-out_on", "pk")
    return rows.filter(SHOW[show][1])


@school_view("equipment.view")
def loan_list(request):
    school = request.school
    show = request.GET.get("show")
    if show not in SHOW:
        show = "out"
    today = timezone.localdate()
    page = Paginator(_filtered(school, show, today), PAGE_SIZE).get_page(request.GET.get("page"))
    overdue = Loan.objects.filter(school=school).filter(loans.overdue_q(today)).count()
    context = {
        "school": school,
        "page": page,
        "show": show,
        "choices": [(key, label) for key, (label, _) in SHOW.items()],
        "today": today,
        "overdue": overdue,
    }
    return render(request, "equipment/loan_list.html", context)


@school_view("equipment.edit")
def loan_add(request):
    school = request.school
    initial = {"out_on": timezone.localdate()}
    wanted = request.GET.get("device", "")
    if wanted.isdigit():
        device = Device.objects.filter(school=school, pk=int(wanted)).only("pk").first()
        if device is not None:
            initial["device"] = device.pk
    form = LoanForm(posted(request), school=school, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            loan = loans.loan_issue(
                actor=request.user,
                school=school,
                device=data["device"],
                borrower=data["borrower"],
                out_on=data["out_on"],
                due_on=data["due_on"],
                condition_out=data["condition_out"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            what = "issued to" if loan.due_on is None else "lent to"
            messages.success(request, f"{loan.device} is {what} {loan.borrower}.")
            return redirect("loan-list", school=school.slug)
    return render(request, "equipment/loan_form.html", {"school": school, "form": form})


@school_view("equipment.edit")
def loan_return(request, pk):
    school = request.school
    loan = get_for_school(Loan.objects.select_related("device", "borrower"), school, pk=pk)
    if loan.returned_on is not None:
        messages.info(
            request, f"{loan.device} was already returned on {long_date(loan.returned_on)}."
        )
        return redirect("loan-list", school=school.slug)
    form = ReturnForm(posted(request), loan=loan, initial={"returned_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            loans.loan_return(
                actor=request.user,
                school=school,
                loan=loan,
                returned_on=data["returned_on"],
                condition_in=data["condition_in"],
                back_to=data["back_to"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{loan.device} is back from {loan.borrower}.")
            return redirect("loan-list", school=school.slug)
    return render(
        request, "equipment/loan_return.html", {"school": school, "form": form, "loan": loan}
    )


urlpatterns = [
    path("loans/", loan_list, name="loan-list"),
    path("loans/add/", loan_add, name="loan-add"),
    path("loans/<int:pk>/return/", loan_return, name="loan-return"),
]
