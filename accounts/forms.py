import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from schools.models import District

from . import roles as role_names

# Control and format characters (incl. bidi overrides) never belong in a name or a unit.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]")
# A cell starting like a formula is how spreadsheet injection begins; no real name does.
_FORMULA_START = ("=", "+", "-", "@", "＝", "＋", "－", "＠")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{4,28}$")


def clean_text(value: str, *, label: str, max_length: int) -> str:
    """A person's name, unit or tag list: one line, no control characters, no formula start."""
    value = (value or "").strip()
    if _CONTROL_RE.search(value):
        raise ValidationError(_("%(label)s含有控制字符或不可见字符。") % {"label": label}, code="control")
    if value.startswith(_FORMULA_START):
        raise ValidationError(_("%(label)s不能以 = + - @ 开头。") % {"label": label}, code="formula")
    if len(value) > max_length:
        raise ValidationError(_("%(label)s最多 %(n)s 个字符（现有 %(m)s 个）。") % {
            "label": label, "n": max_length, "m": len(value)}, code="max_length")
    return value


def clean_phone(value: str) -> str:
    value = (value or "").strip()
    if value and not _PHONE_RE.match(value):
        raise ValidationError(_("联系电话只能包含数字、空格、“-”和开头的“+”。"), code="phone")
    return value


