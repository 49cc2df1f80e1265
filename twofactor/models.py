from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SecondFactorLock(models.Model):
    """Wrong second-factor codes of one account, for the same lockout rule as passwords.

    Kept per account (not per address): whoever reaches this step already knows the password.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="second_factor_lock"
    )
    failures = models.PositiveSmallIntegerField(_("连续失败次数"), default=0)
    last_failure_at = models.DateTimeField(_("最近失败时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("二次验证锁定")
        verbose_name_plural = _("二次验证锁定")
