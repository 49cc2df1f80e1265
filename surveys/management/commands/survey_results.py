"""Survey results of a round as JSON: per school and group, codes issued, responses, per item counts and the
satisfaction rate with its 95% Wilson interval (decimal strings)."""

import json

from django.core.management.base import BaseCommand, CommandError

from evaluation.models import Round
from surveys import selectors
from surveys.models import Campaign


class Command(BaseCommand):
    help = "输出一个评估批次的满意度调查结果（JSON）"

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, help="评估批次名称或编号")
        parser.add_argument("--school", help="学校代码（不填则为全部学校）")
        parser.add_argument("--format", choices=["json"], default="json")

    def handle(self, *args, **options):
        value = options["round"]
        rnd = Round.objects.filter(name=value).first() or (
            Round.objects.filter(pk=int(value)).first() if value.isdigit() else None)
        if rnd is None:
            raise CommandError(f"没有评估批次：{value}")
        campaigns = Campaign.objects.filter(round=rnd).select_related("round", "school__district").order_by(
            "school__district__order", "school__code")
        if options.get("school"):
            campaigns = campaigns.filter(school__code=options["school"])
            if not campaigns.exists():
                raise CommandError(f"学校 {options['school']} 在该批次没有满意度调查活动。")
        results = selectors.campaign_results(campaigns=campaigns)
        self.stdout.write(json.dumps(selectors.results_json(results), ensure_ascii=False, indent=2))
