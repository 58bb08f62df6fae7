"""Password changes: each member of staff's own accounts and the attestation form; the school's
compliance per system and per person."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from bastion.core.tenancy import get_for_school, school_view
from bastion.lib.dates import long_date
from bastion.lib.forms import posted
from bastion.systems import passwords
from bastion.systems.forms import AttestForm
from bastion.systems.models import Account, PasswordChange

PAGE_SIZE = 100


def _mine(request):
    return Account.objects.filter(school=request.school, person__user=request.user)


@school_view("systems.attest")
def my_accounts(request):
    today = timezone.localdate()
    accounts = passwords.with_state(_mine(request).select_related("system"), today)
    rows = [(a, passwords.account_state(a, today)) for a in accounts.order_by("system__name")]
    context = {"school": request.school, "rows": rows}
    return render(request, "systems/my_accounts.html", context)


@school_view("systems.attest")
def password_attest(request, pk):
    """'I changed my password for <system> on <date>': only for one's own account."""
    school = request.school
    today = timezone.localdate()
    account = get_for_school(
        passwords.with_state(_mine(request).select_related("system", "person"), today),
        school,
        pk=pk,
    )
    form = AttestForm(posted(request), initial={"changed_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            passwords.password_attest(
                actor=request.user,
                school=school,
                account=account,
                changed_on=form.cleaned_data["changed_on"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Thank you: your password change for {account.system} on "
                f"{long_date(form.cleaned_data['changed_on'])} is recorded.",
            )
            return redirect("system-mine", school=school.slug)
    context = {
        "school": school,
        "account": account,
        "state": passwords.account_state(account, today),
        "form": form,
        "recent": PasswordChange.objects.filter(
            system=account.system, person=account.person
        ).order_by("-changed_on", "-pk")[:5],
    }
    return render(request, "systems/password_attest.html", context)


@school_view("systems.view")
def password_compliance(request):
    """Per system and per person: accounts whose last attested change is in date; and the
    accounts that lapsed (or never had one recorded)."""
    school = request.school
    today = timezone.localdate()
    accounts = passwords.rotated_accounts(today).filter(school=school)
    counts = {"all": Count("pk"), "ok": Count("pk", filter=Q(in_date=True))}
    by_system = (
        accounts.values("system_id", "system__name", "system__password_change_months")
        .annotate(**counts)
        .order_by("system__name", "system_id")
    )
    by_person = (
        accounts.values("person_id", "person__first_name", "person__last_name")
        .annotate(**counts)
        .order_by("person__last_name", "person__first_name", "person_id")
    )
    lapsed = (
        accounts.filter(in_date=False)
        .select_related("system", "person")
        .order_by("person__last_name", "person__first_name", "system__name", "pk")
    )
    lapsed_view = request.GET.get("status") == "lapsed"
    page = Paginator(lapsed if lapsed_view else by_person, PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    total = sum(row["all"] for row in by_system)
    in_date = sum(row["ok"] for row in by_system)
    context = {
        "school": school,
        "by_system": by_system,
        "page": page,
        "lapsed_view": lapsed_view,
        "lapsed_rows": [(a, passwords.account_state(a, today)) for a in page]
        if lapsed_view
        else [],
        "person_rows": []
        if lapsed_view
        else [{**row, "lapsed": row["all"] - row["ok"]} for row in page],
        "total": total,
        "in_date": in_date,
        "share": round(100 * in_date / total) if total else None,
    }
    return render(request, "systems/password_compliance.html", context)


urlpatterns = [
    path("systems/mine/", my_accounts, name="system-mine"),
    path("systems/mine/<int:pk>/password/", password_attest, name="password-attest"),
    path("systems/passwords/", password_compliance, name="password-compliance"),
]
