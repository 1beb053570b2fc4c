"""Keyed pseudonyms of personal identifiers, so citizen IDs never leave the raw personal zone."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping

from core.errors import PersonalDataError

KEY_VARIABLE = "MTQG_PSEUDONYM_KEY"
# A domain tag per kind of identifier: the same digits used as another identifier hash apart.
_CITIZEN_ID_TAG = b"mtqg/citizen-id/v1:"


class Pseudonymiser:
    """HMAC-SHA256 pseudonyms under one secret key (Decree 13/2023/NĐ-CP: pseudonymise early)."""

    def __init__(self, key: bytes) -> None:
        if not key:
            raise PersonalDataError("the pseudonymisation key is empty")
        self._key = key

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Pseudonymiser:
        """The pseudonymiser keyed by `$MTQG_PSEUDONYM_KEY`; refuses to work without a key."""
        key = (os.environ if environ is None else environ).get(KEY_VARIABLE, "")
        if not key.strip():
            raise PersonalDataError(
                f"chưa có khóa bí danh hóa: đặt biến môi trường {KEY_VARIABLE} (một chuỗi bí mật "
                f'dài, ví dụ tạo bằng `python -c "import secrets; print(secrets.token_hex(32))"`)'
                f" / no pseudonymisation key: set the environment variable {KEY_VARIABLE} "
                "to a long secret string"
            )
        return cls(key.strip().encode("utf-8"))

    def __repr__(self) -> str:
        return "Pseudonymiser(key=<hidden>)"

    def citizen_id(self, raw: object) -> str:
        """The pseudonym of a CCCD (12 digits) or CMND (9 digits) number, however written."""
        return self._digest(_CITIZEN_ID_TAG, normalise_citizen_id(raw))

    def _digest(self, tag: bytes, value: str) -> str:
        return hmac.new(self._key, tag + value.encode("ascii"), hashlib.sha256).hexdigest()


def normalise_citizen_id(raw: object) -> str:
    """The digits of a citizen ID; raises without ever repeating the value."""
    if isinstance(raw, bool) or raw is None:
        raise PersonalDataError("số CCCD/CMND bị trống / the citizen ID is empty")
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not raw.is_integer():
            raise PersonalDataError(
                "số CCCD/CMND không phải dãy chữ số / the citizen ID is not a string of digits"
            )
        digits = str(int(raw))
        # A number cell drops the leading zero of IDs such as 001…, so put it back.
        if len(digits) in (11, 8):
            digits = "0" + digits
    else:
        digits = re.sub(r"[\s.\-‐–_/]", "", str(raw))
    if not digits:
        raise PersonalDataError("số CCCD/CMND bị trống / the citizen ID is empty")
    if not digits.isascii() or not digits.isdigit():
        raise PersonalDataError(
            "số CCCD/CMND có ký tự không phải chữ số / the citizen ID has characters other "
            "than digits"
        )
    if len(digits) not in (12, 9):
        raise PersonalDataError(
            f"số CCCD/CMND có {len(digits)} chữ số, cần 12 (CCCD) hoặc 9 (CMND) / the citizen "
            f"ID has {len(digits)} digits, expected 12 (CCCD) or 9 (CMND)"
        )
    return digits
