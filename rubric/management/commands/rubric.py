"""`python manage.py rubric …`: scripted rubric administration beside the editor page.

    rubric list
    rubric export [--version CODE] --format json|xlsx [-o FILE]
    rubric import FILE
    rubric clone CODE --as NEWCODE [--name NAME]
    rubric set-points CODE ELEMENT POINTS [--step STEP]
    rubric set-text CODE ITEM TEXT
    rubric publish CODE
    rubric retire CODE
    rubric diff CODE1 CODE2

Every write goes through rubric.services; refusals go to stderr with a non-zero exit.
"""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubric import services
from rubric.models import Dimension, Element, Indicator, RubricVersion
from rubric.schema import RubricFormatError, format_points
from rubric.selectors import newest_published_version, rubric_compare, version_list_rows

CLI_REASON = gettext_lazy("命令行 manage.py rubric")


def _version(code: str) -> RubricVersion:
    found = RubricVersion.objects.filter(code=code).first()
    if found is None:
        raise CommandError(_("找不到细则版本“%(code)s”（用 `rubric list` 查看全部版本）。") % {"code": code})
    return found


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "\n".join(m for messages in exc.message_dict.values() for m in messages)
    return "\n".join(exc.messages)


class Command(BaseCommand):
    help = _("评估细则管理：导入、导出、复制、修改草稿、发布、停用、比较。")

    def add_arguments(self, parser):
        parser.add_argument("--user", help=_("记录为操作人的用户名（写入修改历史）"))
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        sub.add_parser("list", help=_("列出全部版本"))

        p = sub.add_parser("export", help=_("导出一个版本（默认：最新发布的版本）"))
        p.add_argument("--version", dest="code", help=_("版本代码"))
        p.add_argument("--format", choices=["json", "xlsx"], default="json")
        p.add_argument("-o", "--output", help=_("输出文件（json 默认输出到标准输出）"))

        p = sub.add_parser("import", help=_("从 JSON 或 xlsx 文件导入为新的草稿版本"))
        p.add_argument("file")

        p = sub.add_parser("clone", help=_("复制为新的草稿版本"))
        p.add_argument("code")
        p.add_argument("--as", dest="new_code", required=True)
        p.add_argument("--name", default="")

        p = sub.add_parser("set-points", help=_("修改草稿中一个评估要素的标准分"))
        p.add_argument("code")
        p.add_argument("element")
        p.add_argument("points")
        p.add_argument("--step", default=None)

        p = sub.add_parser("set-text", help=_("修改草稿中一个指标的内容（A 为名称）"))
        p.add_argument("code")
        p.add_argument("item")
        p.add_argument("text")

        p = sub.add_parser("publish", help=_("发布草稿（有问题时列出全部问题并失败）"))
        p.add_argument("code")

        p = sub.add_parser("retire", help=_("停用已发布版本（新批次不再可选）"))
        p.add_argument("code")

        p = sub.add_parser("diff", help=_("比较两个版本"))
        p.add_argument("code1")
        p.add_argument("code2")

    def handle(self, *args, action, **options):
        self.by = None
        if options.get("user"):
            self.by = get_user_model().objects.filter(username=options["user"]).first()
            if self.by is None:
                raise CommandError(_("找不到用户“%(user)s”。") % {"user": options['user']})
        try:
            getattr(self, "do_" + action.replace("-", "_"))(**options)
        except RubricFormatError as exc:
            raise CommandError(_("文件被拒绝，未写入任何内容：") + "\n" + "\n".join(exc.errors)) from None
        except services.RubricPublishRefused as exc:
            raise CommandError(
                _("无法发布：共 %(n)s 个问题。") % {"n": len(exc.problems)} + "\n" + "\n".join(p.message for p in exc.problems)
            ) from None
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from None

    def do_list(self, **options):
        head = (_("代码"), _("状态"), _("一级"), _("二级"), _("要素"), _("合计"), _("总分"), _("批次"), _("名称"))
        self.stdout.write("{:<20} {:<6} {:>4} {:>4} {:>4} {:>7} {:>7} {:>4}  {}".format(*head))
        for row in version_list_rows():
            v = row.version
            self.stdout.write(
                f"{v.code:<20} {v.get_status_display():<6} {row.dimensions:>4} {row.indicators:>4} {row.elements:>4} "
                f"{format_points(row.points):>7} {format_points(v.total):>7} {row.rounds:>4}  {v.name}"
            )

    def do_export(self, code=None, format="json", output=None, **options):
        version = _version(code) if code else newest_published_version()
        if version is None:
            raise CommandError(_("没有已发布的版本；请用 --version 指定版本代码。"))
        content = services.rubric_export(version=version, format=format, by=self.by)
        if output:
            Path(output).write_bytes(content)
            self.stderr.write(_("已导出 %(version_code)s 到 %(output)s") % {"version_code": version.code, "output": output})
        elif format == "xlsx":
            if sys.stdout.isatty():
                raise CommandError(_("xlsx 是二进制文件，请用 -o 指定输出文件。"))
            self.stdout.flush()
            sys.stdout.buffer.write(content)
        else:
            self.stdout.write(content.decode("utf-8"), ending="")

    def do_import(self, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("文件不存在：%(file)s") % {"file": file})
        version = services.rubric_import(content=path.read_bytes(), filename=path.name, by=self.by)
        self.stdout.write(_("已导入为草稿版本 %(version_code)s（%(version_name)s）。") % {"version_code": version.code, "version_name": version.name})

    def do_clone(self, code, new_code, name="", **options):
        new = services.rubric_clone(version=_version(code), code=new_code, name=name, by=self.by)
        self.stdout.write(_("已复制 %(code)s 为草稿版本 %(new_code)s。") % {"code": code, "new_code": new.code})

    def do_set_points(self, code, element, points, step=None, **options):
        version = _version(code)
        target = Element.objects.select_related("version").filter(version=version, code=element.upper()).first()
        if target is None:
            raise CommandError(_("版本 %(code)s 中没有评估要素 %(element)s。") % {"code": code, "element": element})
        try:
            value = Decimal(points)
            step_value = Decimal(step) if step is not None else None
        except InvalidOperation:
            raise CommandError(_("%(element)s：分值“%(points)s”不是有效数字。") % {"element": element, "points": points}) from None
        old = target.points
        services.element_update(element=target, points=value, step=step_value, by=self.by, reason=CLI_REASON)
        self.stdout.write(_("%(code)s %(target_code)s：标准分 %(format_points_old)s → %(format_points_target)s。") % {"code": code, "target_code": target.code, "format_points_old": format_points(old), "format_points_target": format_points(target.points)})
        problems = services.rubric_publish_problems(version=version)
        if problems:
            self.stdout.write(_("注意：该草稿目前有 %(n)s 个问题，发布前须修正：") % {"n": len(problems)})
            for p in problems:
                self.stdout.write("  " + p.message)

    def do_set_text(self, code, item, text, **options):
        version = _version(code)
        item = item.upper()
        kwargs = {"by": self.by, "reason": CLI_REASON}
        model = {"A": Dimension, "B": Indicator, "C": Element}.get(item[:1])
        target = model.objects.select_related("version").filter(version=version, code=item).first() if model else None
        if target is None:
            raise CommandError(_("版本 %(code)s 中没有编号为 %(item)s 的指标。") % {"code": code, "item": item})
        if model is Dimension:
            services.dimension_update(dimension=target, name=text, **kwargs)
        elif model is Indicator:
            services.indicator_update(indicator=target, text=text, **kwargs)
        else:
            services.element_update(element=target, text=text, **kwargs)
        self.stdout.write(_("%(code)s %(item)s：内容已更新。") % {"code": code, "item": item})

    def do_publish(self, code, **options):
        version = services.rubric_publish(version=_version(code), by=self.by)
        self.stdout.write(_("已发布 %(version_code)s。") % {"version_code": version.code})

    def do_retire(self, code, **options):
        version = services.rubric_retire(version=_version(code), by=self.by)
        self.stdout.write(_("已停用 %(version_code)s：新的评估批次不能再选择它。") % {"version_code": version.code})

    def do_diff(self, code1, code2, **options):
        changes = rubric_compare(old=_version(code1), new=_version(code2))
        if not changes:
            self.stdout.write(_("%(code1)s 与 %(code2)s 内容相同。") % {"code1": code1, "code2": code2})
            return
        labels = {"added": _("新增"), "removed": _("删除"), "changed": _("修改")}
        for c in changes:
            if c.kind == "changed":
                self.stdout.write(_("%(code)s\t%(kind)s\t%(field)s\t%(old)s → %(new)s") % {
                    "code": c.code or _("细则"), "kind": labels[c.kind], "field": c.field, "old": c.old, "new": c.new})
            else:
                self.stdout.write(f"{c.code}\t{labels[c.kind]}\t{c.old or c.new}")
