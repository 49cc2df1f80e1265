"""Install the four default questionnaires (editable defaults, not official text) for a rubric version."""

from django.core.management.base import BaseCommand, CommandError

from rubric.models import RubricVersion
from surveys.services import questionnaire_defaults_install


class Command(BaseCommand):
    help = "安装学生、家长、教师、社区四份默认问卷模板（可编辑的示例，非官方文本）"

    def add_arguments(self, parser):
        parser.add_argument("--rubric", required=True, help="评估细则版本编号，例如 xian-2020")

    def handle(self, *args, **options):
        version = RubricVersion.objects.filter(code=options["rubric"]).first()
        if version is None:
            raise CommandError(f"没有评估细则版本 {options['rubric']}。")
        made = questionnaire_defaults_install(rubric_version=version)
        for q in made:
            self.stdout.write(f"{q.code} v{q.version}: {q.title}（{q.items.count()} 题）")
