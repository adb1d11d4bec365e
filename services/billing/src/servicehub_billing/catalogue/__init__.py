"""The billing service's SOW catalogue: 29 expert services of seed 001 as versioned data.

`load_catalogue()` reads and validates the TOML files in this package (catalogue.toml for
the version, services/*.toml one service each) into frozen values; bad data raises one
`CatalogueError` naming file and line.
"""

from servicehub_billing.catalogue.loader import CatalogueError, load_catalogue
from servicehub_billing.catalogue.model import (
    Acceptance,
    AcceptanceWindow,
    Catalogue,
    Deliverable,
    Duration,
    Item,
    LeadTime,
    Milestone,
    NonConformance,
    OnSite,
    OnSiteCap,
    Package,
    Phase,
    PricingUnit,
    Service,
)

__all__ = [
    "Acceptance",
    "AcceptanceWindow",
    "Catalogue",
    "CatalogueError",
    "Deliverable",
    "Duration",
    "Item",
    "LeadTime",
    "Milestone",
    "NonConformance",
    "OnSite",
    "OnSiteCap",
    "Package",
    "Phase",
    "PricingUnit",
    "Service",
    "load_catalogue",
]
