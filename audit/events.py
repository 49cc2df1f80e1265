"""Chinese names of the audit events, for the auditors' viewer and export.

The event codes stay the stored, searchable identifiers; an unknown code (a new event not yet
named here) is shown as it is.
"""

from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "access.denied": _("越权访问被拒绝"),
    "api.ranking": _("通过开放接口读取排名"),
    "api_token.create": _("创建 API 令牌"),
    "api_token.refused": _("API 令牌被拒绝"),
    "api_token.revoke": _("撤销 API 令牌"),
    "api_token.use": _("使用 API 令牌（首次及每日首次）"),
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
    "calibration.create": _("新建校准评估"),
    "calibration.members_add": _("校准评估加入督导专家"),
    "calibration.reference": _("设置校准参考分"),
    "calibration.report": _("查看校准报告"),
    "evaluation.create": _("新建学校评估"),
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
    "export.xlsx.start": _("发起后台导出（Excel）"),
    "final_score.change": _("修改最终得分"),
    "observation.change": _("修改专家观察意见"),
    "opinion.change": _("修改评价意见"),
    "otp.enrol": _("启用双因素认证"),
    "recognition.build": _("拟定认定名单"),
    "recognition.refresh": _("刷新认定名单"),
    "recognition.decide": _("调整拟认定意见"),
    "recognition.publish": _("发布公示"),
    "recognition.objection_record": _("登记异议"),
    "recognition.objection_update": _("更新异议处理情况"),
    "recognition.objection_close": _("异议办结"),
    "recognition.conclude": _("完成认定"),
    "round.results_publish": _("向学校公布结果"),
    "round.results_withdraw": _("撤回向学校公布的结果"),
    "otp.recovery_codes": _("生成恢复码"),
    "otp.reset": _("重置双因素认证"),
    "panel.assign": _("分配专家组"),
    "panel.remove": _("移出专家组成员"),
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
    "self_assessment.admit": _("市级受理自评申报"),
    "self_assessment.decline": _("市级不予受理"),
    "self_assessment.download": _("下载自评表"),
    "self_assessment.nominate": _("区县提名申报学校"),
    "self_assessment.recommend": _("区县推荐自评申报"),
    "self_assessment.report": _("修改自评报告"),
    "self_assessment.return": _("区县退回自评申报"),
    "self_assessment.send_back": _("市级退回区县"),
    "self_assessment.submit": _("提交自评申报"),
    "self_assessment.upload": _("导入自评表"),
    "self_evidence.delete": _("删除自评佐证材料"),
    "self_evidence.download": _("下载自评佐证材料"),
    "self_evidence.upload": _("上传自评佐证材料"),
    "self_score.change": _("修改自评分"),
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
    "user.school_accounts": _("批量生成学校填报账号"),
}


def event_label(code: str) -> str:
    return str(EVENT_LABELS.get(code, code))


