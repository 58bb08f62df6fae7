"""The policy page (every member reads it), its downloads, editing statements, the annual review
and the archive of signed-off versions with their comparison."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from bastion.core.tenancy import get_for_school, school_view
from bastion.lib.dates import long_date
from bastion.lib.exports import download
from bastion.lib.forms import posted
from bastion.lib.markdown import render as markdown
from bastion.policy import document, facts, services
from bastion.policy.formats import FORMATS, document_bytes
from bastion.policy.forms import ApplicabilityForm, CompareForm, SignOffForm, StatementForm
from bastion.policy.models import PolicyVersion, Section, Statement

DOWNLOADS = ("pdf", "docx", "md")


def _home(request):
    return redirect("policy-detail", school=request.school.slug)


def _policy(request):
    return services.policy_for(request.school, actor=request.user, request=request)


def _live(request, policy):
    """The live document and the statements it was built from (fixed queries)."""
    statements = list(document.statements_of(policy))
    officers = facts.officers(request.school)
    found = facts.gather(request.school, officers)
    return document.build(policy, statements, found), {s.pk: s for s in statements}


def _rendered(doc: document.Document):
    """(part, [(item, html)]) for the template: each statement's Markdown rendered safely."""
    return [(part, [(item, markdown(item.text)) for item in part.items]) for part in doc.parts]


@school_view("policy.view")
def policy_detail(request):
    policy = _policy(request)
    doc, statements = _live(request, policy)
    context = {
        "school": request.school,
        "policy": policy,
        "document": doc,
        "parts": _rendered(doc),
        "own": {pk for pk, s in statements.items() if s.is_own},
        "review": services.open_review(policy),
        "downloads": DOWNLOADS,
    }
    return render(request, "policy/policy.html", context)


def _download(request, doc, fmt, version=None):
    if fmt not in FORMATS:
        raise Http404("No such format.")
    services.record_download(
        actor=request.user, school=request.school, fmt=fmt, version=version, request=request
    )
    content_type, extension = FORMATS[fmt]
    name = f"e-security-policy-{request.school.slug}"
    if version is not None:
        name += f"-v{version.number}"
    return download(document_bytes(doc, fmt), f"{name}.{extension}", content_type)


@school_view("policy.view")
def policy_download(request, fmt):
    doc, _ = _live(request, _policy(request))
    return _download(request, doc, fmt)


# Statements -------------------------------------------------------------------------------------


def _sections(policy):
    return list(Section.objects.filter(policy=policy))


