"""The SOW catalogue as frozen, validated values (seed 001; DOMAIN.md §4).

Pure: no I/O. The loader builds these from the TOML files next to this module; every
field here is one key there (README "The SOW catalogue" maps each to its seed term).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import StrictBool as Bool
from pydantic import StrictInt as Int

# Stable ascii slug: what orders, events and the rate card refer to.
Code = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Text = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1)]
PositiveInt = Annotated[Int, Field(gt=0)]

# "working": business days of the business calendar (the seed's 工作日);
# "calendar": every day (the seed's 自然日, or a bare day count such as T+3 — see README).
DayKind = Literal["working", "calendar"]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Duration(Frozen):
    days: PositiveInt
    day_kind: DayKind


class LeadTime(Frozen):
    """How far ahead of the start the customer must apply (前提条件 / 申请时间限制)."""

    working_days: PositiveInt
    # False when the seed names no lead time for this service and the catalogue-wide
    # minimum (10 working days) applies.
    stated: Bool
    # "如客户的申请涉及大批量资源需求，建议客户提前一个月申请" — a recommendation.
    bulk_resources_months: PositiveInt | None = None


class Item(Frozen):
    """One service item (服务项 / 服务目录 row) a package may include."""

    code: Code
    name_zh: Text


class OnSiteCap(Frozen):
    """Person-day cap of one package; either visits × days per visit, or a total."""

    max_visits: PositiveInt | None = None
    max_person_days_per_visit: PositiveInt | None = None
    max_person_days: PositiveInt | None = None


class Package(Frozen):
    code: Code
    name_zh: Text
    items: tuple[Code, ...] = Field(min_length=1)
    delivery: Literal["remote", "on_site", "mixed"]
    # At least one of these packages must be bought with this one (迁云实施必须和迁云咨询服务联合售卖).
    requires: tuple[Code, ...] = ()
    # Time-boxed packages (以服务周期为期限): the service is done when the term runs out.
    term: Duration | None = None
    # Done once this many person-days were delivered on time, even if the customer paused
    # the project (若阿里云已按时间期限提供了30人天服务,则也算完工).
    completion_person_days: PositiveInt | None = None
    on_site_cap: OnSiteCap | None = None


class PricingUnit(Frozen):
    """A quantity the price scales with: the base package covers `included`, then every
    further `unit_size` (or part of it: 不足按整) is one more unit."""

    code: Code
    name_zh: Text
    included: PositiveInt
    unit_size: PositiveInt

    def units_for(self, quantity: int | Decimal) -> int:
        """Billable units for a quantity, base unit included: 50 per unit → 51 tables = 2."""
        if isinstance(quantity, bool) or not isinstance(quantity, int | Decimal):
            raise TypeError(f"quantity must be an int or a Decimal, not {type(quantity).__name__}")
        if not quantity > 0:
            raise ValueError(f"quantity of {self.code} must be positive, got {quantity}")
        beyond = max(Decimal(0), Decimal(quantity) - self.included)
        return 1 + math.ceil(beyond / self.unit_size)


class Milestone(Frozen):
    code: Code
    name_zh: Text
    # Offset from contract signing T; None when the seed leaves the date to the project plan.
    offset: Annotated[Int, Field(ge=0)] | None = None
    day_kind: DayKind | None = None


class Deliverable(Frozen):
    name_zh: Text
    kind: Literal["document", "training", "software", "report"]
    # Only these packages deliver it; empty: every package.
    packages: tuple[Code, ...] = ()


class Phase(Frozen):
    code: Code
    name_zh: Text
    deliverables: tuple[Deliverable, ...] = ()


class AcceptanceWindow(Frozen):
    days: PositiveInt
    day_kind: DayKind
    # What starts the clock.
    starts: Literal[
        "submission", "all_deliverables_received", "report_uploaded", "delivery_completed"
    ]
    # What the customer's silence until the window ends means.
    on_silence: Literal["deemed_accepted", "request_closed", "no_effect"]
    # starts = "delivery_completed": the phase whose deliverables, once all handed over,
    # complete the delivery (§24 交付完成: the last session of the 交付阶段 was held).
    phase: Code | None = None


class NonConformance(Frozen):
    """不符点: the provider answers each point, and a second round leads to a meeting."""

    answer_working_days: PositiveInt
    meeting_working_days: PositiveInt


class Acceptance(Frozen):
    # What is accepted: each deliverable, the whole project, or each periodic report.
    scope: Literal["deliverable", "project", "report"]
    confirmation: Literal["written", "online", "signature"]
    window: AcceptanceWindow | None = None
    non_conformance: NonConformance | None = None
    # "若该交付成果已经被甲方实际使用 … 则被视为通过验收".
    production_use_deems_accepted: Bool = False
    # "迁云咨询服务与迁云实施一起购买的情况下，分开验收; 多个实施服务包 … 分开验收".
    per_package: Bool = False


class OnSite(Frozen):
    """On-site (驻场/现场) work beyond what a package includes."""

    offered: Bool
    # Charged per person-day on top of the package (驻场服务需要按人日额外收取).
    charged_per_person_day: Bool = False
    # 国家法定节假日按照3倍人天计算.
    statutory_holiday_multiplier: PositiveInt | None = None
    # 现场服务需提前两个工作日申请.
    notice_working_days: PositiveInt | None = None
    # 客户需当天签署《现场运维服务单》.
    form_signed_same_day: Bool = False


class Service(Frozen):
    code: Code
    # Chapter number of the service in seed 001.
    seed_section: PositiveInt
    name_zh: Text
    name_en: Text
    lead_time: LeadTime
    items: tuple[Item, ...] = Field(min_length=1)
    packages: tuple[Package, ...] = Field(min_length=1)
    pricing_units: tuple[PricingUnit, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    phases: tuple[Phase, ...] = ()
    acceptance: Acceptance
    on_site: OnSite

    def package(self, code: str) -> Package:
        for package in self.packages:
            if package.code == code:
                return package
        raise KeyError(f"service {self.code} has no package {code!r}")

    def pricing_unit(self, code: str) -> PricingUnit:
        for unit in self.pricing_units:
            if unit.code == code:
                return unit
        raise KeyError(f"service {self.code} has no pricing unit {code!r}")


class Catalogue(Frozen):
    version: Text
    services: tuple[Service, ...]

    def service(self, code: str) -> Service:
        for service in self.services:
            if service.code == code:
                return service
        raise KeyError(f"the catalogue (version {self.version}) has no service {code!r}")
