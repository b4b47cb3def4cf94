"""Imports every domain's models so that Base.metadata knows the whole schema."""

from baogong.audit import models as audit_models
from baogong.auth import models as auth_models
from baogong.delivery import models as delivery_models
from baogong.demand import models as demand_models
from baogong.ledger import models as ledger_models
from baogong.planning import models as planning_models
from baogong.regions import models as region_models
from baogong.workforce import models as workforce_models

__all__ = [
    "audit_models", "auth_models", "delivery_models", "demand_models", "ledger_models",
    "planning_models",
    "region_models", "workforce_models",
]
