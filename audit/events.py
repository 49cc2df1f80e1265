"""Chinese names of the audit events, for the auditors' viewer and export.

The event codes stay the stored, searchable identifiers; an unknown code (a new event not yet
named here) is shown as it is.
"""

from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "access.denied": _("越权访问被拒绝"),
    "audit.purge": _("清理过期审计记录"),
    "auth.lockout": _("账号锁定"),
    "auth.login": _("登录"),
    "auth.login_failed": _("登录失败"),
    "auth.logout": _("退出登录"),
    "auth.otp_failed": _("二次验证失败"),
    "auth.otp_lockout": _("二次验证锁定"),
    "auth.otp_verified": _("二次验证通过"),
    "auth.throttled": _("同一地址尝试过多账号被限制"),
    "backup.create": _("备份"),
    "backup.restore": _("恢复备份"),
    "evaluation.finalize": _("定稿"),
    "evaluation.reopen": _("重新打开评估"),
    "evidence.delete": _("删除佐证材料"),
    "evidence.download": _("下载佐证材料"),
    "evidence.upload": _("上传佐证材料"),
    "export.audit_xlsx": _("导出审计日志"),
    "export.pdf": _("导出 PDF"),
    "export.xlsx": _("导出 Excel"),
    "export.zip": _("下载批量评分表"),
    "export.zip.start": _("发起批量导出"),
    "final_score.change": _("修改最终得分"),
    "otp.enrol": _("启用双因素认证"),
    "otp.recovery_codes": _("生成恢复码"),
    "otp.reset": _("重置双因素认证"),
    "panel.assign": _("分配专家组"),
    "password.change": _("修改密码"),
    "password.set": _("密码被设置（非本人页面修改）"),
    "round.change": _("修改评估批次"),
    "round.create": _("新建评估批次"),
    "rubric.clone": _("复制细则版本"),
    "rubric.delete": _("删除细则草稿"),
    "rubric.denied": _("细则操作被拒绝"),  # older records; 403s are now all access.denied
    "rubric.export": _("导出细则"),
    "rubric.import": _("导入细则"),
    "rubric.publish": _("发布细则"),
    "rubric.retire": _("停用细则"),
    "rubric.update": _("修改细则"),
    "school.create": _("新增学校"),
    "school.import": _("导入学校"),
    "school.update": _("修改学校"),
    "score.change": _("修改评分"),
    "scorecard.download": _("下载评分表"),
    "scorecard.return": _("退回评分表"),
    "scorecard.submit": _("提交评分表"),
    "scorecard.upload": _("上传离线评分表"),
    "user.change": _("修改用户"),
    "user.create": _("新建用户"),
    "user.groups": _("调整用户角色（组）"),
    "user.import": _("导入账号"),
    "user.update": _("修改用户设置"),
    "user.password_reset": _("重置密码"),
    "user.roles": _("调整用户角色"),
}


def event_label(code: str) -> str:
    return str(EVENT_LABELS.get(code, code))
