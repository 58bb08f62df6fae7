"""The people directory: list, search and filter; a person's page; add, edit, mark as left."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render

from bastion.core import audit
from bastion.core.tenancy import get_for_school, school_view
from bastion.lib.search import fold
from bastion.people import scr, services
from bastion.people.forms import FilterForm, LeaveForm, PersonForm
from bastion.people.models import Kind, ParentLink, Person

PAGE_SIZE = 50


def filtered(school, form: FilterForm):
    people = Person.objects.filter(school=school)
    form.is_valid()  # a bad value in one filter (an old link, a typo) is ignored, not a 500
    data = getattr(form, "cleaned_data", {})
    status = data.get("status") or "current"
    if status == "current":
        people = people.current()
    elif status == "left":
        people = people.left()
    if data.get("kind"):
        people = people.filter(kind=data["kind"])
    if data.get("year"):
        people = people.filter(year_group=data["year"])
    if data.get("class_name"):
        people = people.filter(class_name__iexact=data["class_name"].strip())
    query = (data.get("q") or "").strip()
    if query:
        for word in query.split()[:4]:
            match = (
                Q(first_name__istartswith=word)
                | Q(last_name__istartswith=word)
                | Q(email__istartswith=word)
                | Q(mis_id__iexact=word)
            )
            if folded := fold(word):  # "Zoe" finds Zoë, "oneill" O'Neill
                match |= Q(search_name__contains=folded)
            people = people.filter(match)
    return people.only(
        "first_name",
        "last_name",
        "kind",
        "email",
        "mis_id",
        "year_group",
        "class_name",
        "job_title",
        "left_on",
    )


@school_view("people.view")
def person_list(request):
    form = FilterForm(request.GET or None)
    people = filtered(request.school, form)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"school": request.school, "form": form, "page": page, "kinds": Kind}
    if request.headers.get("HX-Request"):
        return render(request, "people/person_list.html#results", context)
    return render(request, "people/person_list.html", context)


@school_view("people.view")
def person_detail(request, pk):
    school = request.school
    person = get_for_school(Person, school, pk=pk)
    links = ParentLink.objects.filter(school=school).select_related("parent", "child")
    links = links.filter(Q(child=person) | Q(parent=person))
    # A person's record (a pupil's too) is personal data: each view of it is in the audit trail.
    audit.record("person.viewed", actor=request.user, school=school, obj=person, request=request)
    context = {"school": school, "person": person, "links": links, "in_scope": scr.in_scope(person)}
    return render(request, "people/person_detail.html", context)


@school_view("people.edit")
def person_add(request, kind):
    if kind not in Kind.values:
        raise Http404("No such kind of person.")
    form = PersonForm(request.POST or None, kind=kind, school=request.school)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(
                actor=request.user,
                school=request.school,
                data={"kind": kind, **form.cleaned_data},
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{person.full_name} is in the directory.")
            return redirect("person-detail", school=request.school.slug, pk=person.pk)
    label = Kind(kind).label
    return render(
        request,
        "people/person_form.html",
        {"school": request.school, "form": form, "title": f"Add: {label.lower()}"},
    )


@school_view("people.edit")
def person_edit(request, pk):
    school = request.school
    person = get_for_school(Person, school, pk=pk)
    # The form edits a copy, so `person` keeps the values from before for the audit trail.
    form = PersonForm(
        request.POST or None,
        instance=Person.objects.get(pk=person.pk),
        kind=person.kind,
        school=school,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(
                actor=request.user,
                school=school,
                person=person,
                data=form.cleaned_data,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{person.full_name}'s details are saved.")
            return redirect("person-detail", school=school.slug, pk=person.pk)
    return render(
        request,
        "people/person_form.html",
        {"school": school, "form": form, "title": f"Edit {person.full_name}", "person": person},
    )


@school_view("people.edit")
def person_leave(request, pk):
    school = request.school
    person = get_for_school(Person, school, pk=pk)
    form = LeaveForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_leave(
                actor=request.user,
                school=school,
                person=Person.objects.get(pk=person.pk),
                left_on=form.cleaned_data["left_on"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, f"{person.full_name} is marked as having left. Their records stay."
            )
            return redirect("person-detail", school=school.slug, pk=person.pk)
    return render(
        request, "people/person_leave.html", {"school": school, "form": form, "person": person}
    )
