"""python manage.py ranking --round ROUND [--include-in-progress] --format csv|json"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluation.selectors import RoundNotFound, round_resolve
from reports.exports import ranking_csv, ranking_json
from reports.selectors import round_totals
from rubric.selectors import rubric_tree


def _scoped(rows, username):
    """The rows the named account may see (accounts.scopes, as on the ranking page)."""
    from accounts import roles, scopes
    from accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"找不到用户：{username!r}")
    if not roles.can_view_results(user):
        raise CommandError(f"{username} 不能查看评估结果（须为教育局或管理员）。")
    if scopes.scope_missing(user):
        raise CommandError(scopes.NO_SCOPE_MESSAGE)
    return scopes.results_scope(user).filter_rows(rows)


class Command(BaseCommand):
    help = "输出一个评估批次的学校排名（CSV 或 JSON）。"

    def add_arguments(self, parser):
        parser.add_argument("--round", default="", help="评估批次编号或名称（默认最近有定稿结果的批次）")
        parser.add_argument("--include-in-progress", action="store_true", help="包含评估中的学校（暂定分数）")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("-o", "--output", default="", help="输出文件（默认标准输出）")
        parser.add_argument("--user", default="", help="按该账号的查看范围输出（如区县教育局账号只含本区县）")

    def handle(self, *args, **opts):
        try:
            round_obj = round_resolve(opts["round"], results=True)
        except RoundNotFound as exc:
            raise CommandError(str(exc)) from exc
        tree = rubric_tree(version=round_obj.rubric_version)
        rows = round_totals(round=round_obj, include_in_progress=opts["include_in_progress"], tree=tree)
        if opts.get("user"):
            rows = _scoped(rows, opts["user"])
        codes = [d.code for d in tree.dimensions]
        text = ranking_json(rows, codes) if opts["format"] == "json" else ranking_csv(rows, codes)
        if opts["output"]:
            Path(opts["output"]).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="" if text.endswith("\n") else "\n")
