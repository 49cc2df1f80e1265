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


# zxcvbn is slow on very long inputs and a long password is not the weak one.
_ANALYSED_LENGTH = 64


def _name_inputs(user) -> list[str]:
    """Words an attacker knows about the account: username, name (and its pinyin), phone, e-mail."""
    if user is None:
        return []
    words = []
    for attr in ("username", "name", "phone", "organization", "email"):
        value = str(getattr(user, attr, "") or "").strip()
        if value:
            words.append(value)
            if attr == "email":
                words.append(value.split("@", 1)[0])
    name = str(getattr(user, "name", "") or "")
    if name and not name.isascii():
        from pypinyin import lazy_pinyin

        syllables = [s for s in lazy_pinyin(name) if s.isascii() and s.isalpha()]
        if syllables:
            # 张伟 → zhangwei, zhang, wei, weizhang, zw
            words += ["".join(syllables), *syllables, "".join(syllables[1:] + syllables[:1]),
                      "".join(s[0] for s in syllables)]
    return [w.lower() for w in words if w]


class PatternValidator:
    """Refuses guessable passwords: common ones and their variants (Passw0rd!), keyboard and
    alphabet runs (1qaz@WSX, Qwer1234!), and the holder's own names (zhangwei@1988).

    zxcvbn's lists (30,000 leaked passwords, names, words) with l33t and keyboard matching make
    Django's 20,000-entry exact-match list a larger one; `min_score` 3 of 4 is zxcvbn's "safely
    unguessable" for online attacks.
    """

    def __init__(self, min_score: int = 3):
        self.min_score = min_score

    def validate(self, password, user=None):
        from zxcvbn import zxcvbn

        result = zxcvbn(password[:_ANALYSED_LENGTH], user_inputs=_name_inputs(user))
        if result["score"] >= self.min_score:
            return
        patterns = {m["pattern"] for m in result["sequence"]}
        dictionaries = {m.get("dictionary_name") for m in result["sequence"] if m["pattern"] == "dictionary"}
        if "user_inputs" in dictionaries:
            reason = _("不能包含用户名、姓名（含拼音）、电话或单位。")
        elif "passwords" in dictionaries:
            reason = _("与常见口令相同或只是其变形（如把 o 写成 0、末尾加符号）。")
        elif "spatial" in patterns:
            reason = _("含键盘上连续的按键（如 qwer、1qaz）。")
        elif patterns & {"sequence", "repeat"}:
            reason = _("含连续或重复的字符（如 abcd、1234、aaaa）。")
        elif dictionaries & {"surnames", "male_names", "female_names"}:
            reason = _("主要由常见姓名组成。")
        else:
            reason = _("过于简单，容易被猜出。")
        raise ValidationError(
            _("密码容易被猜出：%(reason)s请使用不相关的单词、数字和符号组合。") % {"reason": reason},
            code="password_guessable",
        )

    def get_help_text(self):
        return _("不能使用常见口令及其变形、键盘连续按键或自己的姓名、用户名。")
