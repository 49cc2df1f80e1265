"""Personal API tokens (API 令牌): a prefix to find the row, the SHA-256 of the secret to check it.

The full token (nqs_<prefix>_<secret>) is shown once when it is created and never stored.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("只读")
        WRITE = "write", _("读写")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("所属账号"), on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=16, unique=True)
    secret_hash = models.CharField(_("密钥摘要（SHA-256）"), max_length=64)
    scope = models.CharField(_("权限范围"), max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(_("创建时间"))
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("撤销人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name}（{self.prefix}）"

    @property
    def read_only(self) -> bool:
        return self.scope == self.Scope.READ

    def state(self, now) -> str:
        """有效 / 已过期 / 已撤销, for the pages."""
        if self.revoked_at is not None:
            return str(_("已撤销"))
        if self.expires_at <= now:
            return str(_("已过期"))
        return str(_("有效"))

    def is_usable(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now and self.user.is_active
