"""Xi'an's 11 districts, 2 counties and the development zones that run schools."""

from django.db import migrations

DISTRICTS = [
    ("610102", "新城区", "district"),
    ("610103", "碑林区", "district"),
    ("610104", "莲湖区", "district"),
    ("610111", "灞桥区", "district"),
    ("610112", "未央区", "district"),
    ("610113", "雁塔区", "district"),
    ("610114", "阎良区", "district"),
    ("610115", "临潼区", "district"),
    ("610116", "长安区", "district"),
    ("610117", "高陵区", "district"),
    ("610118", "鄠邑区", "district"),
    ("610122", "蓝田县", "county"),
    ("610124", "周至县", "county"),
    ("KF01", "西咸新区", "zone"),
    ("KF02", "高新区", "zone"),
    ("KF03", "经开区", "zone"),
    ("KF04", "曲江新区", "zone"),
    ("KF05", "浐灞生态区", "zone"),
    ("KF06", "国际港务区", "zone"),
    ("KF07", "航天基地", "zone"),
    ("KF08", "航空基地", "zone"),
]


def load(apps, schema_editor):
    District = apps.get_model("schools", "District")
    for order, (code, name, kind) in enumerate(DISTRICTS, start=1):
        District.objects.update_or_create(code=code, defaults={"name": name, "kind": kind, "order": order})


class Migration(migrations.Migration):
    dependencies = [("schools", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
