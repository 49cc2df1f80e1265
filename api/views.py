"""The REST API (/api/v1/): thin viewsets over the other apps' selectors and services.

Who may see or change what is decided by the same helpers the pages use — accounts.scopes, accounts.roles
and the apps' public access modules the pages use too (evaluation.access, reports.access, analytics.access,
recognition.access) — so the API can never disagree with a page.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts import roles, scopes
from analytics import access as analytics_access
from analytics.selectors import round_analytics
from audit.models import AuditEvent
from audit.services import audit_record
from evaluation import selectors as evaluation_selectors
from evaluation import services as evaluation_services
from evaluation import access as evaluation_access
from evaluation.models import Evaluation, Round, Scorecard
from evaluation.versioned import conflict_message, saved_row_json
from recognition import selectors as recognition_selectors
from recognition import access as recognition_access
from recognition import views as recognition_views  # only its _today: the pages' day, which tests set
from reports import access as reports_access
from reports.selectors import evaluation_totals
from rubric.models import RubricVersion
from rubric.selectors import rubric_as_dict, rubric_tree
from schools import services as school_services
from schools.models import District, School
from schools.importing import SchoolFileError, SchoolRow, read_school_file

from . import filters
from . import serializers as s
from .exceptions import error_response, flatten

class ApiViewSet(viewsets.GenericViewSet):
    """Integer ids in the path (<int:pk>): anything else is a 404 before a query sees it."""

    lookup_value_converter = "int"
    schema_model = None  # the model of the ids, for the schema (the real queryset depends on the caller)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.schema_model.objects.none()
        return self.scoped_queryset()


ERRORS = {400: s.ErrorSerializer, 401: s.ErrorSerializer, 403: s.ErrorSerializer, 404: s.ErrorSerializer}


def _require_admin(request) -> None:
    """Rubric and school management: administrators, as on the rubric and school pages."""
    if not roles.is_admin(request.user):
        raise PermissionDenied(_("只有管理员可以使用此接口。"))


def _require_results_reader(request) -> None:
    """Rounds, districts, rankings: admins and officials in scope, as on the round and report pages."""
    reports_access.require_viewer(request.user)


# ---------------------------------------------------------------- rubric


@extend_schema_view(
    list=extend_schema(summary="评估细则版本列表", responses={200: s.RubricVersionSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(summary="评估细则版本及其指标树", responses={200: s.RubricVersionTreeSerializer, **ERRORS}),
)
class RubricVersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    schema_model = RubricVersion
    serializer_class = s.RubricVersionSerializer
    filterset_class = filters.RubricVersionFilter

    def scoped_queryset(self):
        _require_admin(self.request)
        return RubricVersion.objects.order_by("-created_at", "-id")

    def retrieve(self, request, *args, **kwargs):
        version = self.get_object()
        tree = rubric_as_dict(version=version)  # the tree in the rubric's own export format
        return Response({**s.RubricVersionSerializer(version).data,
                         "dimensions": s.DimensionSerializer(tree["dimensions"], many=True).data})


# ---------------------------------------------------------------- districts and schools


@extend_schema_view(list=extend_schema(summary="区县列表（您的查看范围内）",
                                       responses={200: s.DistrictSerializer(many=True), **ERRORS}))
class DistrictViewSet(ApiViewSet):
    schema_model = District
    serializer_class = s.DistrictSerializer
    pagination_class = None

    def scoped_queryset(self):
        _require_results_reader(self.request)
        return scopes.results_scope(self.request.user).districts()

    def list(self, request):
        return Response(self.get_serializer(self.get_queryset(), many=True).data)


# Messages of schools.services._cell_error: 第 n 行「列」：…  → rows[n-1].<field>
_CELL = re.compile(r"^第 (\d+) 行「(.+?)」：")
_FIELD_OF_HEADER = {header: name for name, header in school_services.FIELD_HEADERS.items()}


def _import_errors(messages: list[str], *, json_rows: bool) -> list[dict]:
    out = []
    for message in messages:
        match = _CELL.match(message)
        if match and json_rows and match.group(2) in _FIELD_OF_HEADER:
            out.append({"field": f"rows[{int(match.group(1)) - 1}].{_FIELD_OF_HEADER[match.group(2)]}",
                        "message": message})
        else:
            out.append({"field": "file" if not json_rows else "rows", "message": message})
    return out


@extend_schema_view(
    list=extend_schema(summary="学校列表", responses={200: s.SchoolSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(summary="一所学校", responses={200: s.SchoolSerializer, **ERRORS}),
)
class SchoolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    schema_model = School
    """Schools within the caller's scope (accounts.scopes.schools_in_scope): admins all, officials their
    districts, a school's account its own school; other roles 403."""

    serializer_class = s.SchoolSerializer
    filterset_class = filters.SchoolFilter

    def scoped_queryset(self):
        user = self.request.user
        if roles.can_view_results(user):
            scopes.require_scope(user)
        elif scopes.school_of(user) is None:
            raise PermissionDenied(_("只有管理员、教育局和学校账号可以查看学校。"))
        return scopes.schools_in_scope(user).order_by("code")

    @extend_schema(
        summary="导入学校（与“导入学校”页面相同的校验，全部通过才写入）",
        request={"application/json": s.SchoolImportSerializer,
                 "multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}},
        responses={200: s.SchoolImportResultSerializer, **ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="import", url_name="import", parser_classes=[JSONParser, MultiPartParser],
            filterset_class=None, pagination_class=None)
    def import_(self, request):
        _require_admin(request)
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        if upload is not None:
            name, json_rows = upload.name, False
            try:
                rows = read_school_file(name=upload.name, data=upload.read())
            except SchoolFileError as exc:
                return self._refused(request, name, exc.errors, json_rows)
        else:
            payload = s.SchoolImportSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            name, json_rows = "api", True
            rows = [SchoolRow(number=i, values={school_services.FIELD_HEADERS[k]: v for k, v in row.items()})
                    for i, row in enumerate(payload.validated_data["rows"], start=1)]
        try:
            result = school_services.school_import(rows=rows)
        except school_services.SchoolImportError as exc:
            return self._refused(request, name, exc.errors, json_rows)
        audit_record(event="school.import", request=request, file=name, via="api", created=len(result.created),
                     updated=len(result.updated), unchanged=len(result.unchanged))
        return Response(s.SchoolImportResultSerializer(result).data)

    @staticmethod
    def _refused(request, name, messages, json_rows):
        audit_record(event="school.import", request=request, outcome=AuditEvent.Outcome.FAILURE, file=name, via="api",
                     errors=len(messages))
        errors = _import_errors(messages, json_rows=json_rows)
        return error_response(status_code=400, detail=_("导入未完成：有 %(n)s 处错误，未写入任何学校。") % {"n": len(messages)},
                              code="invalid", errors=errors)


# ---------------------------------------------------------------- rounds


RANKING_PARAMETERS = [
    OpenApiParameter("district", OpenApiTypes.INT, description="区县 ID"),
    OpenApiParameter("stage", OpenApiTypes.STR, enum=["primary", "junior", "nine_year"], description="学段"),
    OpenApiParameter("location", OpenApiTypes.STR, enum=["urban", "town", "rural"], description="城乡类别"),
    OpenApiParameter("status", OpenApiTypes.STR, enum=["finalized", "in_progress"], description="状态"),
    OpenApiParameter("include", OpenApiTypes.BOOL, description="包含评估中的学校（暂定分数）"),
    OpenApiParameter("sort", OpenApiTypes.STR, description="排序：rank、school、district、total 或一级指标代码，前加 - 为降序"),
]


@extend_schema_view(
    list=extend_schema(summary="评估批次列表", responses={200: s.RoundSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(summary="一个评估批次", responses={200: s.RoundSerializer, **ERRORS}),
)
class RoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    schema_model = Round
    serializer_class = s.RoundSerializer
    filterset_class = filters.RoundFilter

    def scoped_queryset(self):
        _require_results_reader(self.request)
        return evaluation_selectors.rounds_overview(
            evaluation_filter=scopes.round_counts_q(self.request.user)).order_by("-year", "-created_at", "-id")

    def _round(self, pk) -> Round:
        _require_results_reader(self.request)
        return get_object_or_404(Round.objects.select_related("rubric_version"), pk=pk)

    @extend_schema(summary="排名（与“排名”页面相同的总分、名次与筛选）", parameters=RANKING_PARAMETERS,
                   responses={200: s.RankingRowSerializer(many=True), **ERRORS})
    @action(detail=True, methods=["get"], filterset_class=None, serializer_class=s.RankingRowSerializer)
    def ranking(self, request, pk=None):
        round_obj = self._round(pk)
        form, _tree, _codes, rows, _data = reports_access.ranking_rows(request.user, request.GET, round_obj)
        if form.is_bound and form.errors:
            raise ValidationError({name: list(messages) for name, messages in form.errors.items()})
        page = self.paginate_queryset(rows)
        audit_record(event="api.ranking", request=request, scope=scopes.describe(request.user), obj=round_obj,
                     rows=len(rows))
        return self.get_paginated_response(s.RankingRowSerializer(page, many=True).data)

    @extend_schema(summary="评估质量分析（评分一致性、差异系数、要素得分率；专家宽严度仅管理员）",
                   responses={200: s.RoundAnalyticsSerializer, **ERRORS})
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None,
            serializer_class=s.RoundAnalyticsSerializer)
    def analytics(self, request, pk=None):
        analytics_access.require_viewer(request.user)
        round_obj = self._round(pk)
        data = round_analytics(round=round_obj, school_filter=scopes.results_scope(request.user).school_filter())
        if not roles.is_admin(request.user):
            data.leniency = None  # names inspectors: admins only, as on the page
        return Response(s.RoundAnalyticsSerializer(data).data)

    @extend_schema(summary="认定工作状态（名单、公示、认定）", responses={200: s.RoundRecognitionSerializer, **ERRORS})
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None,
            serializer_class=s.RoundRecognitionSerializer)
    def recognition(self, request, pk=None):
        recognition_access.require_viewer(request.user)
        round_obj = self._round(pk)
        scope = scopes.recognition_scope(request.user)
        row = next(r for r in recognition_selectors.recognition_rounds(scope=scope, today=recognition_views._today())
                   if r.round.pk == round_obj.pk)
        entries = recognition_selectors.list_entries(rlist=row.rlist, scope=scope) if row.rlist else []
        return Response(s.RoundRecognitionSerializer({
            "round": round_obj.pk, "status": row.rlist.status if row.rlist else None, "phase": row.phase,
            "entries": row.entries, "proposed": row.proposed, "recognized": row.recognized, "schools": entries,
        }).data)


# ---------------------------------------------------------------- evaluations


@extend_schema_view(
    list=extend_schema(summary="学校评估列表（您可查看的）", responses={200: s.EvaluationSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(summary="一项学校评估及专家组进度", responses={200: s.EvaluationDetailSerializer, **ERRORS}),
)
class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    schema_model = Evaluation
    """accounts.scopes.evaluations_visible_to: results scope, plus the panels the caller sits on."""

    serializer_class = s.EvaluationSerializer
    filterset_class = filters.EvaluationFilter

    def scoped_queryset(self):
        user = self.request.user
        if roles.can_view_results(user) and not roles.is_inspector(user):
            scopes.require_scope(user)
        elif not roles.can_view_results(user) and not roles.is_inspector(user):
            raise PermissionDenied(_("只有管理员、教育局和督导专家可以查看学校评估。"))
        return scopes.evaluations_visible_to(user).order_by("-round__year", "-round_id", "school__code")

    def retrieve(self, request, *args, **kwargs):
        evaluation = scopes.evaluation_visible(request.user, kwargs["pk"])
        row = evaluation_selectors.round_status_rows(round=evaluation.round,
                                                     evaluations=Evaluation.objects.filter(pk=evaluation.pk))[0]
        evaluation.progress, evaluation.panel = row["status"], row["inspectors"]
        return Response(s.EvaluationDetailSerializer(evaluation).data)

    @extend_schema(summary="总分与各级小计（与学校报告页面相同；未定稿为暂定）",
                   responses={200: s.EvaluationTotalsSerializer, **ERRORS})
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None,
            serializer_class=s.EvaluationTotalsSerializer)
    def totals(self, request, pk=None):
        evaluation = reports_access.results_evaluation(request.user, pk)
        totals = evaluation_totals(evaluation=evaluation, tree=rubric_tree(version=evaluation.round.rubric_version))
        return Response(s.EvaluationTotalsSerializer({
            "evaluation": evaluation.pk, "provisional": totals.provisional, "total": totals.total,
            "scored": totals.scored, "passed": totals.passed, "dimensions": totals.dimensions,
            "indicators": totals.indicators,
            "elements": [{"code": line.element.code, "points": line.points} for line in totals.lines],
        }).data)


# ---------------------------------------------------------------- scorecards (an inspector's own)


@extend_schema_view(
    list=extend_schema(summary="我的评分表（进行中批次）", responses={200: s.ScorecardSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(summary="一张评分表：各要素得分、备注与版本号", responses={200: s.ScorecardDetailSerializer, **ERRORS}),
)
class ScorecardViewSet(ApiViewSet):
    schema_model = Scorecard
    serializer_class = s.ScorecardSerializer
    pagination_class = None

    def list(self, request):
        cards = evaluation_selectors.inspector_assignments(user=request.user)
        return Response(s.ScorecardSerializer(cards, many=True).data)

    def retrieve(self, request, pk=None):
        card, owner = evaluation_access.scorecard_for_user(request.user, pk)
        workspace = evaluation_selectors.scorecard_workspace(scorecard=card)
        card.editable = owner and card.is_editable_by(request.user)
        return Response(s.ScorecardDetailSerializer({
            "id": card.pk, "evaluation_id": card.evaluation_id, "evaluation": card.evaluation,
            "is_lead": card.is_lead, "status": card.status, "get_status_display": card.get_status_display(),
            "editable": card.editable, "lock_reason": card.lock_reason(),
            "totals": evaluation_selectors.totals_json(workspace.totals),
            "items": [{"code": item.element.code, "points": item.points, "note": item.note, "version": item.version}
                      for item in workspace.items.values()],
        }).data)

    @extend_schema(
        summary="保存得分（乐观锁：版本号过期时返回 409 与服务器上的当前值）",
        request=s.ScoresSaveSerializer,
        responses={**ERRORS, 200: s.ScoresSaveResultSerializer, 400: s.ScoresErrorSerializer,
                   409: s.ScoresErrorSerializer},
    )
    @action(detail=True, methods=["post"], serializer_class=s.ScoresSaveSerializer)
    def scores(self, request, pk=None):
        card = evaluation_access.editable_scorecard(request.user, pk)
        payload = s.ScoresSaveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        values = {code: {"points": item.get("points"), "note": item.get("note"), "version": item["version"]}
                  for code, item in payload.validated_data["scores"].items()}
        result = evaluation_services.scores_save_many(scorecard=card, values=values, by=request.user, request=request)
        body = {
            "saved": {code: saved_row_json(row) for code, row in result.saved.items()},
            "errors": result.errors,
            "conflicts": {code: {**saved_row_json(row), "by": row.updated_by.display_name if row.updated_by else "",
                                 "message": conflict_message(row)} for code, row in result.conflicts.items()},
            "totals": evaluation_selectors.totals_json(evaluation_selectors.scorecard_totals(scorecard=card)),
        }
        errors = flatten({"scores": {code: {"points": [message]} for code, message in result.errors.items()}})
        if result.conflicts:
            first = next(iter(body["conflicts"].values()))
            return Response({**body, "detail": first["message"], "code": "conflict", "errors": errors},
                            status=status.HTTP_409_CONFLICT)
        if result.errors:
            return Response({**body, "detail": errors[0]["message"], "code": "invalid", "errors": errors},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(body)

    @extend_schema(summary="提交评分表（全部要素评分后）", request=None,
                   responses={200: s.ScorecardSerializer, **ERRORS})
    @action(detail=True, methods=["post"], serializer_class=s.ScorecardSerializer)
    def submit(self, request, pk=None):
        card = evaluation_access.editable_scorecard(request.user, pk)
        try:
            card = evaluation_services.scorecard_submit(scorecard=card, by=request.user, request=request)
        except evaluation_services.ScorecardIncomplete as exc:
            errors = [{"field": f"scores.{code}.points", "message": _("未评分。")} for code in exc.missing]
            return error_response(status_code=400, code="incomplete", errors=errors, detail=_(
                "还有 %(n)s 项评估要素未评分，全部评分后才能提交：%(codes)s") % {
                    "n": len(exc.missing), "codes": "、".join(exc.missing)})
        card = evaluation_selectors.scorecard_for(pk=card.pk)
        card.editable = card.is_editable_by(request.user)
        return Response(s.ScorecardSerializer(card).data)
