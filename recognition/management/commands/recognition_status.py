"""python manage.py recognition_status [--round ROUND] --format json|csv"""

from django.core.management.base import BaseCommand, CommandError

from accounts.scopes import CITY
from evaluation.selectors import RoundNotFound, round_resolve
from recognition.exports import status_csv, status_json
from recognition.selectors import list_entries, recognition_list_of


class Command(BaseCommand):
    help = "输出一个评估批次的认定情况：名单中每所学校的总分、拟认定意见、异议、是否认定、文号与有效期。"

    def add_arguments(self, parser):
        parser.add_argument("--round", default="", help="评估批次编号或名称（默认最近一个有定稿结果的批次）")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, **opts):
        try:
            round_obj = round_resolve(opts["round"], results=True)
        except RoundNotFound as exc:
            raise CommandError(str(exc)) from exc
        rlist = recognition_list_of(round=round_obj)
        if rlist is None:
            raise CommandError(f"评估批次“{round_obj.name}”还没有拟定认定名单。")
        entries = list(list_entries(rlist=rlist, scope=CITY))
        if opts["format"] == "json":
            self.stdout.write(status_json(rlist, entries))
        else:
            self.stdout.write(status_csv(entries), ending="")
