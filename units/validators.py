"""Validation of QCVN 102:2016 agency identifier codes (mã định danh)."""
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# V1V2V3.Z1Z2.Y1Y2.X1X2X3, read right to left: X (level 1) is a letter and two characters
# (H41 = Nghệ An, G22 = Government Office), then level 2 (Y), level 3 (Z), level 4 (V).
# Unused levels are zeros. Lower levels are digits or capital letters in published lists.
UNIT_CODE_RE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}$")


def validate_unit_code(value: str) -> None:
    """Raise ValidationError unless ``value`` is a 13-character QCVN 102 code."""
    if not isinstance(value, str) or len(value) != 13 or not UNIT_CODE_RE.match(value):
        raise ValidationError(
            _("%(value)s is not a valid agency code: expected 13 characters as 000.00.00.H41."),
            code="invalid_unit_code",
            params={"value": value},
        )


def unit_code_level(code: str) -> int:
    """The level of a code: 1 for ``000.00.00.H41``, 2 for ``000.00.05.H41``, and so on."""
    v, z, y, _x = code.split(".")
    if int(v, 36):
        return 4
    if int(z, 36):
        return 3
    if int(y, 36):
        return 2
    return 1