def _save(request, form, save):
    """Run `save` for a valid form; True when saved, else the refusal is on the form."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        save(form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    return True


@school_view("policy.edit")
def statement_add(request):
    policy = _policy(request)
    sections = _sections(policy)
    initial = {"section": request.GET.get("section") or (sections[-1].pk if sections else None)}
    form = StatementForm(posted(request), sections=sections, initial=initial)

    def save(data):
        services.statement_add(
            actor=request.user, school=request.school, policy=policy, data=data, request=request
        )

    if _save(request, form, save):
        messages.success(request, "Your statement is added to the policy.")
        return _home(request)
    context = {
        "school": request.school,
        "form": form,
        "title": "Add a statement",
        "keys": facts.KEYS,
    }
    return render(request, "policy/statement_form.html", context)


@school_view("policy.edit")
def statement_edit(request, pk):
    statement = get_for_school(Statement.objects.select_related("policy"), request.school, pk=pk)
    initial = {"section": statement.section_id, "code": statement.code, "text": statement.text}
    form = StatementForm(
        posted(request),
        sections=_sections(statement.policy),
        own=statement.is_own,
        initial=initial,
    )

    def save(data):
        services.statement_update(
            actor=request.user,
            school=request.school,
            statement=statement,
            data=data,
            request=request,
        )

    if _save(request, form, save):
        messages.success(request, "The statement is saved.")
        return _home(request)
    context = {
        "school": request.school,
        "form": form,
        "statement": statement,
        "title": "Edit a statement",
        "keys": facts.KEYS,
    }
    return render(request, "policy/statement_form.html", context)


@school_view("policy.edit")
def statement_applicability(request, pk):
    statement = get_for_school(Statement, request.school, pk=pk)
    initial = {"applicable": "yes" if statement.applicable else "no", "reason": statement.reason}
    form = ApplicabilityForm(posted(request), initial=initial)

    def save(data):
        services.statement_set_applicable(
            actor=request.user,
            school=request.school,
            statement=statement,
            applicable=data["applicable"],
            reason=data["reason"],
            request=request,
        )

    if _save(request, form, save):
        messages.success(request, "The statement is saved.")
        return _home(request)
    context = {
        "school": request.school,
        "form": form,
        "statement": statement,
        "html": markdown(statement.text),
    }
    return render(request, "policy/applicability_form.html", context)


@school_view("policy.edit", methods=("POST",))
def statement_move(request, pk):
    statement = get_for_school(Statement, request.school, pk=pk)
    try:
        services.statement_move(
            actor=request.user,
            school=request.school,
            statement=statement,
            direction=request.POST.get("direction", ""),
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    response = _home(request)
    response["Location"] += f"#statement-{statement.pk}"
    return response


@school_view("policy.edit", methods=("POST",))
def statement_delete(request, pk):
    statement = get_for_school(Statement, request.school, pk=pk)
    try:
        services.statement_delete(
            actor=request.user, school=request.school, statement=statement, request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The statement is removed from the policy.")
    return _home(request)


# The annual review ------------------------------------------------------------------------------


@school_view("policy.edit")
def review_start(request):
    if request.method != "POST":
        return _home(request)
    try:
        services.review_start(
            actor=request.user, school=request.school, policy=_policy(request), request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            "The review has started. Check each statement and bring it up to date; the SIRO "
            "then signs it off.",
        )
    return _home(request)


@school_view("policy.sign_off")
def review_sign_off(request):
    policy = _policy(request)
    review = services.open_review(policy)
    if review is None:
        messages.error(request, "No review is in progress: start one first.")
        return _home(request)
    form = SignOffForm(posted(request))

    def save(data):
        services.review_sign_off(
            actor=request.user,
            school=request.school,
            policy=policy,
            confirm_name=data["confirm_name"],
            request=request,
        )

    if _save(request, form, save):
        messages.success(request, f"The review is signed off: version {review.number} is archived.")
        return _home(request)
    doc, _ = _live(request, policy)
    context = {
        "school": request.school,
        "form": form,
        "review": review,
        "document": doc,
        "next_review": services.next_review_after(
            request.school.next_review_date, timezone.localdate()
        ),
        "name": facts.person_name(request.user),
    }
    return render(request, "policy/sign_off.html", context)


# Versions -------------------------------------------------------------------------------------


def _versions(school):
    return PolicyVersion.objects.filter(school=school).select_related("started_by")


def _archived(version: PolicyVersion) -> document.Document:
    label = (
        f"Version {version.number}, signed off by {version.signed_off_name} on "
        f"{long_date(version.review_date)}"
    )
    return document.from_snapshot(version.snapshot, label)


def _signed_off(request, pk) -> PolicyVersion:
    return get_for_school(
        PolicyVersion.objects.filter(status=PolicyVersion.Status.SIGNED_OFF), request.school, pk=pk
    )


@school_view("policy.view")
def version_list(request):
    versions = list(_versions(request.school))
    signed = [v for v in versions if v.is_signed_off]
    initial = {"a": str(signed[0].pk) if signed else "current", "b": "current"}
    context = {
        "school": request.school,
        "versions": versions,
        "form": CompareForm(versions=versions, initial=initial),
    }
    return render(request, "policy/version_list.html", context)


@school_view("policy.view")
def version_detail(request, pk):
    version = _signed_off(request, pk)
    doc = _archived(version)
    context = {
        "school": request.school,
        "version": version,
        "document": doc,
        "parts": _rendered(doc),
        "downloads": DOWNLOADS,
    }
    return render(request, "policy/version_detail.html", context)


@school_view("policy.view")
def version_download(request, pk, fmt):
    version = _signed_off(request, pk)
    return _download(request, _archived(version), fmt, version)


@school_view("policy.view")
def policy_compare(request):
    versions = list(_versions(request.school))
    form = CompareForm(request.GET or None, versions=versions)
    changes = None
    if form.is_bound and form.is_valid():
        by_pk = {str(v.pk): v for v in versions}
        documents = []
        for choice in (form.cleaned_data["a"], form.cleaned_data["b"]):
            if choice == "current":
                documents.append((_live(request, _policy(request))[0], "the current policy"))
            else:
                version = by_pk[choice]
                documents.append((_archived(version), f"version {version.number}"))
        (old, old_name), (new, new_name) = documents
        changes = document.compare(old, new)
        context_names = (old_name, new_name)
    else:
        context_names = ("", "")
    context = {
        "school": request.school,
        "form": form,
        "changes": changes,
        "changed": [c for c in changes or [] if c.kind != document.SAME],
        "names": context_names,
    }
    return render(request, "policy/compare.html", context)


urlpatterns = [
    path("policy/", policy_detail, name="policy-detail"),
    path("policy/download/<slug:fmt>/", policy_download, name="policy-download"),
    path("policy/statements/add/", statement_add, name="policy-statement-add"),
    path("policy/statements/<int:pk>/edit/", statement_edit, name="policy-statement-edit"),
    path(
        "policy/statements/<int:pk>/applies/",
        statement_applicability,
        name="policy-statement-applicability",
    ),
    path("policy/statements/<int:pk>/move/", statement_move, name="policy-statement-move"),
    path("policy/statements/<int:pk>/remove/", statement_delete, name="policy-statement-delete"),
    path("policy/review/start/", review_start, name="policy-review-start"),
    path("policy/review/sign-off/", review_sign_off, name="policy-sign-off"),
    path("policy/versions/", version_list, name="policy-versions"),
    path("policy/versions/<int:pk>/", version_detail, name="policy-version"),
    path(
        "policy/versions/<int:pk>/download/<slug:fmt>/",
        version_download,
        name="policy-version-download",
    ),
    path("policy/compare/", policy_compare, name="policy-compare"),
]
