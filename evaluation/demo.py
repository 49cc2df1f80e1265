"""Deterministic, realistic demo data for `manage.py seed_demo`.

Everything random comes from one `random.Random(seed)`, and every collection is walked
in a fixed order, so the same seed gives the same schools, panels, scores and notes.
Rows are written directly with bulk_create (the scoring services come later and work one
scorecard at a time); they respect every model constraint: one lead per panel, scores
on the element's step between 0 and its points, final scores = consolidate() of the
inspectors' scores.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import Q
from django.test.utils import override_settings
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts import roles
from accounts.models import User
from rubric.models import Element, RubricVersion
from schools.models import District, School

from . import hooks, recusal
from .consolidation import consolidate
from .models import Evaluation, FinalScore, InspectorObservation, PanelOpinion, Round, Score, Scorecard, Transition

DEMO_ROUND_NAME = "2026年度西安市义务教育新优质学校评估"
RUBRIC_CODE = "xian-2020"
# Satisfies a strict policy: ≥8 characters with letters, digits and a symbol.
DEMO_PASSWORD = "Demo@2026"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: str
    district_name: str = ""
    organization: str = ""
    note: str = ""  # a school account: where its self-assessment stands

    @property
    def role_label(self) -> str:
        if self.role == roles.OFFICIAL:
            return f"{self.role}（{self.district_name or '全市'}）"
        if self.note:
            return f"{self.role}（{self.note}）"
        return self.role


ACCOUNTS = [
    DemoAccount("admin", "王建华", roles.ADMIN, organization="西安市教育局督导室"),
    DemoAccount("zhangmin", "张敏", roles.INSPECTOR, organization="西安市教育科学研究所"),
    DemoAccount("liqiang", "李强", roles.INSPECTOR, organization="碑林区教育局"),
    DemoAccount("chenjing", "陈静", roles.INSPECTOR, organization="西安市第八十五中学"),
    DemoAccount("liuyang", "刘洋", roles.INSPECTOR, organization="长安区教师进修学校"),
    DemoAccount("zhaoli", "赵丽", roles.INSPECTOR, organization="雁塔区教育局"),
    DemoAccount("sunhao", "孙浩", roles.INSPECTOR, organization="西安市教育督导评估中心"),
    DemoAccount("shijyj", "周海燕", roles.OFFICIAL, organization="西安市教育局"),
    DemoAccount("yantajyj", "马晓东", roles.OFFICIAL, district_name="雁塔区", organization="雁塔区教育局"),
    # 三权分立: role assignments and the audit log belong to two further people.
    DemoAccount("anquan", "郑安", roles.SECURITY_ADMIN, organization="西安市教育局信息中心"),
    DemoAccount("shenji", "冯审", roles.AUDITOR, organization="西安市教育局审计处"),
]
INSPECTOR_USERNAMES = [a.username for a in ACCOUNTS if a.role == roles.INSPECTOR]

# Central districts are all urban; counties have no 城区 schools (a county seat counts as 镇区).
# Weights are (城区, 镇区, 乡村); `share` is the district's weight among demo schools.
DISTRICT_PROFILES = {
    "新城区": dict(share=5, loc=(1, 0, 0), streets=["西一路", "后宰门", "东七路", "尚勤路", "韩森寨", "长乐坊", "自强路"]),
    "碑林区": dict(share=6, loc=(1, 0, 0), streets=["东关", "南关", "友谊路", "建国路", "大学南路", "互助路", "文艺路"]),
    "莲湖区": dict(share=6, loc=(1, 0, 0), streets=["桃园路", "西关", "劳动路", "远东", "红庙坡", "青年路", "枣园"]),
    "灞桥区": dict(share=4, loc=(5, 3, 2), streets=["纺织城", "十里铺", "灞桥"], towns=["席王街道", "洪庆街道", "狄寨街道", "新合街道"]),
    "未央区": dict(share=6, loc=(7, 2, 1), streets=["凤城", "大明宫", "辛家庙", "文景路", "太华路"], towns=["草滩街道", "汉城街道", "六村堡街道"]),
    "雁塔区": dict(share=8, loc=(9, 1, 0), streets=["小寨", "电子城", "长延堡", "吉祥村", "丈八沟", "西影路"], towns=["等驾坡街道", "鱼化寨街道"]),
    "阎良区": dict(share=2, loc=(4, 4, 2), streets=["凤凰路", "新华路"], towns=["振兴街道", "武屯街道", "关山街道", "北屯街道"]),
    "临潼区": dict(share=3, loc=(3, 4, 3), streets=["骊山", "华清路"], towns=["秦陵街道", "新丰街道", "相桥街道", "何寨街道", "代王街道"]),
    "长安区": dict(share=7, loc=(4, 4, 2), streets=["韦曲", "郭杜", "航天大道", "西长安街"], towns=["王曲街道", "滦镇街道", "子午街道", "太乙宫街道", "引镇街道", "杜曲街道"]),
    "高陵区": dict(share=2, loc=(3, 4, 3), streets=["鹿苑", "泾渭"], towns=["崇皇街道", "通远街道", "耿镇街道", "张卜街道"]),
    "鄠邑区": dict(share=3, loc=(3, 4, 3), streets=["甘亭", "画展街"], towns=["余下街道", "祖庵镇", "秦渡镇", "庞光街道", "涝店镇", "石井街道"]),
    "蓝田县": dict(share=3, loc=(0, 5, 5), towns=["蓝关街道", "华胥街道", "玉山镇", "汤峪镇", "焦岱镇", "辋川镇", "洩湖镇"]),
    "周至县": dict(share=3, loc=(0, 5, 5), towns=["二曲街道", "哑柏镇", "终南镇", "楼观镇", "马召镇", "集贤镇", "尚村镇"]),
    "西咸新区": dict(share=3, loc=(4, 4, 2), streets=["沣东", "沣西", "秦汉"], towns=["斗门街道", "王寺街道", "窑店街道", "底张街道"]),
    "高新区": dict(share=4, loc=(8, 2, 0), streets=["丈八", "锦业路", "唐延路", "科技路"], towns=["细柳街道", "兴隆街道"]),
    "经开区": dict(share=2, loc=(9, 1, 0), streets=["张家堡", "凤城八路", "文景"], towns=["泾渭街道"]),
    "曲江新区": dict(share=2, loc=(1, 0, 0), streets=["曲江", "雁南", "芙蓉"]),
    "浐灞生态区": dict(share=2, loc=(8, 2, 0), streets=["浐灞", "广运潭", "雁鸣湖"], towns=["灞桥街道"]),
    "国际港务区": dict(share=1, loc=(6, 4, 0), streets=["港务大道"], towns=["新筑街道"]),
    "航天基地": dict(share=1, loc=(1, 0, 0), streets=["航天", "神舟四路"]),
    "航空基地": dict(share=1, loc=(7, 3, 0), streets=["航空城"], towns=["新兴街道"]),
}
VILLAGES = [
    "东村", "西寨", "杨家庄", "李家湾", "王家堡", "南堡", "北坡", "柳树湾", "小王庄", "周家坡",
    "马家村", "新庄", "石桥", "张村", "东坡", "寨子", "何家营", "三合", "庙底", "河湾",
]
NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = [
    "建国", "文华", "秀兰", "志强", "海燕", "晓梅", "国庆", "丽娟", "永红", "明", "静", "敏", "伟", "芳", "军", "勇", "艳",
    "红梅", "卫东", "小军", "春燕", "建平", "桂英", "玉兰", "宏伟", "晓东", "亚萍", "雪", "涛", "婷", "俊杰", "瑞",
]
STAGE_WEIGHTS = ((School.Stage.PRIMARY, 6), (School.Stage.JUNIOR, 3), (School.Stage.NINE_YEAR, 1))
LOCATIONS = (School.Location.URBAN, School.Location.TOWN, School.Location.RURAL)

DEDUCTION_NOTES = [
    "相关制度文本齐全，但落实记录不完整，酌情扣分。",
    "佐证材料不够充分，近三年资料缺少 2023 年度部分。",
    "座谈中部分教师对此项工作知晓度不高。",
    "现场查看发现执行不到位，建议限期整改。",
    "有计划、有方案，但过程性记录较少，实效有待提升。",
    "数据未达到细则要求，需进一步改进。",
    "台账资料分类不清，查阅不便。",
    "与学生座谈反映，活动开展频次不足。",
]
PRAISE_NOTES = [
    "材料翔实，特色鲜明，在区域内有示范作用。",
    "现场查看情况良好，师生反映积极。",
    "工作扎实，成效显著。",
]
FINAL_NOTE = "专家组合议：取各专家评分平均值。"
# 评价意见 of the finalized demo schools: each part picked per school, deterministic for a seed.
OPINION_OVERALL = [
    "学校办学理念清晰，管理规范，教育教学质量稳步提升，整体达到新优质学校的基本要求。",
    "学校立足实际、内涵发展，师生精神面貌良好，家长和社区满意度较高。",
    "学校各项工作扎实有序，但部分方面与新优质学校标准尚有差距，需持续改进。",
]
OPINION_STRENGTHS = [
    "课程体系完整，校本课程特色鲜明；教师专业发展机制健全。",
    "德育活动丰富，学生综合素质评价落实到位；家校共育成效明显。",
    "课堂教学改革深入，信息技术与教学融合度高。",
]
OPINION_PROBLEMS = [
    "过程性评价记录不够完整，部分制度落实缺少佐证。",
    "青年教师培养梯队尚未形成，骨干教师比例偏低。",
    "课后服务内容较为单一，学生个性化发展需求满足不足。",
]
OPINION_SUGGESTIONS = [
    "完善校本评价体系，建立过程性评价台账。",
    "制定教师梯队培养计划，加强校际交流与名师引领。",
    "丰富课后服务课程，统筹校内外资源。",
]


# What seed_demo can serve; the command refuses anything else before writing. 2,000 schools is a
# large city (Xi'an has well over a thousand compulsory schools); school codes leave room for more.
MAX_SCHOOLS = 2000
MAX_SEED = 2**31 - 1
PANEL_SIZES = (2, 3, 3)  # drawn per school: two or three inspectors
PANEL_MAX = max(PANEL_SIZES)


class DemoDataExists(Exception):
    pass


class DemoPanelImpossible(Exception):
    """After 回避, fewer inspectors may sit on a school's panel than the panel needs."""

    def __init__(self, school: str, need: int):
        super().__init__(school)
        self.school, self.need = school, need


