"""School management pages for administrators (list, create, edit, import)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import roles
from audit.models import AuditEvent
from audit.services import audit_record

from . import selectors, services
from .forms import SchoolFilterForm, SchoolForm, SchoolImportForm
from .importing import SchoolFileError, read_school_file
from .models import School
from .xlsx import school_template_xlsx

PAGE_SIZE = 25


def _require_admin(request) -> None:
    """School management is for administrators; officials and inspectors only read schools elsewhere."""
    if not roles.is_admin(request.user):
        raise PermissionDenied(_("只有管理员可以管理学校。"))


def _get_school_for_admin(request, pk: int) -> School:
    _require_admin(request)
    return get_object_or_404(School.objects.select_related("district"), pk=pk)


@require_GET
def school_list(request):
    _require_admin(request)
    form = SchoolFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    schools = selectors.school_list(
        district=filters.get("district"),
        stage=filters.get("stage", ""),
        location=filters.get("location", ""),
        q=filters.get("q", ""),
    )
    page = Paginator(schools, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "schools/school_list.html", {"form": form, "page": page})


def _school_fields(form) -> dict:
    return {name: form.cleaned_data[name] for name in services.SCHOOL_FIELDS}


@require_http_methods(["GET", "POST"])
def school_create(request):
    _require_admin(request)
    form = SchoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        school = services.school_create(**_school_fields(form))
        audit_record(event="school.create", request=request, obj=school, code=school.code)
        messages.success(request, _("已新增学校：%(name)s") % {"name": school.name})
        return redirect("schools:school_list")
    return render(request, "schools/school_form.html", {"form": form, "school": None})


@require_http_methods(["GET", "POST"])
def school_edit(request, pk: int):
    school = _get_school_for_admin(request, pk)
    before = {name: str(getattr(school, name)) for name in services.SCHOOL_FIELDS}
    saved_name = school.name  # the form writes onto `school` even when the input is invalid
    form = SchoolForm(request.POST or None, instance=school)
    if request.method == "POST" and form.is_valid():
        # The ModelForm has already written the cleaned values onto `school`.
        school = services.school_update(school=school, **_school_fields(form))
        after = {name: str(getattr(school, name)) for name in services.SCHOOL_FIELDS}
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        audit_record(event="school.update", request=request, obj=school, changes=changes)
        messages.success(request, _("已保存学校：%(name)s") % {"name": school.name})
        return redirect("schools:school_list")
    return render(request, "schools/school_form.html", {"form": form, "school": school, "saved_name": saved_name})


@require_http_methods(["GET", "POST"])
def school_import(request):
    _require_admin(request)
    form = SchoolImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_school_file(name=upload.name, data=upload.read())
            result = services.school_import(rows=rows)
        except (SchoolFileError, services.SchoolImportError) as exc:
            errors = exc.errors
            audit_record(
                event="school.import", request=request, outcome=AuditEvent.Outcome.FAILURE,
                file=upload.name, errors=len(errors),
            )
        else:
            audit_record(
                event="school.import", request=request, file=upload.name,
                created=len(result.created), updated=len(result.updated), unchanged=len(result.unchanged),
            )
            messages.success(
                request,
                _("导入完成：新增 %(c)d 所，更新 %(u)d 所，未变化 %(n)d 所。")
                % {"c": len(result.created), "u": len(result.updated), "n": len(result.unchanged)},
            )
            return redirect("schools:school_list")
    return render(request, "schools/school_import.html", {"form": form, "errors": errors})


@require_GET
def school_import_template(request):
    _require_admin(request)
    content = school_template_xlsx(districts=list(selectors.district_list()))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(True, _("学校导入模板") + ".xlsx")
    response["X-Content-Type-Options"] = "nosniff"
    return response
