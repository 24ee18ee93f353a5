"""Money as an integer count of minor units with a currency; formatting for screens and speech."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision
from num2words import num2words

# (major singular, major plural, minor singular, minor plural) for spoken English.
_EN_CURRENCY_NAMES: dict[str, tuple[str, str, str, str]] = {
    "USD": ("dollar", "dollars", "cent", "cents"),
    "GBP": ("pound", "pounds", "penny", "pence"),
    "EUR": ("euro", "euros", "cent", "cents"),
}
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


def currency_exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (USD 2, JPY 0)."""
    return int(get_currency_precision(currency))


@dataclass(frozen=True)
class Money:
    """An exact amount: ``minor`` units (cents for USD) of ``currency``."""

    minor: int
    currency: str = "USD"

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise TypeError(f"Money.minor must be an int, got {type(self.minor).__name__}")
        if not _CURRENCY_CODE.match(self.currency):
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")

    @classmethod
    def zero(cls, currency: str = "USD") -> Money:
        return cls(0, currency)

    @classmethod
    def from_decimal_str(cls, text: str, currency: str = "USD") -> Money:
        """Parse "45.50" exactly; more decimals than the currency allows is a ValueError."""
        try:
            value = Decimal(str(text).strip().replace(",", ""))
        except InvalidOperation as exc:
            raise ValueError(f"not an amount: {text!r}") from exc
        if not value.is_finite():
            raise ValueError(f"not an amount: {text!r}")
        scaled = value.scaleb(currency_exponent(currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"too many decimal places for {currency}: {text!r}")
        return cls(int(scaled), currency)

    def to_decimal(self) -> Decimal:
        """The amount in major units as an exact Decimal."""
        return Decimal(self.minor).scaleb(-currency_exponent(self.currency))

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.minor), self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor >= other.minor

    @property
    def is_positive(self) -> bool:
        return self.minor > 0

    @property
    def is_negative(self) -> bool:
        return self.minor < 0

    def __str__(self) -> str:
        return format_money(self)


def format_money(m: Money, locale: str = "en_US") -> str:
    """Locale-aware display form, e.g. "$1,250.00" or "-$50.00"."""
    return format_currency(m.to_decimal(), m.currency, locale=locale)


def _english_words(n: int) -> str:
    # num2words says "one thousand, two hundred and fifty"; American speech drops both.
    words = num2words(n, lang="en").replace(",", "")
    return " ".join(w for w in words.split() if w != "and")


def money_in_words(m: Money, lang: str = "en") -> str:
    """Words for speech: "one thousand two hundred fifty dollars", "ten dollars and five cents"."""
    exponent = currency_exponent(m.currency)
    major, minor = divmod(abs(m.minor), 10**exponent)
    sign = "minus " if m.minor < 0 else ""
    if not lang.lower().startswith("en"):
        try:  # the language's own words, its minus sign included
            return num2words(m.to_decimal(), lang=lang, to="currency", currency=m.currency)
        except (NotImplementedError, KeyError):
            pass  # fall back to English below
    one, many, sub_one, sub_many = _EN_CURRENCY_NAMES.get(
        m.currency, (m.currency, m.currency, "hundredth", "hundredths")
    )
    major_part = f"{_english_words(major)} {one if major == 1 else many}"
    if minor == 0:
        return sign + major_part
    minor_part = f"{_english_words(minor)} {sub_one if minor == 1 else sub_many}"
    if major == 0:
        return sign + minor_part
    return f"{sign}{major_part} and {minor_part}"