class DemoCodesTaken(Exception):
    """Schools outside the demo round already use codes the demo would create."""


def demo_round() -> Round | None:
    return Round.objects.filter(name=DEMO_ROUND_NAME).first()


def database_has_data() -> bool:
    """True when the database already holds schools or rounds (demo or real): --if-empty skips then."""
    return School.objects.exists() or Round.objects.exists()


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def accounts_ensure() -> list[DemoAccount]:
    """Create or refresh the demo accounts (password, name, role, district); returns their specs."""
    groups = {g.name: g for g in Group.objects.filter(name__in=roles.ALL_ROLES)}
    districts = {d.name: d for d in District.objects.filter(name__in=[a.district_name for a in ACCOUNTS if a.district_name])}
    now = timezone.now()
    validate_password(DEMO_PASSWORD)
    # One hash for all: PBKDF2 is deliberately slow and the password is printed anyway.
    hashed = make_password(DEMO_PASSWORD)
    for account in ACCOUNTS:
        user = User.objects.filter(username=account.username).first() or User(username=account.username)
        user.name = account.name
        user.organization = account.organization
        user.district = districts.get(account.district_name) if account.district_name else None
        user.is_active = True
        user.is_staff = account.role == roles.ADMIN
        validate_password(DEMO_PASSWORD, user)
        user.password = hashed
        user.password_changed_at = now
        user.full_clean(exclude=["password"])
        user.save()
        user.groups.set([groups[account.role]])
        # An official's scope: the district of their bureau, or the whole city.
        user.scope_city_wide = account.role == roles.OFFICIAL and not account.district_name
        user.save(update_fields=["scope_city_wide"])
        user.scope_districts.set([user.district] if account.role == roles.OFFICIAL and user.district else [])
    return ACCOUNTS


