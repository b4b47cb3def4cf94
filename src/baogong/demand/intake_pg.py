"""Order intake on PostgreSQL: the order, its lines, its first event and its audit entry in
one statement (data-modifying CTEs), so a busy intake costs one round trip per order write.

The order insert does nothing when the idempotency key is taken; the lines, event and audit
entry hang off its RETURNING row, so they are written only when the order is.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

PLACE = text("""
WITH o AS (
  INSERT INTO orders (compound_id, batch_id, channel, status, building, unit, room, resident,
                      phone, vulnerable, substitution_allowed, note, owner, service_day,
                      submitted_at, idempotency_key, request_hash, duplicate_of_id)
  VALUES (CAST(:compound_id AS integer), :batch_id, :channel, 'submitted',
          CAST(:building AS varchar), CAST(:unit AS varchar), CAST(:room AS varchar), :resident,
          :phone, :vulnerable, :substitution_allowed, :note, CAST(:owner AS varchar),
          CAST(:service_day AS date), CAST(:submitted_at AS timestamptz), :idempotency_key,
          :request_hash,
          (SELECT min(id) FROM orders
            WHERE compound_id = CAST(:compound_id AS integer)
              AND service_day = CAST(:service_day AS date)
              AND building = CAST(:building AS varchar) AND unit = CAST(:unit AS varchar)
              AND room = CAST(:room AS varchar) AND status <> 'cancelled'))
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING id, duplicate_of_id
), l AS (
  INSERT INTO order_lines (order_id, pack_id, product_id, quantity, unit_cost, unit_price,
                           unit_subsidy)
  SELECT o.id, x.pack_id, x.product_id, x.quantity, x.unit_cost, x.unit_price, x.unit_subsidy
    FROM o, unnest(CAST(:pack_ids AS integer[]), CAST(:product_ids AS integer[]),
                   CAST(:quantities AS integer[]), CAST(:costs AS numeric[]),
                   CAST(:prices AS numeric[]), CAST(:subsidies AS numeric[]))
         AS x(pack_id, product_id, quantity, unit_cost, unit_price, unit_subsidy)
), e AS (
  INSERT INTO order_events (order_id, from_status, to_status, at, by, reason)
  SELECT o.id, NULL, 'submitted', CAST(:submitted_at AS timestamptz),
         CAST(:owner AS varchar), '' FROM o
), a AS (
  INSERT INTO audit_log (at, actor, source, source_ref, action, entity, entity_key, before,
                         after)
  SELECT CAST(:submitted_at AS timestamptz), :audit_actor, :audit_source, :audit_ref,
         'create', 'order', CAST(o.id AS text), NULL, CAST(:audit_after AS json)
    FROM o WHERE CAST(:audit AS boolean)
)
SELECT id, duplicate_of_id FROM o
""")


def write_order(conn: Connection, values: dict[str, Any], lines: list[dict[str, Any]],
                audit: dict[str, Any] | None) -> Any:
    """Insert the order (unless its key is taken), its lines, its event and, when given, its
    audit entry; returns (id, duplicate_of_id), or None when the key was taken."""
    params = {
        **{k: (v.value if hasattr(v, "value") else v) for k, v in values.items()},
        "pack_ids": [ln["pack_id"] for ln in lines],
        "product_ids": [ln["product_id"] for ln in lines],
        "quantities": [ln["quantity"] for ln in lines],
        "costs": [ln["unit_cost"] for ln in lines],
        "prices": [ln["unit_price"] for ln in lines],
        "subsidies": [ln["unit_subsidy"] for ln in lines],
        "audit": audit is not None,
        "audit_actor": audit["actor"] if audit else "",
        "audit_source": audit["source"] if audit else "",
        "audit_ref": audit["ref"] if audit else "",
        "audit_after": json.dumps(audit["after"], ensure_ascii=False) if audit else None,
    }
    return conn.execute(PLACE, params).first()
