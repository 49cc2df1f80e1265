"""Bulk import of an expert pool (专家库) and other accounts from xlsx or csv.

All rows or none: every row is checked first (each problem named by row and column, in
Chinese), and only a file without any problem is written. A row updates the account with the
same username, or else the same phone; other rows create accounts with one-time passwords.
On an update, a blank optional cell keeps what the account has (a re-import of a short list
never wipes a unit, district or scope). Formula cells, and text starting like a formula
(= + - @, also full-width), are refused by cell: a formula's value is not in the file, and such
text would run when the list is next opened in a spreadsheet.
The page (accounts:user_import) and `manage.py import_users` call the same function.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schools.importing import cell_text, decode_csv
from schools.models import District

from . import roles
from .forms import _FORMULA_START, _PHONE_RE, clean_phone, clean_text, clean_username, school_by_code
from .models import User
from .services import AccountData, user_create, user_update

COLUMNS = ("用户名", "姓名", "联系电话", "工作单位", "单位所在区县", "专长/学科", "角色", "查看范围", "启用", "所在学校代码")
REQUIRED = ("用户名", "姓名")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_XLSX_UNCOMPRESSED = 50 * 1024 * 1024
HEADER_SEARCH_ROWS = 10
_SPLIT = re.compile(r"[、,，;；/\s]+")
_YES = {"", "是", "启用", "1", "y", "yes", "true"}
_NO = {"否", "停用", "0", "n", "no", "false"}


class UserImportError(ValueError):
    """The file is refused; `errors` are Chinese messages naming row and column."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class ImportResult:
    created: list[tuple[User, str]] = field(default_factory=list)  # (account, one-time password)
    updated: list[User] = field(default_factory=list)


def _cell_error(row: int, column: str, message) -> str:
    return _("第 %(row)d 行「%(col)s」：%(msg)s") % {"row": row, "col": column, "msg": message}


class FormulaCell(str):
    """A formula cell of an uploaded workbook (its text is empty: the result is not imported)."""

    def __new__(cls, formula):
        cell = super().__new__(cls, "")
        cell.formula = str(getattr(formula, "text", formula) or "")  # ArrayFormula keeps its text in .text
        return cell


def _cell_name(index: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(index + 1)}{row}"


def _table_rows(table) -> list[tuple[int, dict[str, str]]]:
    header: dict[int, str] | None = None
    rows = []
    for number, raw in enumerate(table, start=1):
        cells = list(raw or ())
        if header is None:
            names = [cell_text(c).replace(" ", "").replace("\ufeff", "") for c in cells]
            if "用户名" in names:
                twice = sorted({n for n in names if n in COLUMNS and names.count(n) > 1})
                if twice:
                    raise UserImportError([_("第 %(row)d 行表头：列「%(col)s」出现了不止一次。") % {"row": number, "col": c}
                                           for c in twice])
                header = {i: n for i, n in enumerate(names) if n in COLUMNS}
                missing = [c for c in REQUIRED if c not in header.values()]
                if missing:
                    raise UserImportError([_("表头缺少列「%(col)s」（第 %(row)d 行）。") % {"col": c, "row": number}
                                           for c in missing])
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        # values by column name; "_cells" names the spreadsheet cell (D2) of each filled one.
        values = {}
        for i, name in header.items():
            value = cells[i] if i < len(cells) else None
            values[name] = value if isinstance(value, FormulaCell) else cell_text(value)
            if isinstance(value, FormulaCell) or values[name]:
                values.setdefault("_cells", {})[name] = _cell_name(i, number)
        if "_cells" not in values:  # a blank row
            continue
        if len(rows) >= MAX_ROWS:
            raise UserImportError([_("文件行数过多：一次最多导入 %(n)d 个账号。") % {"n": MAX_ROWS}])
        rows.append((number, values))
    if header is None:
        raise UserImportError([_("找不到表头：请使用导入模板，表头应包含「%(c)s」等列。") % {"c": "」「".join(COLUMNS)}])
    if not rows:
        raise UserImportError([_("文件中没有账号数据。")])
    return rows


