"""Password rules beyond Django's own validators (等保 2.0: 口令复杂度)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """Requires at least one letter, one digit and one symbol."""

    def validate(self, password, user=None):
        missing = []
        if not any(ch.isascii() and ch.isalpha() for ch in password):
            missing.append(_("字母"))
        if not any(ch.isdigit() for ch in password):
            missing.append(_("数字"))
        if not any(not ch.isalnum() and not ch.isspace() for ch in password):
            missing.append(_("符号"))
        if missing:
            raise ValidationError(
                _("密码必须同时包含字母、数字和符号（缺少：%(missing)s）。") % {"missing": "、".join(missing)},
                code="password_missing_character_class",
            )

    def get_help_text(self):
        return _("密码必须同时包含字母、数字和符号。")
