"""The district workbook (issue 17): the old openpyxl writer vs the XlsxWriter one, and XlsxWriter's
constant-memory mode writing the same cells with no styling (the issue's yardstick: at most 1.2×).

    .venv/bin/python bench/bench_xlsx.py            # 2,000 schools × 84 elements
    .venv/bin/python bench/bench_xlsx.py 300        # N schools

Uses a fresh SQLite file in a temp dir (or DATABASE_URL, recreated: never point it at real data).
Prints one line per writer and the ratios; exits 1 if the 1.2× target is missed.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

N = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 2000
sys.argv = sys.argv[:1]  # bench_reports reads its own options from argv
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_reports import build_round  # noqa: E402  (sets up Django on a scratch database)


def best(fn, repeat=3):
    """Fastest of `repeat` runs as (wall seconds, CPU seconds of this process), and the last result.
    The CPU time is what the ratio uses: on a shared machine the wall clock also counts other work."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return (min(walls), min(cpus)), result


def unstyled(detail_rows, tree) -> bytes:
    """The workbook's cells (summary, then one sheet per school), no formats, merges or print setup."""
    import xlsxwriter

    codes = [d.code for d in tree.dimensions]
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    ws = wb.add_worksheet("汇总")
    ws.write_row(0, 0, ["标题"])
    ws.write_row(1, 0, ["排名", "学校代码", "学校名称", "区县", "学段", "城乡类别", "状态", *codes, "总分", "达到", "区县内排名"])
    for i, r in enumerate(detail_rows, start=2):
        ws.write_row(i, 0, [r.rank, r.school.code, r.school.name, r.school.district.name, "小学", "城区", "已定稿",
                            *[float(r.dimensions[c]) for c in codes], float(r.total), "", r.district_rank])
    for r in detail_rows:
        ws = wb.add_worksheet(f"{r.rank}-{r.school.code}"[:28])
        rows = [["标题"], ["学校"], ["一级指标", "二级指标", "评估要素", "标准分", "评估方法", "得分"]]
        for dim in tree.dimensions:
            for ind in dim.indicators:
                for e in ind.elements:
                    p = r.element_points.get(e.id)
                    rows.append([dim.name, ind.text, e.text, float(e.points), dim.methods, None if p is None else float(p)])
            rows.append([dim.code, None, None, float(dim.points), None, float(r.dimensions[dim.code])])
        rows += [["总分", None, None, float(tree.points), None, float(r.total)], [], ["督导专家"], ["签字"], ["日期"]]
        for i, row in enumerate(rows):
            ws.write_row(i, 0, row)
    wb.close()
    return out.getvalue()


def main():
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    import xlsx_openpyxl_old as old
    from accounts import roles
    from accounts.models import User
    from reports import xlsx as new
    from reports.selectors import round_totals
    from rubric.models import RubricVersion
    from rubric.selectors import rubric_tree
    from schools.models import District, School

    call_command("migrate", verbosity=0)
    version = RubricVersion.objects.get(code="xian-2020")
    tree = rubric_tree(version=version)
    admin = User.objects.create_user("bench_admin", password="x")
    admin.groups.add(Group.objects.get_or_create(name=roles.ADMIN)[0])
    inspectors = [User.objects.create_user(f"bench_insp{i}", password="x", name=f"专家{i}") for i in range(3)]
    districts = District.objects.bulk_create(
        [District(code=f"61{i:04d}", name=f"测试区{i}", kind="district", order=i) for i in range(10)])
    schools = School.objects.bulk_create(
        [School(code=f"S{i:05d}", name=f"西安市测试第{i}学校", district=districts[i % 10], stage="primary",
                location="urban") for i in range(N)], batch_size=2000)
    rnd = build_round(f"基准批次{N}", schools, version, tree.elements, inspectors, admin)
    rows = round_totals(round=rnd, tree=tree, with_elements=True)
    names = {r.evaluation_id: ["专家0", "专家1", "专家2"] for r in rows}
    kw = dict(rows=rows, tree=tree, round_obj=rnd, title="基准", inspectors=names)

    repeat = 3 if N <= 500 else 2
    (w_old, t_old), data_old = best(lambda: old.district_workbook_xlsx(**kw), 1 if N > 500 else repeat)
    # The two measured for the ratio alternate, so a burst of other work on the machine hits both alike.
    runs = {"new": [], "base": []}
    for _ in range(repeat):
        runs["new"].append(best(lambda: new.district_workbook_xlsx(**kw), 1))
        runs["base"].append(best(lambda: unstyled(rows, tree), 1))
    w_new, t_new = min(r[0][0] for r in runs["new"]), min(r[0][1] for r in runs["new"])
    data_new = runs["new"][-1][1]
    w_base, t_base = min(r[0][0] for r in runs["base"]), min(r[0][1] for r in runs["base"])
    print(f"district workbook, {N} schools × {len(tree.elements)} elements (CPU s / wall s, best of {repeat}):", flush=True)
    print(f"  openpyxl (old, private openpyxl.worksheet._writer): {t_old:6.2f} / {w_old:6.2f}  {len(data_old) / 1e6:.1f} MB")
    print(f"  XlsxWriter constant-memory (new):                   {t_new:6.2f} / {w_new:6.2f}  {len(data_new) / 1e6:.1f} MB"
          f"  (new/old {t_new / t_old:.2f})")
    print(f"  XlsxWriter constant-memory, same cells unstyled:    {t_base:6.2f} / {w_base:6.2f}")
    ratio = t_new / t_base
    print(f"  new / unstyled = {ratio:.2f} (issue 17 target ≤ 1.2) {'OK' if ratio <= 1.2 else 'MISSED'}", flush=True)
    return 0 if ratio <= 1.2 else 1

if __name__ == "__main__":
    sys.exit(main())