# Chinese names of the detail keys the app records; an unknown key is shown as it is.
DETAIL_LABELS = {
    "roles_before": _("角色（之前）"), "roles_after": _("角色（之后）"),
    "active_before": _("启用（之前）"), "active_after": _("启用（之后）"),
    "scope_before": _("查看范围（之前）"), "scope_after": _("查看范围（之后）"),
    "scope": _("查看范围"), "roles": _("持有角色"), "groups": _("角色组"), "action": _("操作"),
    "fields": _("修改字段"), "is_active": _("启用"), "is_superuser": _("超级用户"),
    "flagged": _("需重点关注"), "confirmed_by": _("确认人"), "one_time_password": _("已生成一次性密码"),
    "bootstrap": _("首次安装（尚无其他管理员可确认）"), "password_expired": _("下次登录须修改密码"),
    "was_enrolled": _("原已启用双因素认证"), "separated_role": _("须启用双因素认证的管理员类角色"),
    "status": _("HTTP 状态"), "method": _("请求方法"), "path": _("路径"), "view": _("页面"),
    "kind": _("类型"), "rows": _("行数"), "round": _("评估批次"), "district": _("区县"), "blank": _("空白表"),
    "element": _("评估要素"), "code": _("代码"), "errors": _("错误数"), "file": _("文件"), "filename": _("文件名"),
    "total": _("总数"), "reason": _("原因"), "note": _("备注"), "filters": _("筛选条件"), "created": _("新建"),
    "updated": _("更新"), "deleted": _("删除条数"), "before": _("截止日期"), "sha256": _("SHA-256"),
    "changes": _("修改内容"), "points": _("得分"), "version": _("版本"), "source": _("来源"), "format": _("格式"),
    "n": _("数量"), "count": _("数量"), "date_from": _("开始日期"), "date_to": _("结束日期"), "user": _("用户名"),
    "event": _("事件"), "outcome": _("结果"), "school": _("学校"), "inspector": _("督导专家"), "lead": _("组长"),
    "schools": _("学校"), "skipped": _("已有账号（跳过）"),
    "added": _("新增"), "removed": _("移除"), "opinion": _("初评意见"), "element_reasons": _("各要素的退回原因"),
    "missing": _("缺少"), "evaluation": _("学校评估"), "self_assessment": _("学校自评申报"), "applicants": _("可申报的学校"),
    "requirement": _("佐证要求"), "dimension": _("一级指标"), "opinions": _("含督导评估意见书"), "changed": _("更新"),
    "decision_before": _("拟认定意见（之前）"), "decision_after": _("拟认定意见（之后）"),
    "withdraw": _("撤出名单"), "received_on": _("收到日期"), "channel": _("渠道"), "document_no": _("认定文号"),
}
_ACTIONS = {"post_add": _("添加"), "post_remove": _("移除"), "post_clear": _("清空")}
_KIND = {"ranking": _("排名表"), "district_workbook": _("区县汇总工作簿"), "scoresheet": _("评分表"),
         "school_report": _("学校评估报告"), "opinion": _("督导评估意见书"),
         "notice": _("拟认定名单公示"), "certificate": _("认定证书"), "recognized_list": _("已认定学校名单")}
# Shown first, in this order: what a reader of a role change looks for.
_FIRST = ("roles_before", "roles_after", "scope_before", "scope_after", "active_before", "active_after")


def _value_text(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if key == "action":
        return str(_ACTIONS.get(value, value))
    if key == "kind":
        return str(_KIND.get(value, value))
    if isinstance(value, (list, tuple)):
        return "、".join(_value_text("", v) for v in value) if value else str(_("（无）"))
    if isinstance(value, dict):
        if set(value) == {"city_wide", "districts"}:  # an official's scope
            if value["city_wide"]:
                return str(_("全市"))
            return "、".join(value["districts"]) if value["districts"] else str(_("未设置"))
        return "；".join(f"{DETAIL_LABELS.get(k, k)}：{_value_text(k, v)}" for k, v in value.items())
    return str(value)


def detail_items(detail: dict) -> list[tuple[str, str]]:
    """The detail of an event as (Chinese label, readable value) pairs, role changes first."""
    if not isinstance(detail, dict):
        return [("", str(detail))] if detail else []
    keys = [k for k in _FIRST if k in detail] + sorted(k for k in detail if k not in _FIRST)
    return [(str(DETAIL_LABELS.get(k, k)), _value_text(k, detail[k])) for k in keys]


def detail_text(detail: dict) -> str:
    """The same as one line of text (for the export): 角色（之前）：督导专家；角色（之后）：…"""
    return "；".join(f"{label}：{value}" if label else value for label, value in detail_items(detail))


def event_codes_matching(text: str) -> list[str]:
    """Event codes whose Chinese name contains `text` (the viewer's filter: 评分 → score.change, …)."""
    return [code for code, label in EVENT_LABELS.items() if text and text in str(label)]
