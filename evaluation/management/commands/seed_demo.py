"""python manage.py seed_demo [--schools N] [--seed S] [--if-empty] [--reset]

Loads deterministic demo data (same seed → same schools, panels and scores) and prints
the demo logins. Running it again is safe: it refuses while the demo round exists,
unless --reset (delete the demo round and its schools, then rebuild) or --if-empty
(do nothing when the database already holds schools or rounds, as bin/serve uses it).
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from evaluation import demo


class Command(BaseCommand):
    help = "载入演示数据（学校、账号、2026 年度评估批次、专家组和评分），并打印演示账号。"

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=60,
                            help=f"学校数量（默认 60，最多 {demo.MAX_SCHOOLS}）")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子（默认 2026；相同种子生成相同数据）")
        parser.add_argument("--if-empty", action="store_true", help="数据库中已有学校或评估批次时不做任何改动")
        parser.add_argument("--reset", action="store_true", help="删除已有的演示批次及其学校后重新生成")

    def handle(self, *args, **options):
        count = options["schools"]
        # Everything the command cannot serve is refused here, before anything is written.
        if not 1 <= count <= demo.MAX_SCHOOLS:
            raise CommandError(_("--schools 必须是 1 到 %(max)d 之间的整数（收到 %(got)d），未做任何改动。")
                               % {"max": demo.MAX_SCHOOLS, "got": count})
        if not 0 <= options["seed"] <= demo.MAX_SEED:
            raise CommandError(_("--seed 必须是 0 到 %(max)d 之间的整数（收到 %(got)d），未做任何改动。")
                               % {"max": demo.MAX_SEED, "got": options["seed"]})
        if len(demo.INSPECTOR_USERNAMES) < demo.PANEL_MAX:
            raise CommandError(_("演示督导专家只有 %(have)d 位，少于专家组的最多人数 %(need)d 位，无法组成专家组，未做任何改动。")
                               % {"have": len(demo.INSPECTOR_USERNAMES), "need": demo.PANEL_MAX})
        if options["if_empty"] and demo.database_has_data():
            self.stdout.write(_("数据库中已有数据，未载入演示数据。"))
            self._print_logins(demo.demo_accounts_present())
            return
        started = time.monotonic()
        try:
            summary = demo.seed_demo(schools=count, seed=options["seed"], reset=options["reset"])
        except demo.DemoDataExists as exc:
            raise CommandError(
                _("演示数据已存在（%(what)s）。如需重建请加 --reset；若只想在空库中载入请用 --if-empty。") % {"what": exc}
            ) from exc
        except demo.DemoCodesTaken as exc:
            raise CommandError(
                _("学校代码 %(codes)s 已被演示批次以外的数据使用，未做任何改动（可换用 --seed 或 --schools）。")
                % {"codes": exc}
            ) from exc
        except demo.DemoPanelImpossible as exc:
            raise CommandError(
                _("%(school)s 回避后可选的督导专家不足 %(need)d 位，无法组成专家组，未做任何改动。")
                % {"school": exc.school, "need": exc.need}
            ) from exc
        except LookupError as exc:
            raise CommandError(_("找不到已发布的评估细则“%(code)s”：请先运行 python manage.py migrate。") % {"code": exc}) from exc
        elapsed = time.monotonic() - started
        self.stdout.write(
            _(
                "已载入演示数据：学校 %(schools)d 所，评估 %(evaluations)d 项（已定稿 %(finalized)d，评估中 %(in_progress)d，"
                "未开始 %(not_started)d），评分 %(scores)d 条，最终得分 %(final_scores)d 条，用时 %(seconds)s 秒。"
            )
            % {**vars(summary), "seconds": f"{elapsed:.1f}"}
        )
        if summary.applications:
            from selfassessment.models import SelfAssessment

            self.stdout.write(_("学校自评申报：") + "，".join(
                f"{SelfAssessment.Status(status).label} {summary.applications[status]}"
                for status in SelfAssessment.Status.values if status in summary.applications) + "。")
        self._print_logins(demo.ACCOUNTS + demo.school_demo_accounts())

    def _print_logins(self, accounts):
        if not accounts:
            return
        rows = [(_("用户名"), _("密码"), _("角色"), _("姓名"))] + [
            (a.username, demo.DEMO_PASSWORD, a.role_label, a.name) for a in accounts
        ]
        # East Asian characters take two columns in a terminal.
        def width(text):
            return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

        widths = [max(width(r[i]) for r in rows) for i in range(4)]
        line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
        self.stdout.write(_("演示账号："))
        self.stdout.write(line)
        for n, row in enumerate(rows):
            self.stdout.write("| " + " | ".join(c + " " * (w - width(c)) for c, w in zip(row, widths)) + " |")
            if n == 0:
                self.stdout.write(line)
        self.stdout.write(line)
