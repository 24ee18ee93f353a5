"""Who a warning is for: everyone, or segments of the customers' profile.

An :class:`Audience` is everyone, or segments: age bands (from the birth date; a customer
without one is in no band), regions, preferred channels, languages (from the locale) and
whether the customer has an active family helper. Within a segment any value matches; every
segment chosen must match. It is stored as JSON on the broadcast (:meth:`Audience.as_json`) and
asked two ways that always agree: :meth:`Audience.clause` selects the matching customers in SQL
(the fan-out, in customer-id order), :meth:`Audience.matches` decides for one customer's
:class:`Profile` (the conversation opener, the web banner).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from sqlalchemy import and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from assistant.models import Customer
from family.links.models import HelperLink

UNDER_60, FROM_60_TO_74, FROM_75 = "under_60", "60_to_74", "75_and_over"
AGE_BANDS: Tuple[str, ...] = (UNDER_60, FROM_60_TO_74, FROM_75)
CHANNELS: Tuple[str, ...] = ("web", "sms", "voice")
SEGMENTS: Tuple[str, ...] = ("age_bands", "regions", "channels", "languages", "has_helper")


@dataclass(frozen=True)
class Profile:
    """What an audience is decided on, for one customer."""

    customer_id: int
    birth_date: Optional[date]
    region: str
    channel: str
    locale: str
    has_helper: bool


def age_on(birth_date: date, today: date) -> int:
    """Whole years from ``birth_date`` to ``today``."""
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


def age_band(birth_date: Optional[date], today: date) -> Optional[str]:
    """The band of someone born on ``birth_date`` (None: no birth date, no band)."""
    if birth_date is None:
        return None
    age = age_on(birth_date, today)
    if age < 60:
        return UNDER_60
    return FROM_60_TO_74 if age < 75 else FROM_75


def language_of_locale(locale: str) -> str:
    """The language part of a locale: "en_US" -> "en", "pt-BR" -> "pt"."""
    return locale.replace("-", "_").split("_")[0].strip().lower()


def _years_before(today: date, years: int) -> date:
    """The day ``years`` before ``today`` (February 29 falls back to the 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def _clean(values: Iterable[Any]) -> Tuple[str, ...]:
    """Strings stripped, empty ones dropped, each once, in the order given."""
    seen: List[str] = []
    for value in values or ():
        text = str(value).strip()
        if text and text not in seen:
            seen.append(text)
    return tuple(seen)


@dataclass(frozen=True)
class Audience:
    """Everyone, or the customers in every chosen segment (an empty segment is not chosen).

    ``has_helper`` None is not chosen; True or False picks customers with or without an active
    family helper. An audience with nothing chosen is empty (a warning needs one).
    """

    everyone: bool = False
    age_bands: Tuple[str, ...] = ()
    regions: Tuple[str, ...] = ()
    channels: Tuple[str, ...] = ()
    languages: Tuple[str, ...] = ()
    has_helper: Optional[bool] = None

    @classmethod
    def of(
        cls,
        *,
        everyone: bool = False,
        age_bands: Iterable[str] = (),
        regions: Iterable[str] = (),
        channels: Iterable[str] = (),
        languages: Iterable[str] = (),
        has_helper: Optional[bool] = None,
    ) -> Audience:
        """An audience from loose values (stripped, each once; languages and channels lower
        case)."""
        return cls(
            everyone=bool(everyone),
            age_bands=_clean(age_bands),
            regions=_clean(regions),
            channels=tuple(c.lower() for c in _clean(channels)),
            languages=tuple(language_of_locale(v) for v in _clean(languages)),
            has_helper=has_helper,
        )

    # ---- what was chosen -------------------------------------------------------------------

    @property
    def segmented(self) -> bool:
        """Some segment is chosen."""
        return bool(
            self.age_bands
            or self.regions
            or self.channels
            or self.languages
            or self.has_helper is not None
        )

    @property
    def empty(self) -> bool:
        """Nothing chosen: neither everyone nor any segment."""
        return not self.everyone and not self.segmented

    def unknown_values(self) -> Dict[str, Tuple[str, ...]]:
        """Values no customer can have, by segment ({"age_bands": ("over_90",)})."""
        unknown = {
            "age_bands": tuple(b for b in self.age_bands if b not in AGE_BANDS),
            "channels": tuple(c for c in self.channels if c not in CHANNELS),
            "languages": tuple(v for v in self.languages if not v.isalpha()),
        }
        return {segment: values for segment, values in unknown.items() if values}

    # ---- JSON ------------------------------------------------------------------------------

    def as_json(self) -> Dict[str, Any]:
        """{"everyone": true}, or the chosen segments only."""
        if self.everyone:
            return {"everyone": True}
        chosen: Dict[str, Any] = {}
        for segment in ("age_bands", "regions", "channels", "languages"):
            values = getattr(self, segment)
            if values:
                chosen[segment] = list(values)
        if self.has_helper is not None:
            chosen["has_helper"] = self.has_helper
        return chosen

    @classmethod
    def from_json(cls, data: Optional[Mapping[str, Any]]) -> Audience:
        """The audience stored as :meth:`as_json` made it (unknown keys ignored)."""
        data = data or {}
        if data.get("everyone") is True:
            return cls(everyone=True)
        has_helper = data.get("has_helper")
        return cls.of(
            age_bands=_listed(data.get("age_bands")),
            regions=_listed(data.get("regions")),
            channels=_listed(data.get("channels")),
            languages=_listed(data.get("languages")),
            has_helper=has_helper if isinstance(has_helper, bool) else None,
        )

    # ---- one customer ----------------------------------------------------------------------

    def matches(self, profile: Profile, today: date) -> bool:
        """Whether the customer of ``profile`` is in this audience on ``today``."""
        if self.everyone:
            return True
        if not self.segmented:
            return False
        if self.age_bands and age_band(profile.birth_date, today) not in self.age_bands:
            return False
        if self.regions and profile.region.strip().lower() not in {r.lower() for r in self.regions}:
            return False
        if self.channels and profile.channel not in self.channels:
            return False
        if self.languages and language_of_locale(profile.locale) not in self.languages:
            return False
        if self.has_helper is not None and profile.has_helper != self.has_helper:
            return False
        return True

    # ---- every customer --------------------------------------------------------------------

    def clause(self, today: date) -> ColumnElement:
        """A WHERE clause on ``customers`` selecting this audience on ``today``."""
        if self.everyone:
            return true()
        if not self.segmented:
            return false()
        parts: List[ColumnElement] = []
        if self.age_bands:
            parts.append(or_(*(_band_clause(band, today) for band in self.age_bands)))
        if self.regions:
            regions = [r.lower() for r in self.regions]
            parts.append(func.lower(func.trim(Customer.region)).in_(regions))
        if self.channels:
            parts.append(Customer.preferred_channel.in_(self.channels))
        if self.languages:
            parts.append(or_(*(_language_clause(language) for language in self.languages)))
        if self.has_helper is not None:
            helper = exists().where(
                HelperLink.customer_id == Customer.id, HelperLink.status == "active"
            )
            parts.append(helper if self.has_helper else ~helper)
        return and_(*parts)

    def customer_ids(
        self,
        session: Session,
        today: date,
        after: int = 0,
        limit: Optional[int] = None,
    ) -> List[int]:
        """The matching customers' ids after ``after``, in id order (at most ``limit``)."""
        query = (
            select(Customer.id).where(self.clause(today), Customer.id > after).order_by(Customer.id)
        )
        if limit is not None:
            query = query.limit(limit)
        return list(session.execute(query).scalars())

    def count(self, session: Session, today: date) -> int:
        """How many customers match on ``today``."""
        return int(
            session.execute(
                select(func.count()).select_from(Customer).where(self.clause(today))
            ).scalar_one()
        )


def _listed(value: Any) -> Tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return ()


def _band_clause(band: str, today: date) -> ColumnElement:
    """Born on a day that makes the customer ``band`` old on ``today``."""
    turned_60 = _years_before(today, 60)
    turned_75 = _years_before(today, 75)
    born = Customer.birth_date
    if band == UNDER_60:
        return and_(born.isnot(None), born > turned_60)
    if band == FROM_60_TO_74:
        return and_(born <= turned_60, born > turned_75)
    if band == FROM_75:
        return born <= turned_75
    return false()


def _language_clause(language: str) -> ColumnElement:
    """The customer's locale is in ``language`` ("en", "en_US", "en-GB")."""
    locale = func.lower(Customer.locale)
    return or_(
        locale == language,
        locale.like(f"{language}\\_%", escape="\\"),
        locale.like(f"{language}-%"),
    )


def profile_of(session: Session, customer_id: int) -> Optional[Profile]:
    """The audience profile of customer ``customer_id`` (None if there is no such customer)."""
    row = session.execute(
        select(
            Customer.id,
            Customer.birth_date,
            Customer.region,
            Customer.preferred_channel,
            Customer.locale,
        ).where(Customer.id == customer_id)
    ).first()
    if row is None:
        return None
    helper = session.execute(
        select(HelperLink.id)
        .where(HelperLink.customer_id == customer_id, HelperLink.status == "active")
        .limit(1)
    ).first()
    return Profile(
        customer_id=row.id,
        birth_date=row.birth_date,
        region=row.region or "",
        channel=row.preferred_channel,
        locale=row.locale or "",
        has_helper=helper is not None,
    )
