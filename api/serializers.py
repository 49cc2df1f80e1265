"""Output and input shapes of the API. Values come from the other apps' selectors; nothing is computed here.

Decimals are strings with two places ("87.50"), as in the pages' JSON (evaluation.selectors.totals_json).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rubric.models import RubricVersion
from schools.models import District, School


MONEY = {"max_digits": 7, "decimal_places": 2, "coerce_to_string": True}


@extend_schema_field({
    "type": "object", "required": ["total", "scored"],
    "properties": {"total": {"type": "string"}, "scored": {"type": "integer"}},
    "additionalProperties": {"type": "string"},
    "description": "总分 total、已评要素数 scored，及各一级（A…）、二级（B…）指标小计",
})
class TotalsField(serializers.DictField):
    """evaluation.selectors.totals_json: {"total": "87.50", "scored": 84, "A1": "…", "B1": "…"}."""


# ---------------------------------------------------------------- rubric


class EvidenceRequirementSerializer(serializers.Serializer):
    name = serializers.CharField()
    required = serializers.BooleanField()
    kinds = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField(allow_blank=True)


class ElementSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    points = serializers.CharField(help_text=_("标准分"))
    step = serializers.CharField(help_text=_("评分步长"))
    evidence = EvidenceRequirementSerializer(many=True)


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    points = serializers.CharField()
    elements = ElementSerializer(many=True)


class DimensionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    points = serializers.CharField()
    methods = serializers.CharField(allow_blank=True)
    indicators = IndicatorSerializer(many=True)


class RubricVersionSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")

    class Meta:
        model = RubricVersion
        fields = ["id", "code", "name", "total", "status", "status_label", "published_at"]


class RubricVersionTreeSerializer(RubricVersionSerializer):
    dimensions = DimensionSerializer(many=True, help_text=_("一级指标 → 二级指标 → 评估要素"))

    class Meta(RubricVersionSerializer.Meta):
        fields = [*RubricVersionSerializer.Meta.fields, "dimensions"]


# ---------------------------------------------------------------- districts and schools


class DistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = ["id", "code", "name"]


class SchoolSerializer(serializers.ModelSerializer):
    district = DistrictSerializer()
    stage_label = serializers.CharField(source="get_stage_display")
    location_label = serializers.CharField(source="get_location_display")

    class Meta:
        model = School
        fields = ["id", "code", "name", "district", "stage", "stage_label", "location", "location_label"]


class SchoolImportRowSerializer(serializers.Serializer):
    code = serializers.CharField(allow_blank=True, required=False, default="", help_text=_("学校代码"))
    name = serializers.CharField(allow_blank=True, required=False, default="", help_text=_("学校名称"))
    district = serializers.CharField(allow_blank=True, required=False, default="", help_text=_("所属区县（名称或代码）"))
    stage = serializers.CharField(allow_blank=True, required=False, default="", help_text=_("学段（如：小学）"))
    location = serializers.CharField(allow_blank=True, required=False, default="", help_text=_("城乡类别（如：城区）"))
    address = serializers.CharField(allow_blank=True, required=False, default="", help_text=_("地址"))
    principal = serializers.CharField(allow_blank=True, required=False, default="", help_text=_("校长"))


class SchoolImportSerializer(serializers.Serializer):
    rows = SchoolImportRowSerializer(many=True, allow_empty=False, max_length=5000)


class SchoolImportResultSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.CharField(), help_text=_("新增的学校代码"))
    updated = serializers.ListField(child=serializers.CharField(), help_text=_("更新的学校代码"))
    unchanged = serializers.ListField(child=serializers.CharField(), help_text=_("未变化的学校代码"))


# ---------------------------------------------------------------- rounds, evaluations, totals


class RoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    year = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    rubric_version = serializers.IntegerField(source="rubric_version_id")
    pass_mark = serializers.DecimalField(allow_null=True, **MONEY)
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    evaluation_count = serializers.IntegerField(help_text=_("您可查看的学校评估数"))
    finalized_count = serializers.IntegerField(help_text=_("其中已定稿数"))


class RoundRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SchoolRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    district = DistrictSerializer()


class PanelMemberSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    lead = serializers.BooleanField()
    scored = serializers.IntegerField()
    submitted = serializers.BooleanField()


class EvaluationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    round = RoundRefSerializer()
    school = SchoolRefSerializer()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    finalized_at = serializers.DateTimeField(allow_null=True)


class EvaluationDetailSerializer(EvaluationSerializer):
    progress = serializers.CharField(help_text=_("finalized / submitted / in_progress / not_started"))
    panel = PanelMemberSerializer(many=True)


class ElementPointsSerializer(serializers.Serializer):
    code = serializers.CharField()
    points = serializers.DecimalField(allow_null=True, **MONEY)


class EvaluationTotalsSerializer(serializers.Serializer):
    evaluation = serializers.IntegerField()
    provisional = serializers.BooleanField(help_text=_("true：暂定（未定稿）"))
    total = serializers.DecimalField(**MONEY)
    scored = serializers.IntegerField()
    passed = serializers.BooleanField(allow_null=True, help_text=_("是否达到认定分数线；无分数线时为 null"))
    dimensions = serializers.DictField(child=serializers.DecimalField(**MONEY))
    indicators = serializers.DictField(child=serializers.DecimalField(**MONEY))
    elements = ElementPointsSerializer(many=True)


class RankingRowSerializer(serializers.Serializer):
    evaluation = serializers.IntegerField(source="evaluation_id")
    school = SchoolRefSerializer()
    status = serializers.CharField()
    provisional = serializers.BooleanField()
    total = serializers.DecimalField(**MONEY)
    dimensions = serializers.DictField(child=serializers.DecimalField(**MONEY))
    rank = serializers.IntegerField(help_text=_("全市名次"))
    district_rank = serializers.IntegerField(help_text=_("区县内名次"))
    passed = serializers.BooleanField(allow_null=True)


# ---------------------------------------------------------------- analytics and recognition


class AgreementSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    alpha = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True, coerce_to_string=True)
    units = serializers.IntegerField()
    exact_share = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True, coerce_to_string=True)
    within_step_share = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True,
                                                 coerce_to_string=True)


class ElementRateSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    points = serializers.DecimalField(**MONEY)
    rate = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True, coerce_to_string=True)
    n = serializers.IntegerField()


class SpreadSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    mean = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True, coerce_to_string=True)
    sd = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True, coerce_to_string=True)
    cv = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True, coerce_to_string=True)


class CVGroupSerializer(serializers.Serializer):
    level = serializers.CharField()
    district = serializers.CharField(allow_null=True)
    stage = serializers.CharField(allow_null=True)
    n = serializers.IntegerField()
    small = serializers.BooleanField(help_text=_("学校数少于阈值，仅供参考"))
    total = SpreadSerializer()


class DeviationSerializer(serializers.Serializer):
    mean_deviation = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True, coerce_to_string=True)
    ci_low = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True, coerce_to_string=True)
    ci_high = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True, coerce_to_string=True)
    n = serializers.IntegerField()
    flagged = serializers.BooleanField()


class LeniencySerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    overall = DeviationSerializer()


class RoundAnalyticsSerializer(serializers.Serializer):
    round = serializers.IntegerField(source="round.pk")
    agreement_total = AgreementSerializer()
    agreement_by_dimension = AgreementSerializer(many=True)
    agreement = AgreementSerializer(many=True, help_text=_("各评估要素的评分一致性"))
    cv = CVGroupSerializer(many=True, help_text=_("差异系数"))
    elements = ElementRateSerializer(many=True, help_text=_("各评估要素得分率"))
    leniency = LeniencySerializer(many=True, allow_null=True, help_text=_("专家宽严度：仅管理员可见，其他角色为 null"))


class RecognitionEntrySerializer(serializers.Serializer):
    evaluation = serializers.IntegerField(source="evaluation_id")
    school = SchoolRefSerializer(source="evaluation.school")
    total = serializers.DecimalField(**MONEY)
    decision = serializers.CharField()
    decision_label = serializers.CharField(source="get_decision_display")
    withdrawn = serializers.BooleanField()


class RoundRecognitionSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    status = serializers.CharField(allow_null=True, help_text=_("名单状态；尚未拟定名单时为 null"))
    phase = serializers.CharField(allow_blank=True, help_text=_("当前阶段（中文）"))
    entries = serializers.IntegerField()
    proposed = serializers.IntegerField()
    recognized = serializers.IntegerField()
    schools = RecognitionEntrySerializer(many=True)


# ---------------------------------------------------------------- scorecards and scores


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_blank=True, help_text=_("字段路径，如 rows[0].code；空为整体错误"))
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = ErrorItemSerializer(many=True)


class ScoreItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    points = serializers.DecimalField(allow_null=True, **MONEY)
    note = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(help_text=_("保存时原样带回，用于冲突检查"))


class ScorecardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    evaluation = serializers.IntegerField(source="evaluation_id")
    school = SchoolRefSerializer(source="evaluation.school")
    round = RoundRefSerializer(source="evaluation.round")
    is_lead = serializers.BooleanField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    editable = serializers.BooleanField()


class ScorecardDetailSerializer(ScorecardSerializer):
    lock_reason = serializers.CharField(allow_null=True)
    totals = TotalsField()
    items = ScoreItemSerializer(many=True)


class ScoreInputSerializer(serializers.Serializer):
    points = serializers.CharField(allow_blank=True, allow_null=True, required=False, max_length=20,
                                   help_text=_("得分；空字符串表示清空为未评分"))
    note = serializers.CharField(allow_blank=True, allow_null=True, required=False, max_length=2000,
                                 trim_whitespace=False)
    version = serializers.IntegerField(min_value=0, help_text=_("上次读到的版本号（新评分为 0）"))


class ScoresSaveSerializer(serializers.Serializer):
    scores = serializers.DictField(child=ScoreInputSerializer(), allow_empty=False,
                                   help_text=_("以评估要素代码为键，如 {\"C1\": {\"points\": \"3\", \"version\": 0}}"))

    def validate_scores(self, value):
        if len(value) > 500:
            raise serializers.ValidationError(_("一次最多保存 500 项。"))
        return value


class SavedScoreSerializer(serializers.Serializer):
    points = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField()


class ConflictSerializer(SavedScoreSerializer):
    by = serializers.CharField(help_text=_("最后修改人"))
    message = serializers.CharField()


class ScoresSaveResultSerializer(serializers.Serializer):
    """The autosave's answer (evaluation.autosave): saved rows, refused values, conflicts, running totals."""

    saved = serializers.DictField(child=SavedScoreSerializer())
    errors = serializers.DictField(child=serializers.CharField())
    conflicts = serializers.DictField(child=ConflictSerializer(), help_text=_("版本冲突：服务器上的当前值"))
    totals = TotalsField()


class ScoresErrorSerializer(ScoresSaveResultSerializer):
    """409 (code conflict) or 400 (code invalid: errors as field paths, or another JSON error)."""

    saved = serializers.DictField(child=SavedScoreSerializer(), required=False)
    conflicts = serializers.DictField(child=ConflictSerializer(), required=False)
    totals = TotalsField(required=False)
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = ErrorItemSerializer(many=True)