def read_rows(*, name: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(row number, values by header) of an uploaded .xlsx or .csv; UserImportError if unusable."""
    if not data:
        raise UserImportError([_("文件是空的。")])
    if len(data) > MAX_FILE_BYTES:
        raise UserImportError([_("文件过大：最大 %(mb)d MB。") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}])
    if data.startswith(b"PK\x03\x04") or name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if sum(m.file_size for m in archive.infolist()) > MAX_XLSX_UNCOMPRESSED:
                    raise UserImportError([_("Excel 文件解压后过大，已拒绝处理。")])
            # Not data_only: a formula must be seen as one (data_only reads it as its cached result,
            # empty in a file written by a program, so "=HYPERLINK(…)" would import as "").
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            try:
                return _table_rows(
                    [FormulaCell(c.value) if getattr(c, "data_type", None) == "f" else c.value for c in row]
                    for row in book.worksheets[0].iter_rows()
                )
            finally:
                book.close()
        except UserImportError:
            raise
        except Exception as exc:  # a damaged or foreign file fails in many ways; all mean "unreadable"
            raise UserImportError([_("无法读取该 Excel 文件：请上传有效的 .xlsx 文件。")]) from exc
    if name.lower().endswith((".csv", ".txt")):
        try:
            text = decode_csv(data)
        except Exception as exc:  # schools' decoder raises its own error type
            raise UserImportError([_("无法识别文件编码：请将 CSV 保存为 UTF-8 或 GB18030（GBK）编码。")]) from exc
        if "\x00" in text:
            raise UserImportError([_("文件内容不是文本格式的 CSV。")])
        first = text.split("\n", 1)[0]
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        try:
            return _table_rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise UserImportError([_("CSV 格式错误：%(e)s") % {"e": exc}]) from exc
    raise UserImportError([_("不支持的文件类型：请上传 .xlsx 或 .csv 文件。")])


def _formula_errors(number: int, values: dict, errors: list[str]) -> None:
    """Refuse formula cells and formula-like text by cell; the cell then counts as blank."""
    cells = values.get("_cells", {})
    for column in COLUMNS:
        value = values.get(column, "")
        where = cells.get(column, "")
        if isinstance(value, FormulaCell):
            errors.append(_cell_error(number, column, _(
                "单元格 %(cell)s 是公式（%(formula)s），导入只接受文字：请把它改成要导入的文字。") % {
                "cell": where, "formula": value.formula[:40]}))
        elif value.strip().startswith(_FORMULA_START) and not (column == "联系电话" and _PHONE_RE.match(value.strip())):
            # (A phone such as +86 138… is digits only and stays.)
            errors.append(_cell_error(number, column, _(
                "单元格 %(cell)s 以 = + - @ 开头，会被电子表格当作公式执行，不能导入。") % {"cell": where}))
        else:
            continue
        values[column] = ""


def _parse_row(number, values, *, districts, by, seen_usernames, seen_phones, errors) -> tuple[AccountData, User | None] | None:
    bad = len(errors)
    values = dict(values)
    _formula_errors(number, values, errors)

    def field_value(column, cleaner):
        try:
            return cleaner(values.get(column, ""))
        except ValidationError as exc:
            errors.append(_cell_error(number, column, exc.messages[0]))
            return ""

    username = field_value("用户名", clean_username)
    name = field_value("姓名", lambda v: clean_text(v, label=_("姓名"), max_length=50))
    if not name and len(errors) == bad:
        errors.append(_cell_error(number, "姓名", _("请填写姓名。")))
    phone = field_value("联系电话", clean_phone)
    organization = field_value("工作单位", lambda v: clean_text(v, label=_("工作单位"), max_length=100))
    expertise = field_value("专长/学科", lambda v: clean_text(v, label=_("专长/学科"), max_length=200))
    district = None
    district_text = values.get("单位所在区县", "").strip()
    if district_text:
        district = districts.get(district_text)
        if district is None:
            errors.append(_cell_error(number, "单位所在区县", _("找不到区县“%(d)s”。") % {"d": district_text[:30]}))
    role_text = values.get("角色", "").strip()
    role_names = [r for r in _SPLIT.split(role_text) if r]
    unknown = [r for r in role_names if r not in roles.ALL_ROLES]
    if unknown:
        errors.append(_cell_error(number, "角色", _("未知角色“%(r)s”（可填：督导专家、教育局、学校（填报））。") % {
            "r": "、".join(unknown)[:40]}))
    separated = [r for r in role_names if r in roles.SEPARATED_ROLES]
    if separated:
        # The three administrator roles are given only on the server, with a second person.
        errors.append(_cell_error(number, "角色", _("导入不能授予%(r)s角色：须由运维人员在服务器上两人办理"
                                                   "（manage.py user_roles --confirmed-by）。") % {
            "r": "、".join(separated)}))
    scope_text = values.get("查看范围", "").strip()
    city_wide, scope_districts = False, []
    if scope_text == "全市":
        city_wide = True
    elif scope_text:
        for item in (x for x in _SPLIT.split(scope_text) if x):
            found = districts.get(item)
            if found is None:
                errors.append(_cell_error(number, "查看范围", _("找不到区县“%(d)s”（或填“全市”）。") % {"d": item[:30]}))
            else:
                scope_districts.append(found)
    school = None
    try:
        school = school_by_code(values.get("所在学校代码", ""))
    except ValidationError as exc:
        errors.append(_cell_error(number, "所在学校代码", exc.messages[0]))
    active_text = values.get("启用", "").strip().lower()
    if active_text not in _YES | _NO:
        errors.append(_cell_error(number, "启用", _("请填“是”或“否”。")))
    if username:
        key = username.lower()
        if key in seen_usernames:
            errors.append(_cell_error(number, "用户名", _("与第 %(r)d 行重复。") % {"r": seen_usernames[key]}))
        seen_usernames.setdefault(key, number)
    if phone:
        if phone in seen_phones:
            errors.append(_cell_error(number, "联系电话", _("与第 %(r)d 行重复。") % {"r": seen_phones[phone]}))
        seen_phones.setdefault(phone, number)
    if len(errors) > bad:
        return None
    existing = User.objects.filter(username__iexact=username).first()
    if existing is None and phone:
        matches = list(User.objects.filter(phone=phone)[:2])
        if len(matches) > 1:
            errors.append(_cell_error(number, "联系电话", _("有多个账号使用这个电话，无法确定更新哪一个。")))
            return None
        existing = matches[0] if matches else None
    if existing is not None:
        if existing.pk == by.pk:
            errors.append(_cell_error(number, "用户名", _("不能通过导入修改自己的账号。")))
            return None
        if roles.is_separated(roles.held_roles(existing)):
            errors.append(_cell_error(number, "用户名", _("账号“%(u)s”持有管理员类角色，不能通过导入修改。") % {
                "u": existing.username}))
            return None
        if existing.username.lower() != username.lower():
            clash = User.objects.filter(username__iexact=username).exclude(pk=existing.pk).exists()
            if clash:
                errors.append(_cell_error(number, "用户名", _("用户名“%(u)s”已被另一个账号使用。") % {"u": username}))
                return None
        # A blank optional cell keeps what the account has; only a filled cell changes it.
        phone = phone or existing.phone
        organization = organization or existing.organization
        expertise = expertise or existing.expertise
        if not district_text:
            district = existing.district
        if not role_text:
            role_names = sorted(roles.held_roles(existing) & {*roles.BUSINESS_ROLES, roles.SCHOOL})
        if not values.get("所在学校代码", "").strip():
            school = existing.school  # blank or no column (older template): keep the account's school
        if not scope_text:
            city_wide = existing.scope_city_wide
            scope_districts = list(existing.scope_districts.all())
        is_active = existing.is_active if not active_text else active_text not in _NO
    else:
        role_names = role_names or [roles.INSPECTOR]
        is_active = active_text not in _NO
    if scope_text and roles.OFFICIAL not in role_names:
        errors.append(_cell_error(number, "查看范围", _("只有教育局账号有查看范围。")))
    if school is None and roles.SCHOOL in role_names:
        errors.append(_cell_error(number, "所在学校代码", roles.SCHOOL_WITHOUT_SCHOOL))
    if len(errors) > bad:
        return None
    try:
        roles.check_role_set(role_names)
    except ValidationError as exc:
        errors.append(_cell_error(number, "角色", exc.messages[0]))
        return None
    data = AccountData(
        username=username, name=name, phone=phone, organization=organization, district=district,
        expertise=expertise, roles=tuple(role_names), school=school, scope_city_wide=city_wide,
        scope_districts=tuple(scope_districts), is_active=is_active,
    )
    return data, existing


def users_import(*, file=None, name: str = "", data: bytes | None = None, by: User, request=None) -> ImportResult:
    """Check every row, then create or update all accounts in one transaction (or none)."""
    if file is not None:
        name, data = file.name, file.read()
    rows = read_rows(name=name, data=data or b"")
    districts = {}
    for d in District.objects.all():
        districts[d.name] = d
        districts[d.code] = d
    errors: list[str] = []
    parsed = []
    seen_usernames: dict[str, int] = {}
    seen_phones: dict[str, int] = {}
    for number, values in rows:
        item = _parse_row(number, values, districts=districts, by=by, seen_usernames=seen_usernames,
                          seen_phones=seen_phones, errors=errors)
        if item is not None:
            parsed.append((number, item))
    if errors:
        raise UserImportError(errors)
    result = ImportResult()
    with transaction.atomic():
        for number, (account, existing) in parsed:
            try:
                if existing is None:
                    result.created.append(user_create(data=account, by=by, request=request))
                else:
                    result.updated.append(user_update(user=existing, data=account, by=by, request=request))
            except ValidationError as exc:  # anything the row checks did not foresee still names its row
                errors.append(_cell_error(number, "用户名", "；".join(exc.messages)))
        if errors:
            transaction.set_rollback(True)
            raise UserImportError(errors)
    from audit.services import audit_record

    audit_record(event="user.import", request=request, user=by, created=len(result.created),
                 updated=len(result.updated))
    return result


def template_xlsx() -> bytes:
    """The import template: the header row, one example row, and the district names."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("专家库")
    sheet.append(list(COLUMNS))
    sheet.append(["zhangsan", "张三", "13800000000", "西安市第一中学", "雁塔区", "语文、德育", "督导专家", "", "是", ""])
    for column, width in zip("ABCDEFGHIJ", (14, 10, 16, 24, 14, 18, 14, 20, 8, 16)):
        sheet.column_dimensions[column].width = width
    notes = book.create_sheet(_("说明"))
    for line in (
        _("每行一个账号；用户名相同（或电话相同）的已有账号会被更新，其余新建并生成一次性密码。"),
        _("更新已有账号时，空白的单元格保留原有内容（不会清空工作单位、区县、角色、查看范围等）；要清空某项请在“用户与角色”页面修改。"),
        _("单元格只填文字：公式（如 =HYPERLINK(…)）和以 = + - @ 开头的内容不能导入（电话可用 +86 开头）。"),
        _("角色：督导专家（新账号默认）、教育局，可同时填写，用顿号分隔；管理员类角色不能导入。"),
        _("查看范围：仅教育局填写，“全市”或一个或多个区县名称（顿号分隔）。"),
        _("启用：是/否，默认是。任何一行有错误则全部不导入。"),
        _("所在学校代码：学校（填报）账号必填（该账号只能看到这所学校）；督导专家在某所学校工作时也可填写，分配专家组时自动回避该校。"),
        _("学校（填报）账号不能兼任其他角色；为多所学校建立填报账号也可在“用户与角色 → 为学校批量生成填报账号”中完成。"),
        _("区县名称："),
        *[f"{d.name}（{d.code}）" for d in District.objects.order_by("order", "code")],
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 90
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
