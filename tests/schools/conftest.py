import io

import pytest
from openpyxl import Workbook

HEADERS = ["学校代码", "学校名称", "所属区县", "学段", "城乡类别", "地址", "校长"]
GOOD_ROWS = [
    ["6101130001", "西安市雁塔区第二小学", "雁塔区", "小学", "城区", "西安市雁塔区小寨路 12 号", "刘芳"],
    ["6101160002", "长安区王曲街道中心小学", "长安区", "小学", "镇区", "西安市长安区王曲街道", "王建国"],
    ["6101240003", "周至县哑柏镇初级中学", "610124", "初中", "乡村", "", ""],
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The world fixture creates eight users per test; PBKDF2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_xlsx(rows, headers=HEADERS, *, title_row: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title_row:
        ws.append([title_row])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def make_csv(rows, headers=HEADERS, *, encoding="utf-8", bom=False, delimiter=",") -> bytes:
    lines = [delimiter.join(headers)] + [delimiter.join(str(c) for c in row) for row in rows]
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data
