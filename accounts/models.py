from datetime import datetime
from datetime import timezone as dt_timezone

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


# password_changed_at of a password that must be changed at the next login (a reset, a one-time
# password): far enough in the past to be expired whatever PASSWORD_EXPIRY_DAYS says, even 0.
PASSWORD_EXPIRED_MARK = datetime(2000, 1, 1, tzinfo=dt_timezone.utc)


class User(AbstractUser):
    """A person using the system; roles are groups (see accounts.roles)."""

    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    organization = models.CharField(_("工作单位"), max_length=100, blank=True)
    # The district of the person's unit (工作单位所在区县). What an official may see is their
    # scope below, not this field.
    district = models.ForeignKey(
        "schools.District",
        verbose_name=_("单位所在区县"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officials",
    )
    # One field, two uses: a 学校（填报） account sees exactly this school (accounts.scopes.school_of);
    # an inspector who works at a school is never put on its panel (evaluation.recusal).
    school = models.ForeignKey(
        "schools.School",
        verbose_name=_("所在学校"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    expertise = models.CharField(
        _("专长/学科"), max_length=200, blank=True, help_text=_("多个标签用顿号或逗号分隔，如：语文、德育。")
    )
    # 教育局 scope (accounts.scopes): the whole city, or the listed districts; neither = nothing.
    scope_city_wide = models.BooleanField(_("查看范围：全市"), default=False)
    scope_districts = models.ManyToManyField(
        "schools.District", verbose_name=_("查看范围：区县"), blank=True, related_name="scoped_users"
    )
    # Maintained only by notifications.services (the bell in the top bar reads it without a query).
    unread_notifications = models.PositiveIntegerField(_("未读通知数"), default=0, editable=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # When the account last lost one of the three administrator roles (三权分立). For 90 days after,
    # a reset of its password or second factor still needs a second person (accounts.roles
    # .needs_second_person): otherwise strip the role, reset, give the role back.
    separated_role_removed_at = models.DateTimeField(_("最近取消管理员类角色的时间"), null=True, blank=True,
                                                     editable=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._password_at_load = self.password
        self._password_stamped = False

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self._password_stamped = True

    def expire_password(self) -> None:
        """Force a change at the next request (e.g. after a reset by the security admin)."""
        self.password_changed_at = PASSWORD_EXPIRED_MARK
        self._password_stamped = True

    def save(self, *args, **kwargs):
        # Every path that sets a password (forms, admin, createsuperuser — which assigns the
        # hash directly in Django 5 — imports) ends here, so the expiry clock always restarts.
        if self.password != self._password_at_load:
            if not self._password_stamped:
                self.password_changed_at = timezone.now()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "password" in update_fields:
                kwargs["update_fields"] = {*update_fields, "password_changed_at"}
        super().save(*args, **kwargs)
        self._password_at_load = self.password
        self._password_stamped = False

    @property
    def expertise_tags(self) -> list[str]:
        import re

        return [t for t in (x.strip() for x in re.split(r"[、,，;；]", self.expertise)) if t]

    def get_full_name(self):
        return self.name or super().get_full_name()
