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
PAGE = 100  # items in a page of a Graph collection
HELD = 100_000  # decoded connectors kept alive while their memory is counted

# The 201 Created body Graph documents for this resource (seven fraction digits, as Graph sends),
# with its response-only `@odata.context`.
GRAPH_201 = (
    b'{"@odata.context":"https://graph.microsoft.com/beta/$metadata#deviceManagement/'
    b'ndesConnectors/$entity","@odata.type":"#microsoft.graph.ndesConnector",'
    b'"id":"8ea5d7a6-d7a6-8ea5-a6d7-a58ea6d7a58e",'
    b'"lastConnectionDateTime":"2016-12-31T23:58:46.7156189-08:00","state":"active",'
    b'"displayName":"Display Name value","enrolledDateTime":"2017-01-01T00:00:22.7321468-08:00",'
    b'"machineName":"Machine Name value","connectorVersion":"Connector Version value",'
    b'"roleScopeTagIds":["Role Scope Tag Ids value"]}'
)
NEXT_LINK = "https://graph.microsoft.com/beta/deviceManagement/ndesConnectors?$skiptoken=100"