@dataclass
class DemoSummary:
    schools: int
    evaluations: int
    finalized: int
    in_progress: int
    not_started: int
    scores: int
    final_scores: int
    applications: dict | None = None  # 学校自评申报 by status (selfassessment.demo)


def _school_name(rng: random.Random, district: District, stage: str, location: str, used: set[str]) -> tuple[str, str]:
    """A plausible (name, address) for a school, never reusing a name."""
    profile = DISTRICT_PROFILES.get(district.name, {})
    streets = profile.get("streets") or profile.get("towns") or [district.name[:2]]
    towns = profile.get("towns") or streets
    is_county = district.kind == District.Kind.COUNTY
    city_prefix = "" if is_county else "西安市"
    suffix = {School.Stage.PRIMARY: "小学", School.Stage.JUNIOR: "初级中学", School.Stage.NINE_YEAR: "九年制学校"}[stage]
    for attempt in range(50):
        if location == School.Location.URBAN:
            street = rng.choice(streets)
            if stage == School.Stage.JUNIOR or rng.random() < 0.4:
                ordinal = NUMERALS[min(attempt, len(NUMERALS) - 1)] if attempt else rng.choice(NUMERALS[:8])
                base = "中学" if stage == School.Stage.JUNIOR else suffix
                name = f"{city_prefix}{district.name}第{ordinal}{base}"
            else:
                name = f"{city_prefix}{district.name}{street}{suffix}"
            address = f"西安市{district.name}{street}{rng.choice(['路', '街', '大道'])}{rng.randint(1, 299)}号"
        elif location == School.Location.TOWN:
            town = rng.choice(towns)
            kind = "中心小学" if stage == School.Stage.PRIMARY else suffix
            name = f"{district.name}{town}{kind}"
            address = f"西安市{district.name}{town}{rng.choice(['中心街', '府前路', '新街', '正街'])}{rng.randint(1, 120)}号"
        else:
            town = rng.choice(towns)
            village = rng.choice(VILLAGES)
            name = f"{district.name}{town}{village}{suffix}"
            address = f"西安市{district.name}{town}{village}"
        if name not in used:
            used.add(name)
            return name, address
    # A crowded district (hundreds of schools at a city's size): the first unused of a fixed list of
    # numbered names (at least 9,999 per district, stage and location), e.g. 西安市雁塔区第二十三小学.
    for name in _numbered_names(district, stage, location, city_prefix, streets, towns):
        if name not in used:
            used.add(name)
            return name, address
    raise AssertionError("unreachable below MAX_SCHOOLS")


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 23 → 二十三, 105 → 一百零五, 1010 → 一千零一十 (1 ≤ n ≤ 9999)."""
    digits = "零一二三四五六七八九"
    if not 1 <= n <= 9999:
        raise ValueError(n)
    if 10 <= n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero and out:
                out += "零"
            out += digits[digit] + unit
            zero = False
        else:
            zero = True
    return out


def _numbered_names(district: District, stage: str, location: str, city_prefix: str, streets: list[str],
                    towns: list[str]):
    """Numbered school names for one district, stage and location, in a fixed order."""
    suffix = {School.Stage.PRIMARY: "小学", School.Stage.JUNIOR: "初级中学", School.Stage.NINE_YEAR: "九年制学校"}[stage]
    if location == School.Location.URBAN:
        base = "中学" if stage == School.Stage.JUNIOR else suffix
        places = [f"{city_prefix}{district.name}第{{n}}{base}"] + [
            f"{city_prefix}{district.name}{street}第{{n}}{suffix}" for street in streets]
    elif location == School.Location.TOWN:
        places = [f"{district.name}{town}第{{n}}{suffix}" for town in towns]
    else:
        places = [f"{district.name}{town}{village}第{{n}}{suffix}" for town in towns for village in VILLAGES]
    for n in range(1, 10000):
        for pattern in places:
            yield pattern.format(n=chinese_numeral(n))


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs)
    return rng.choices(values, weights=weights, k=1)[0]


def build_schools(rng: random.Random, count: int, districts: list[District]) -> list[School]:
    """`count` unsaved schools spread over the districts by their share."""
    by_name = {d.name: d for d in districts}
    weighted = [(by_name[name], p["share"]) for name, p in DISTRICT_PROFILES.items() if name in by_name]
    # Every district with a profile gets a school before weights decide the rest.
    chosen = [d for d, _w in weighted][:count]
    while len(chosen) < count:
        chosen.append(_weighted(rng, weighted))
    chosen.sort(key=lambda d: (d.order, d.code))
    used: set[str] = set()
    seq: dict[str, int] = {}
    schools = []
    for district in chosen:
        profile = DISTRICT_PROFILES[district.name]
        location = _weighted(rng, zip(LOCATIONS, profile["loc"]))
        stage = _weighted(rng, STAGE_WEIGHTS)
        name, address = _school_name(rng, district, stage, location, used)
        seq[district.code] = seq.get(district.code, 0) + 1
        code = f"{district.code}{seq[district.code]:04d}"
        schools.append(
            School(code=code, name=name, district=district, stage=stage, location=location,
                   address=address, principal=_person(rng))
        )
    return schools


def _score_steps(rng: random.Random, element: Element, deficit: float) -> int:
    """How many steps below full marks a school stands on one element (the panel's shared view)."""
    steps = int(element.points / element.step)
    lost = sum(1 for _ in range(steps) if rng.random() < deficit)
    return steps - lost


# A couple of inspectors score with a consistent bias, so the analytics pages (评分一致性、专家宽严度)
# show something real: +1 scores one step above the panel's shared view on every other element (where
# full marks allow), −1 one step below; every other element keeps totals within a real range.
INSPECTOR_BIAS = {"liuyang": 1, "sunhao": -1}


def _biased(username: str, el_index: int, steps: int, max_steps: int) -> int:
    """An inspector's steps after their bias (INSPECTOR_BIAS), kept between 0 and full marks."""
    shift = INSPECTOR_BIAS.get(username, 0) if el_index % 2 == 0 else 0
    return min(max_steps, max(0, steps + shift))


def applicant_count(schools: int) -> int:
    """How many demo schools are still in 申报 (no evaluation yet): about one in seven, at least one."""
    return max(1, round(schools * 0.15))


def demo_reset() -> None:
    """Delete the demo round with its evaluations and the demo schools (accounts are kept, except
    the schools' own 学校（填报） accounts, which go with their schools)."""
    found = demo_round()
    if found is None:
        return
    from selfassessment.demo import reset_self_assessments

    applicant_ids = reset_self_assessments(round=found)
    school_ids = list(found.evaluations.values_list("school_id", flat=True)) + applicant_ids
    # The demo's score history is as fake as its scores: drop it too, and do not let
    # simple-history write one "deleted" record per demo score (thousands of inserts).
    card_ids = list(Scorecard.objects.filter(evaluation__round=found).values_list("pk", flat=True))
    eval_ids = list(found.evaluations.values_list("pk", flat=True))
    Score.history.filter(scorecard_id__in=card_ids).delete()
    FinalScore.history.filter(evaluation_id__in=eval_ids).delete()
    PanelOpinion.history.filter(evaluation_id__in=eval_ids).delete()
    InspectorObservation.history.filter(scorecard_id__in=card_ids).delete()
    hooks.demo_round_cleanup(found)  # e.g. a recognition list someone built on the demo round
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        Evaluation.objects.filter(round=found).delete()
    found.delete()
    # A school also evaluated (or applying) in another round is real data now: keep it. The demo
    # schools' own accounts go with them.
    gone = School.objects.filter(pk__in=school_ids).exclude(evaluations__isnull=False).exclude(
        self_assessments__isnull=False)
    User.objects.filter(school__in=gone, groups__name=roles.SCHOOL).delete()
    gone.delete()


@transaction.atomic
def seed_demo(*, schools: int = 60, seed: int = 2026, reset: bool = False) -> DemoSummary:
    """Create the demo accounts, schools, the open 2026 round with panels and scores."""
    if demo_round() is not None:
        if not reset:
            raise DemoDataExists(DEMO_ROUND_NAME)
        demo_reset()
    version = RubricVersion.objects.filter(code=RUBRIC_CODE, status=RubricVersion.Status.PUBLISHED).first()
    if version is None:
        raise LookupError(RUBRIC_CODE)
    rng = random.Random(seed)
    accounts_ensure()
    users = {u.username: u for u in User.objects.filter(username__in=[a.username for a in ACCOUNTS])}
    admin = users["admin"]
    inspectors = [users[name] for name in INSPECTOR_USERNAMES]
    usernames = {p.pk: p.username for p in inspectors}

    districts = list(District.objects.order_by("order", "code"))
    new_schools = build_schools(rng, schools, districts)
    clashes = list(School.objects.filter(code__in=[s.code for s in new_schools]).values_list("code", flat=True))
    if clashes:
        raise DemoCodesTaken("、".join(sorted(clashes)[:5]))
    for school in new_schools:
        school.full_clean(validate_unique=False)
    School.objects.bulk_create(new_schools)
    new_schools = list(School.objects.filter(code__in=[s.code for s in new_schools]).select_related("district")
                       .order_by("code"))

    # 申报 dates follow the day the demo is loaded, so its self-assessments can be filled and reviewed.
    today = timezone.localdate()
    round_obj = Round(
        name=DEMO_ROUND_NAME, year=2026, rubric_version=version, starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 31),
        status=Round.Status.OPEN, consolidation=Round.Consolidation.MEAN, pass_mark=Decimal("85"),
        self_assessment=True, apply_opens_on=today - timedelta(days=90), apply_closes_on=today + timedelta(days=14),
        district_review_closes_on=today + timedelta(days=28), visit_starts_on=today - timedelta(days=60),
        visit_ends_on=today + timedelta(days=60),
    )
    round_obj.full_clean()
    round_obj.save()
    elements = list(Element.objects.filter(version=version).order_by("order", "id"))

    # Shuffle once so finalized / in progress / not started are spread across districts.
    order = list(range(len(new_schools)))
    rng.shuffle(order)
    n_final = round(len(order) * 0.4)
    n_progress = round(len(order) * 0.35)
    state_of = {}
    for rank, index in enumerate(order):
        state_of[new_schools[index].code] = (
            "finalized" if rank < n_final else ("in_progress" if rank < n_final + n_progress else "not_started"))
    # A few schools still in 申报 (self-assessment, district review) have no evaluation yet: taken from
    # those not finalized, 雁塔区's first, so the demo's district official (yantajyj) has some to review.
    pool = [new_schools[index] for index in order[n_final:]]
    pool.sort(key=lambda school: school.district.name != "雁塔区")  # stable: keeps the shuffled order
    applicants = [school.code for school in pool[:applicant_count(len(order))]]

    Evaluation.objects.bulk_create([Evaluation(round=round_obj, school=s) for s in new_schools if s.code not in applicants])
    evaluations = list(Evaluation.objects.filter(round=round_obj).select_related("school").order_by("school__code"))
    now = timezone.now()

    panels: list[list[Scorecard]] = []
    all_cards: list[Scorecard] = []
    for ev in evaluations:
        size = rng.choice(PANEL_SIZES)
        # The demo respects 回避 like a real assignment (no one on their own unit's panel).
        allowed = [p for p in inspectors if not recusal.panel_conflicts(round=round_obj, schools=[ev.school], inspectors=[p])]
        if len(allowed) < size:
            raise DemoPanelImpossible(ev.school.name, size)  # the transaction rolls everything back
        members = rng.sample(allowed, size)
        cards = [Scorecard(evaluation=ev, inspector=person, is_lead=(i == 0)) for i, person in enumerate(members)]
        panels.append(cards)
        all_cards.extend(cards)
    Scorecard.objects.bulk_create(all_cards)
    # Re-read so every card has its pk on every database.
    by_key = {(c.evaluation_id, c.inspector_id): c for c in Scorecard.objects.filter(evaluation__round=round_obj)}
    panels = [[by_key[(c.evaluation.pk, c.inspector.pk)] for c in cards] for cards in panels]

    scores: list[Score] = []
    finals: list[FinalScore] = []
    transitions: list[Transition] = []
    cards_to_update: list[Scorecard] = []
    finalized_evals: list[Evaluation] = []
    summary = DemoSummary(len(new_schools), len(evaluations), 0, 0, 0, 0, 0)
    for ev, cards in zip(evaluations, panels):
        state = state_of[ev.school.code]
        lead = cards[0]
        transitions.append(Transition(evaluation=ev, action=Transition.Action.ASSIGN, by=admin))
        if state == "not_started":
            summary.not_started += 1
            continue
        deficit = rng.uniform(0.04, 0.3)  # this school's overall weakness
        per_element: dict[int, list[Decimal]] = {}
        for card in cards:
            if state == "finalized":
                scored = len(elements)
                submit = True
            else:
                submit = rng.random() < 0.35
                scored = len(elements) if submit else rng.choice((0, rng.randint(8, len(elements) - 1)))
            card_rng = random.Random(f"{seed}-{ev.school.code}")  # the panel's shared view of the school
            for el_index, element in enumerate(elements):
                base = _score_steps(card_rng, element, deficit)
                if el_index >= scored:
                    continue
                max_steps = int(element.points / element.step)
                steps = min(max_steps, max(0, base + rng.choice((-1, 0, 0, 0, 0, 1))))
                steps = _biased(usernames[card.inspector_id], el_index, steps, max_steps)
                points = (element.step * steps).quantize(Decimal("0.01"))
                note = ""
                if steps < max_steps and rng.random() < 0.3:
                    note = rng.choice(DEDUCTION_NOTES)
                elif steps == max_steps and rng.random() < 0.03:
                    note = rng.choice(PRAISE_NOTES)
                score = Score(scorecard=card, element=element, points=points, note=note, version=1,
                              updated_by=card.inspector)
                score._history_user = card.inspector
                scores.append(score)
                per_element.setdefault(element.pk, []).append(points)
            if submit:
                card.status = Scorecard.Status.SUBMITTED
                card.submitted_at = now - timedelta(days=rng.randint(1, 20))
                cards_to_update.append(card)
                transitions.append(Transition(evaluation=ev, scorecard=card, action=Transition.Action.SUBMIT, by=card.inspector))
        if state == "finalized":
            summary.finalized += 1
            for element in elements:
                final = FinalScore(
                    evaluation=ev, element=element,
                    points=consolidate(per_element[element.pk], round_obj.consolidation),
                    note=FINAL_NOTE, version=1, updated_by=lead.inspector,
                )
                final._history_user = lead.inspector
                finals.append(final)
            ev.status = Evaluation.Status.FINALIZED
            ev.finalized_by = lead.inspector
            ev.finalized_at = now - timedelta(hours=rng.randint(1, 20))
            finalized_evals.append(ev)
            transitions.append(Transition(evaluation=ev, action=Transition.Action.FINALIZE, by=lead.inspector))
        else:
            summary.in_progress += 1

    Scorecard.objects.bulk_update(cards_to_update, ["status", "submitted_at"], batch_size=500)
    Evaluation.objects.bulk_update(finalized_evals, ["status", "finalized_by", "finalized_at"], batch_size=500)
    bulk_create_with_history(scores, Score, batch_size=1000, default_change_reason="演示数据")
    bulk_create_with_history(finals, FinalScore, batch_size=1000, default_change_reason="演示数据")
    opinions = []
    for ev, cards in zip(evaluations, panels):
        if ev.status != Evaluation.Status.FINALIZED:
            continue
        pick = random.Random(f"{seed}-opinion-{ev.school.code}")  # its own stream: the scores stay as they were
        opinion = PanelOpinion(
            evaluation=ev, overall=pick.choice(OPINION_OVERALL), strengths=pick.choice(OPINION_STRENGTHS),
            problems=pick.choice(OPINION_PROBLEMS), suggestions=pick.choice(OPINION_SUGGESTIONS),
            version=1, updated_by=cards[0].inspector,
        )
        opinion._history_user = cards[0].inspector
        opinions.append(opinion)
    bulk_create_with_history(opinions, PanelOpinion, batch_size=500, default_change_reason="演示数据")
    Transition.objects.bulk_create(transitions, batch_size=1000)
    summary.scores = len(scores)
    summary.final_scores = len(finals)
    from rectification.demo import seed_rectification

    seed_rectification(round=round_obj)  # a couple of 整改事项 on finalized demo schools
    from surveys.demo import seed_surveys

    seed_surveys(round=round_obj, admin=admin)  # 满意度 campaigns with a few hundred answers
    from selfassessment.demo import seed_self_assessments

    summary.applications = seed_self_assessments(
        round=round_obj, evaluations=evaluations, applicants=[s for code in applicants for s in new_schools if s.code == code],
        elements=elements, seed=seed, admin=admin, official=users["yantajyj"], hashed_password=None,
    )
    return summary


def demo_accounts_present() -> list[DemoAccount]:
    """The demo accounts that exist in the database (for printing the logins)."""
    present = set(User.objects.filter(Q(username__in=[a.username for a in ACCOUNTS])).values_list("username", flat=True))
    return [a for a in ACCOUNTS if a.username in present] + school_demo_accounts()


def school_demo_accounts() -> list[DemoAccount]:
    """The demo schools' own accounts (学校（填报）), each with where its self-assessment stands."""
    from selfassessment.models import SelfAssessment

    found = demo_round()
    if found is None:
        return []
    status = {sa.school_id: sa.get_status_display()
              for sa in SelfAssessment.objects.filter(round=found)}
    users = User.objects.filter(groups__name=roles.SCHOOL, school_id__in=list(status)).select_related(
        "school__district").order_by("username")
    return [DemoAccount(u.username, u.school.name, roles.SCHOOL, district_name=u.school.district.name,
                        note=f"{u.school.district.name} · {status[u.school_id]}") for u in users]
