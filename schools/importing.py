"""Turn an uploaded school list (xlsx or csv) into rows for `services.school_import`.

Only the file format is judged here (size, encoding, headers); the content of every row
is judged by the service, so the page and the `import_schools` command report the same
errors. Headers are matched by their Chinese names, wherever the columns stand.
"""

from __future__ import annotations

import csv
import io
import numbers
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from config.uploads import UploadRefused, check_xlsx_limits

# Columns of the import file: header → School field.
COLUMNS = {
    "学校代码": "code",
    "学校名称": "name",
    "所属区县": "district",
    "学段": "stage",
    "城乡类别": "location",
    "地址": "address",
    "校长": "principal",
}
REQUIRED_COLUMNS = ("学校代码", "学校名称", "所属区县", "学段", "城乡类别")

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# A title line above the header row is common in hand-made sheets.
HEADER_SEARCH_ROWS = 10


class SchoolFileError(ValueError):
    """The file cannot be read as a school list at all; `errors` are Chinese messages."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class SchoolRow:
    """One data row: its row number as the user sees it and the values by header."""

    number: int
    values: dict[str, str] = field(default_factory=dict)


def cell_text(value) -> str:
    """A cell as text; whole numbers typed into Excel (6101130001.0) lose the '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(value)
    if isinstance(value, numbers.Real):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        if number == number.to_integral_value():
            return format(number.quantize(Decimal("1")), "f")
        return format(number.normalize(), "f")
    # Full-width spaces (U+3000) come from Chinese input methods.
    return str(value).replace("\u3000", " ").strip()


def _normalise_header(value) -> str:
    return cell_text(value).replace(" ", "").replace("\ufeff", "")


def rows_from_table(table) -> list[SchoolRow]:
    """Find the header row, map columns by name, return the non-blank data rows.

    `table` yields sequences of cell values, first row = row 1.
    """
    header_map: dict[int, str] | None = None
    rows: list[SchoolRow] = []
    for number, raw in enumerate(table, start=1):
        cells = list(raw or ())
        if header_map is None:
            names = [_normalise_header(c) for c in cells]
            if "学校代码" in names:
                header_map = {}
                duplicates = sorted({n for n in names if n in COLUMNS and names.count(n) > 1})
                if duplicates:
                    raise SchoolFileError(
                        [_("第 %(row)d 行表头：列「%(col)s」出现了不止一次。") % {"row": number, "col": c} for c in duplicates]
                    )
                for index, name in enumerate(names):
                    if name in COLUMNS:
                        header_map[index] = name
                missing = [c for c in REQUIRED_COLUMNS if c not in header_map.values()]
                if missing:
                    raise SchoolFileError(
                        [_("表头缺少列「%(col)s」（第 %(row)d 行）。") % {"col": c, "row": number} for c in missing]
                    )
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        values = {name: cell_text(cells[i]) if i < len(cells) else "" for i, name in header_map.items()}
        if not any(values.values()):
            continue  # blank lines between blocks are harmless
        if len(rows) >= MAX_ROWS:
            raise SchoolFileError([_("文件行数过多：一次最多导入 %(max)d 所学校。") % {"max": MAX_ROWS}])
        rows.append(SchoolRow(number=number, values=values))
    if header_map is None:
        raise SchoolFileError(
            [_("找不到表头：请使用导入模板，第一行应包含「%(cols)s」等列。") % {"cols": "」「".join(REQUIRED_COLUMNS)}]
        )
    if not rows:
        raise SchoolFileError([_("文件中没有学校数据。")])
    return rows


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 as Excel in China saves it."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SchoolFileError([_("文件以 UTF-8 标记开头，但内容不是有效的 UTF-8 文本：请重新另存为 CSV（UTF-8）。")]) from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:  # an odd byte count or a lone surrogate: not UTF-16 text
            raise SchoolFileError([_("文件以 UTF-16 标记开头，但内容不是有效的 UTF-16 文本：请重新另存为 CSV（UTF-8）。")]) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise SchoolFileError([_("无法识别文件编码：请将 CSV 保存为 UTF-8 或 GB18030（GBK）编码。")]) from exc


def read_csv(data: bytes) -> list[SchoolRow]:
    text = decode_csv(data)
    if "\x00" in text:
        raise SchoolFileError([_("文件内容不是文本格式的 CSV。")])
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        return rows_from_table(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise SchoolFileError([_("CSV 格式错误：%(error)s") % {"error": exc}]) from exc


def read_xlsx(data: bytes) -> list[SchoolRow]:
    from openpyxl import load_workbook  # openpyxl parses with defusedxml when it is installed

    # An xlsx is a zip: refuse archives that would inflate far beyond any real school list.
    try:
        check_xlsx_limits(data)
    except UploadRefused as exc:
        if exc.code == "too_big":
            raise SchoolFileError([exc.message]) from exc
        raise SchoolFileError([_("无法读取该 Excel 文件：请上传 .xlsx 格式（旧版 .xls 请先另存为 .xlsx）。")]) from exc
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file; all mean "unreadable"
        raise SchoolFileError([_("无法读取该 Excel 文件：文件已损坏或不是有效的 .xlsx。")]) from exc
    try:
        sheet = workbook.worksheets[0]
        return rows_from_table(sheet.iter_rows(values_only=True))
    except SchoolFileError:
        raise
    except Exception as exc:  # read-only mode parses lazily: a bad sheet fails while iterating
        raise SchoolFileError([_("无法读取该 Excel 文件：文件已损坏或不是有效的 .xlsx。")]) from exc
    finally:
        workbook.close()


def read_school_file(*, name: str, data: bytes) -> list[SchoolRow]:
    """Rows of an uploaded .xlsx or .csv school list; SchoolFileError if it is unusable."""
    if len(data) > MAX_FILE_BYTES:
        raise SchoolFileError(
            [_("文件过大：最大 %(mb)d MB。") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}]
        )
    if not data:
        raise SchoolFileError([_("文件是空的。")])
    lower = name.lower()
    if lower.endswith(".xlsx") or data.startswith(b"PK\x03\x04"):
        return read_xlsx(data)
    if lower.endswith((".csv", ".txt")):
        return read_csv(data)
    raise SchoolFileError([_("不支持的文件类型：请上传 .xlsx 或 .csv 文件。")])