def clean_username(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(_("请填写用户名。"), code="required")
    if len(value) > 150:
        raise ValidationError(_("用户名最多 150 个字符。"), code="max_length")
    try:
        UnicodeUsernameValidator()(value)
    except ValidationError:
        raise ValidationError(_("用户名只能包含字母、数字和 @ . + - _。"), code="username") from None
    return value


def school_by_code(value: str):
    """The school with this code (学校代码), None for an empty value; a Chinese error for an unknown one."""
    from schools.models import School

    value = (value or "").strip()
    if not value:
        return None
    if _CONTROL_RE.search(value):
        raise ValidationError(_("学校代码含有控制字符或不可见字符。"), code="control")
    school = School.objects.filter(code=value).first()
    if school is None:
        raise ValidationError(_("找不到学校代码“%(code)s”。") % {"code": value[:30]}, code="unknown_school")
    return school


class LoginForm(AuthenticationForm):
    """The stock form, with one message for a wrong username and a wrong password."""

    error_messages = {
        "invalid_login": _("用户名或密码错误。"),
        "inactive": _("该账号已停用，请联系管理员。"),
    }

    # max_length as a real validator (the stock form only sets the HTML attribute): an overlong
    # name must never reach authenticate(), whose lockout bookkeeping stores it in varchar(255).
    username = forms.CharField(
        label=_("用户名"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("密码"), strip=False, max_length=4096, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class RoleCheckboxes(forms.CheckboxSelectMultiple):
    """Role checkboxes; the three administrator roles are shown but cannot be ticked or cleared here."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if value in role_names.SEPARATED_ROLES:
            option["attrs"]["disabled"] = True
            option["attrs"]["aria-describedby"] = "id_roles_helptext"
        return option


SEPARATED_ROLES_HELP = _(
    "三权分立：管理员、安全管理员、审计管理员互斥，也不能兼任督导专家或教育局；学校（填报）账号不能兼任任何其他角色。这三个管理员角色不能在本页面或导入中授予或取消"
    "（否则一个人就能为自己造出一个管理员账号），须由运维人员在服务器上执行 manage.py user_roles … --by 执行人 "
    "--confirmed-by 另一名管理员，两人办理并记入审计。"
)


class AccountForm(forms.Form):
    """Create or edit an account: profile, roles, 教育局 scope, activation."""

    username = forms.CharField(label=_("用户名"), max_length=150)
    # Lengths are checked in clean_text, with the count in the message.
    name = forms.CharField(label=_("姓名"))
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    organization = forms.CharField(label=_("工作单位"), required=False)
    district = forms.ModelChoiceField(label=_("单位所在区县"), queryset=District.objects.none(), required=False,
                                      empty_label=_("（不在某一区县）"))
    school = forms.CharField(
        label=_("所在学校代码"), required=False, max_length=30,
        help_text=_("学校（填报）账号必填：该账号只能看到这所学校。督导专家在某所学校工作时也请填写，分配专家组时自动回避该校。"),
    )
    expertise = forms.CharField(label=_("专长/学科"), required=False,
                                help_text=_("多个标签用顿号或逗号分隔，如：语文、德育。"))
    roles = forms.MultipleChoiceField(label=_("角色"), required=False, widget=RoleCheckboxes, choices=(),
                                      help_text=SEPARATED_ROLES_HELP)
    scope_city_wide = forms.BooleanField(label=_("查看范围：全市"), required=False)
    scope_districts = forms.ModelMultipleChoiceField(
        label=_("查看范围：区县"), queryset=District.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("仅对教育局账号有效：选“全市”或一个或多个区县；都不选则看不到任何结果。"),
    )
    is_active = forms.BooleanField(label=_("账号启用"), required=False, initial=True)

    def __init__(self, *args, instance=None, by=None, **kwargs):
        self.instance = instance
        self.by = by  # who saves the form: nobody changes their own roles, activation or scope
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "username": instance.username, "name": instance.name, "phone": instance.phone,
                "organization": instance.organization, "district": instance.district_id,
                "expertise": instance.expertise, "is_active": instance.is_active,
                "school": instance.school.code if instance.school_id else "",
                "roles": list(instance.groups.filter(name__in=role_names.ALL_ROLES).values_list("name", flat=True)),
                "scope_city_wide": instance.scope_city_wide,
                "scope_districts": list(instance.scope_districts.values_list("pk", flat=True)),
            }
        super().__init__(*args, **kwargs)
        districts = District.objects.order_by("order", "code")
        self.fields["district"].queryset = districts
        self.fields["scope_districts"].queryset = districts
        self.fields["roles"].choices = [
            (name, _("%(role)s（仅限服务器上两人办理）") % {"role": name} if name in role_names.SEPARATED_ROLES else name)
            for name in role_names.ALL_ROLES
        ]

    def clean_username(self):
        from .models import User

        value = clean_username(self.cleaned_data["username"])
        clash = User.objects.filter(username__iexact=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("用户名“%(u)s”已被使用。") % {"u": value})
        return value

    def clean_name(self):
        return clean_text(self.cleaned_data["name"], label=_("姓名"), max_length=50)

    def clean_school(self):
        return school_by_code(self.cleaned_data["school"])

    def clean_organization(self):
        return clean_text(self.cleaned_data["organization"], label=_("工作单位"), max_length=100)

    def clean_expertise(self):
        return clean_text(self.cleaned_data["expertise"], label=_("专长/学科"), max_length=200)

    def clean_phone(self):
        from .models import User

        value = clean_phone(self.cleaned_data["phone"])
        if value:
            clash = User.objects.filter(phone=value)
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise ValidationError(_("联系电话“%(p)s”已属于另一个账号。") % {"p": value})
        return value

    def _held_separated(self) -> set[str]:
        if self.instance is None:
            return set()
        names = self.instance.groups.filter(name__in=role_names.SEPARATED_ROLES).values_list("name", flat=True)
        return set(names)

    def clean_roles(self):
        # The administrator roles' boxes are disabled, so a browser never sends them: what the
        # account holds of them is kept, and any attempt to add one is refused with the reason.
        held = self._held_separated()
        chosen = set(self.cleaned_data["roles"])
        granted = (chosen & set(role_names.SEPARATED_ROLES)) - held
        chosen = (chosen - set(role_names.SEPARATED_ROLES)) | held | granted
        self._wanted_roles = chosen
        superuser = bool(self.instance is not None and self.instance.is_superuser)
        errors = []
        try:
            role_names.check_role_set(chosen | ({role_names.ADMIN} if superuser else set()))
        except ValidationError as exc:
            errors.extend(exc.error_list)
        if granted:
            from .services import SEPARATED_ROLE_CHANGE_MESSAGE

            errors.append(ValidationError(SEPARATED_ROLE_CHANGE_MESSAGE % {
                "roles": "、".join(r for r in role_names.ALL_ROLES if r in granted),
                "username": self.data.get("username") or (self.instance.username if self.instance else "用户名"),
            }, code="separated_role"))
        if errors:
            raise ValidationError(errors)
        return [r for r in role_names.ALL_ROLES if r in chosen]

    def clean(self):
        data = super().clean()
        if data.get("scope_city_wide") and data.get("scope_districts"):
            self.add_error("scope_districts", _("查看范围选了“全市”就不要再选区县。"))
        if role_names.SCHOOL in (data.get("roles") or ()) and "school" in data and data["school"] is None:
            self.add_error("school", role_names.SCHOOL_WITHOUT_SCHOOL)
        wanted_roles = getattr(self, "_wanted_roles", None)
        if self.instance is not None and self.by is not None and wanted_roles is not None:
            from .services import SELF_CHANGE_MESSAGE, self_change_refused

            if self_change_refused(user=self.instance, by=self.by, role_names=wanted_roles,
                                   is_active=data.get("is_active", False),
                                   scope_city_wide=data.get("scope_city_wide", False),
                                   scope_districts=data.get("scope_districts") or ()):
                self.add_error(None, SELF_CHANGE_MESSAGE)
        return data

    def account_data(self):
        from .services import AccountData

        d = self.cleaned_data
        return AccountData(
            username=d["username"], name=d["name"], phone=d["phone"], organization=d["organization"],
            district=d["district"], expertise=d["expertise"], roles=tuple(d["roles"]), school=d["school"],
            scope_city_wide=d["scope_city_wide"], scope_districts=tuple(d["scope_districts"]),
            is_active=d["is_active"],
        )


class UserImportForm(forms.Form):
    file = forms.FileField(
        label=_("账号名单文件"), help_text=_("支持 .xlsx 或 .csv（UTF-8 或 GB18030 编码），最大 5 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={"required": _("请选择文件。")},
    )


class SchoolAccountsForm(forms.Form):
    """为学校批量生成填报账号: the ticked schools, or every school of one district, without an account yet."""

    SELECTED, DISTRICT = "selected", "district"

    action = forms.ChoiceField(choices=((SELECTED, _("选中的学校")), (DISTRICT, _("该区县全部学校"))))
    schools = forms.ModelMultipleChoiceField(label=_("学校"), queryset=None, required=False)
    district = forms.ModelChoiceField(label=_("区县"), queryset=District.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        from schools.models import School

        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = School.objects.select_related("district")
        self.fields["district"].queryset = District.objects.order_by("order", "code")

    def clean(self):
        from schools.models import School

        data = super().clean()
        if data.get("action") == self.DISTRICT:
            if not data.get("district"):
                self.add_error("district", _("请先选择区县。"))
            else:
                data["targets"] = list(School.objects.filter(district=data["district"]).select_related("district"))
        elif data.get("action") == self.SELECTED:
            if not data.get("schools"):
                self.add_error("schools", _("请至少选择一所学校。"))
            else:
                data["targets"] = list(data["schools"])
        return data
