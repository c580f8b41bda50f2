"""Build a connector, encode it the way Graph expects, and read it back."""

from datetime import datetime, timedelta, timezone

import ndes

connector = ndes.NdesConnector(
    display_name="NDES-01",
    state=ndes.NdesConnectorState.ACTIVE,
    last_connection_date_time=datetime(2026, 11, 28, 9, 30, tzinfo=timezone(timedelta(hours=-8))),
    machine_name="ndes01.contoso.com",
    role_scope_tag_ids=["0"],
)
body = connector.to_json()
print(connector)
print(body.decode())
assert ndes.NdesConnector.from_json(body) == connector
assert ndes.NdesConnector.from_msgpack(connector.to_msgpack()) == connector
