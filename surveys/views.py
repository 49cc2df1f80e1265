"""Pages of 满意度问卷 for signed-in users: campaigns, slips, results, exports.

Access: campaigns a user may not see are 404 (selectors.campaigns_visible_to); creating campaigns is for
admins (403 for others); slips for admins and the campaign school's account; the round comparison for admins
and officials (their scope); open answers and the raw answers export for admins and the school's panel.
A school sees its own aggregates only.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import roles, scopes
from audit.services import audit_record
from config.uploads import safe_file_name
from reports import background

from . import selectors, services
from .forms import CampaignForm, CodesForm
from .models import Campaign, CodeBatch
from .access import answers_campaign, campaign_for, round_campaign_results, round_campaigns

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(content: bytes, name: str, ext: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(safe_file_name(name, ext=ext))}"
    return response


def _campaign(request, pk) -> Campaign:
    return campaign_for(request.user, pk)


def _require_reader(user) -> None:
    if not (roles.can_view_results(user) or roles.is_inspector(user) or scopes.school_of(user) is not None):
        raise PermissionDenied(_("您没有查看满意度调查的权限。"))
    if not roles.is_inspector(user):
        scopes.require_scope(user)


def _now():
    """The moment the pages act on (tests set it instead of reading the clock)."""
    return timezone.now()


def _base_url(request) -> str:
    return settings.SURVEY_PUBLIC_BASE_URL or request.build_absolute_uri("/")


@require_GET
def index(request):
    """Campaigns the user may see, by round."""
    _require_reader(request.user)
    campaigns = list(selectors.campaigns_visible_to(request.user).order_by("-round__year", "round_id",
                                                                           "school__code")[:500])
    return render(request, "surveys/index.html", {
        "campaigns": campaigns, "is_admin": roles.is_admin(request.user),
        "may_compare": roles.can_view_results(request.user),
        "rounds": sorted({c.round for c in campaigns}, key=lambda r: (-r.year, r.pk)),
    })


@require_http_methods(["GET", "POST"])
def campaign_create(request):
    """An admin starts a campaign for one school, or for every school of the round at once."""
    if not roles.is_admin(request.user):
        raise PermissionDenied(_("只有管理员可以创建满意度调查活动。"))
    form = CampaignForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["school"]:
                    made = [services.campaign_create(
                        round=data["round"], school=data["school"], opens_at=data["opens_at"],
                        closes_at=data["closes_at"], questionnaires=form.questionnaires(), by=request.user,
                        request=request)]
                else:
                    made = services.campaigns_create_for_round(
                        round=data["round"], opens_at=data["opens_at"], closes_at=data["closes_at"],
                        questionnaires=form.questionnaires(), by=request.user, request=request)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                messages.success(request, _("已创建 %(n)s 个满意度调查活动。") % {"n": len(made)})
                return redirect("surveys:campaign_detail", pk=made[0].pk) if len(made) == 1 else redirect(
                    "surveys:index")
    return render(request, "surveys/campaign_create.html", {"form": form}, status=status)


def _detail(request, campaign, *, codes_form=None, status=200):
    user = request.user
    with_texts = selectors.may_read_open_answers(user, campaign)
    result = selectors.campaign_results(campaigns=[campaign], with_texts=with_texts)[0]
    may_print = services.may_print_slips(user, campaign)
    if may_print and codes_form is None:
        codes_form = CodesForm(groups=[g.cgroup for g in result.groups])
    audit_record(event="survey.results_view", request=request, scope=scopes.describe(user), obj=campaign,
                 texts=with_texts)
    return render(request, "surveys/campaign_detail.html", {
        "campaign": campaign, "result": result, "with_texts": with_texts, "may_print": may_print,
        "codes_form": codes_form if may_print else None,
        "batches": CodeBatch.objects.filter(group__campaign=campaign).select_related("group") if may_print else [],
        "threshold": selectors.C84_THRESHOLD,
    }, status=status)


@require_GET
def campaign_detail(request, pk: int):
    """One school's campaign: per group codes issued, responses, per item distribution and rate (95% interval)."""
    return _detail(request, _campaign(request, pk))


