"""The data every contender encodes and decodes: realistic connectors, offsets included."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

PST = timezone(timedelta(hours=-8))
IST = timezone(timedelta(hours=5, minutes=30))


def connector_fields(i: int = 0) -> dict:
    """Python-side fields of connector i (all eight properties set)."""
    return {
        "id": str(uuid.UUID(int=0x8EA5D7A6D7A68EA5A6D7A58EA6D7A58E + i)),
        "last_connection_date_time": datetime(2026, 11, 28, 9, 30, 12, 345678, tzinfo=PST)
        + timedelta(minutes=i),
        "state": ["active", "inactive", "none"][i % 3],
        "display_name": f"NDES connector {i:05d} (Contoso West)",
        "enrolled_date_time": datetime(2025, 1, 2, 3, 4, 5, tzinfo=IST if i % 2 else timezone.utc),
        "machine_name": f"ndes{i:05d}.corp.contoso.com",
        "connector_version": "6.2.1000.0",
        "role_scope_tag_ids": ["0", str(12 + i % 5)],
    }


BATCH = 10_000