@require_POST
def codes_generate(request, pk: int):
    """A new batch of codes and its slips PDF (admins and the school's own account)."""
    campaign = _campaign(request, pk)
    if not services.may_print_slips(request.user, campaign):
        raise PermissionDenied(_("只有管理员或本校账号可以生成答题码。"))
    form = CodesForm(request.POST, groups=list(campaign.groups.all()))
    if form.is_valid():
        try:
            batch = services.codes_generate(group=form.group_obj(), count=form.cleaned_data["count"],
                                            base_url=_base_url(request), by=request.user, request=request,
                                            now=_now())
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("已生成 %(n)s 个答题码，请下载答题码条（PDF）打印后裁开发放。") % {"n": batch.count})
            return redirect("surveys:campaign_detail", pk=campaign.pk)
    return _detail(request, campaign, codes_form=form, status=400)


@require_GET
def batch_pdf(request, pk: int):
    """The stored slips PDF of a batch (admins and the school's own account)."""
    batch = get_object_or_404(CodeBatch.objects.select_related("group__campaign"), pk=pk)
    campaign = _campaign(request, batch.group.campaign_id)
    if not services.may_print_slips(request.user, campaign):
        raise PermissionDenied(_("只有管理员或本校账号可以下载答题码条。"))
    if not batch.slips:
        raise Http404
    try:
        handle = batch.slips.open("rb")
    except FileNotFoundError:
        raise Http404
    audit_record(event="survey.slips_download", request=request, scope=scopes.describe(request.user), obj=batch)
    name = safe_file_name(f"{campaign.school.name}-{batch.group.get_group_display()}-答题码-{batch.pk}", ext=".pdf")
    return FileResponse(handle, as_attachment=True, filename=name, content_type="application/pdf")


@require_GET
def answers_xlsx(request, pk: int):
    """The anonymous raw answers of a campaign (open answers included): admins and the school's panel."""
    campaign = answers_campaign(request.user, pk)
    # Over EXPORT_INLINE_MAX_ROWS answers: a confirmation page, then a background job (reports.background).
    params = {"campaign": str(campaign.pk)}
    confirm = background.confirm_if_large(request, "survey_answers", params)
    if confirm is not None:
        return confirm
    content, _rows = background.build_inline("survey_answers", request.user, params, today=None)
    audit_record(event="export.xlsx", request=request, scope=scopes.describe(request.user), kind="survey_answers",
                 obj=campaign)
    return _attachment(content, f"{campaign.school.name}-满意度原始答卷", ".xlsx", XLSX)


def _round_campaigns(request, round_pk):
    return round_campaign_results(request.user, round_pk)


@require_GET
def round_results(request, round_pk: int):
    """Comparison across the schools in scope: per group responses, response rate and overall rate."""
    rnd, results = _round_campaigns(request, round_pk)
    return render(request, "surveys/round_results.html", {"round": rnd, "results": results,
                                                          "threshold": selectors.C84_THRESHOLD})


@require_GET
def results_xlsx(request, round_pk: int):
    """The round's comparison as xlsx: inline up to EXPORT_INLINE_MAX_ROWS rows, else in the background."""
    rnd, campaigns = round_campaigns(request.user, round_pk)
    params = {"round": str(rnd.pk)}
    confirm = background.confirm_if_large(request, "survey_results", params)
    if confirm is not None:
        return confirm
    content, _rows = background.build_inline("survey_results", request.user, params, today=None)
    schools = campaigns.count()
    audit_record(event="export.xlsx", request=request, scope=scopes.describe(request.user), kind="survey_results",
                 round=rnd.name, schools=schools)
    return _attachment(content, f"{rnd.name}-满意度调查结果", ".xlsx", XLSX)
