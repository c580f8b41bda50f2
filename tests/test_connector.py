"""The NdesConnector contract: construction, attributes, validation, equality, display."""

from __future__ import annotations

import copy
import pickle
from datetime import date, datetime, timedelta, timezone, tzinfo

import pytest

import ndes
from ndes import NdesConnector, NdesConnectorState, ValidationError
from ndes._fields import WIRE_NAMES

UTC = timezone.utc
PST = timezone(timedelta(hours=-8))


def full() -> NdesConnector:
    return NdesConnector(
        id="9a1c6a62-6a0d-4c4e-9d1e-0d5b3c8d2f11",
        display_name="NDES-01",
        state="active",
        last_connection_date_time=datetime(2026, 11, 28, 9, 30, tzinfo=UTC),
        enrolled_date_time=datetime(2025, 1, 2, 3, 4, 5, 600000, tzinfo=PST),
        machine_name="ndes01.contoso.com",
        connector_version="6.2.1",
        role_scope_tag_ids=["0", "12"],
        additional_data={"futureProperty": {"a": [1, 2.5, None, True, "x"]}},
    )


def test_the_issue_example():
    c = NdesConnector(
        display_name="NDES-01",
        state="active",
        last_connection_date_time=datetime(2026, 11, 28, 9, 30, tzinfo=timezone.utc),
    )
    assert c.state is NdesConnectorState.ACTIVE
    assert c.to_json() == (
        b'{"@odata.type":"#microsoft.graph.ndesConnector",'
        b'"lastConnectionDateTime":"2026-11-28T09:30:00Z","state":"active",'
        b'"displayName":"NDES-01"}'
    )
    assert NdesConnector.from_json(c.to_json()) == c
    assert NdesConnector.from_msgpack(c.to_msgpack()) == c


def test_defaults_are_unset():
    c = NdesConnector()
    for name in (
        "id",
        "display_name",
        "state",
        "last_connection_date_time",
        "enrolled_date_time",
        "machine_name",
        "connector_version",
        "role_scope_tag_ids",
    ):
        assert getattr(c, name) is None
    assert c.additional_data == {}
    assert c.to_json() == b'{"@odata.type":"#microsoft.graph.ndesConnector"}'


def test_attributes_read_back():
    c = full()
    assert c.id == "9a1c6a62-6a0d-4c4e-9d1e-0d5b3c8d2f11"
    assert c.display_name == "NDES-01"
    assert c.last_connection_date_time == datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    assert c.enrolled_date_time.utcoffset() == timedelta(hours=-8)
    assert c.enrolled_date_time.microsecond == 600000
    assert c.machine_name == "ndes01.contoso.com"
    assert c.connector_version == "6.2.1"
    assert c.role_scope_tag_ids == ["0", "12"]
    assert c.additional_data == {"futureProperty": {"a": [1, 2.5, None, True, "x"]}}


@pytest.mark.parametrize("value", ["none", "active", "inactive"])
def test_state_accepts_member_or_string(value):
    member = NdesConnectorState(value)
    assert NdesConnector(state=value).state is member
    assert NdesConnector(state=member).state is member


def test_assignment_is_validated_and_del_unsets():
    c = NdesConnector()
    c.state = "inactive"
    assert c.state is NdesConnectorState.INACTIVE
    with pytest.raises(ValidationError) as e:
        c.state = "broken"
    assert e.value.field == "state"
    assert c.state is NdesConnectorState.INACTIVE  # a refused value leaves the old one
    c.display_name = "x"
    del c.display_name
    assert c.display_name is None
    c.last_connection_date_time = "2026-11-28T09:30:00+01:00"
    assert c.last_connection_date_time == datetime(2026, 11, 28, 8, 30, tzinfo=UTC)
    c.last_connection_date_time = None
    assert c.last_connection_date_time is None


def test_object_fields_are_read_only_slots_set_through_validation():
    """Every field is read as a plain slot (the fast attribute load); every way of setting it
    still goes through validation, and unset reads as None."""
    for name in WIRE_NAMES:
        assert type(vars(NdesConnector)[name]).__name__ == "member_descriptor"
    c = NdesConnector()
    assert [c.id, c.state, c.display_name, c.role_scope_tag_ids] == [None] * 4
    with pytest.raises(ValidationError) as e:
        c.machine_name = 5
    assert e.value.field == "machineName"
    c.machine_name = "m"
    # The generic setter would skip validation: refused (3.13's member descriptor says so first).
    with pytest.raises((TypeError, AttributeError)):
        object.__setattr__(c, "machine_name", 5)
    assert c.machine_name == "m"
    setattr(c, "".join(["machine", "_name"]), "n")  # a name built at run time, not interned
    assert c.machine_name == "n"
    c.machine_name = None
    c.role_scope_tag_ids = ["1"]
    del c.role_scope_tag_ids
    assert c == NdesConnector() and c.to_json() == NdesConnector().to_json()
    with pytest.raises(AttributeError):
        c.not_a_field = 1
    d = NdesConnector.from_json(b'{"id":null,"displayName":"x","state":null}')
    assert (d.id, d.display_name, d.state) == (None, "x", None)
    assert d == NdesConnector(display_name="x")


def test_unknown_keyword_and_positional_arguments_are_type_errors():
    with pytest.raises(TypeError, match="unexpected keyword argument 'displayName'"):
        NdesConnector(displayName="x")
    with pytest.raises(TypeError, match="keyword arguments only"):
        NdesConnector("x")  # type: ignore[misc]
    with pytest.raises(TypeError):
        NdesConnector(**{"nope": 1})


def test_keywords_given_as_a_dict_and_runtime_strings():
    name = "".join(["display", "_name"])  # not interned
    assert NdesConnector(**{name: "x"}).display_name == "x"
    assert NdesConnector.__new__(NdesConnector, display_name="y").display_name == "y"


@pytest.mark.parametrize(
    ("kwargs", "field", "reason"),
    [
        ({"state": "Active"}, "state", "'Active' is not one of 'none', 'active', 'inactive'"),
        ({"state": "unknownFutureValue"}, "state", "is not one of"),
        ({"state": 1}, "state", "expected NdesConnectorState or str, got int"),
        ({"display_name": 5}, "displayName", "expected str, got int"),
        ({"id": b"x"}, "id", "expected str, got bytes"),
        ({"machine_name": "a\ud800b"}, "machineName", "lone surrogate at index 1"),
        (
            {"last_connection_date_time": datetime(2026, 1, 1)},
            "lastConnectionDateTime",
            "naive datetime",
        ),
        (
            {"enrolled_date_time": datetime(2026, 1, 1, tzinfo=timezone(timedelta(seconds=30)))},
            "enrolledDateTime",
            "offset has seconds",
        ),
        ({"enrolled_date_time": date(2026, 1, 1)}, "enrolledDateTime", "got datetime.date"),
        ({"enrolled_date_time": "2026-01-01T00:00:00"}, "enrolledDateTime", "missing UTC offset"),
        ({"enrolled_date_time": 1700000000}, "enrolledDateTime", "got int"),
        ({"role_scope_tag_ids": "0"}, "roleScopeTagIds", "expected a list of str, got str"),
        ({"role_scope_tag_ids": ["0", 1]}, "roleScopeTagIds[1]", "expected str, got int"),
        ({"role_scope_tag_ids": ["\udfff"]}, "roleScopeTagIds[0]", "lone surrogate"),
        ({"additional_data": []}, "additional_data", "expected a dict, got list"),
        ({"additional_data": {1: 2}}, "additional_data", "keys must be str"),
        ({"additional_data": {"displayName": "x"}}, "additional_data", "known property"),
        ({"additional_data": {"@odata.etag": "x"}}, "additional_data", "OData annotation"),
        ({"additional_data": {"x": {1, 2}}}, "additional_data['x']", "set is not JSON"),
        ({"additional_data": {"x": [1, float("nan")]}}, "additional_data['x'][1]", "nan"),
        ({"additional_data": {"x": {"a": (1,)}}}, "additional_data['x']['a']", "tuple is not"),
        ({"additional_data": {"x": {2: 1}}}, "additional_data['x'][2]", "keys must be str"),
    ],
)
def test_validation_errors_name_the_wire_field(kwargs, field, reason):
    with pytest.raises(ValidationError) as e:
        NdesConnector(**kwargs)
    assert e.value.field == field
    assert reason in e.value.reason
    assert isinstance(e.value, ValueError)
    assert str(e.value).startswith(f"{field}: ")


def test_tzinfo_that_is_not_fixed_and_one_returning_none():
    class Naive(tzinfo):
        def utcoffset(self, dt):
            return None

    with pytest.raises(ValidationError, match="naive"):
        NdesConnector(enrolled_date_time=datetime(2026, 1, 1, tzinfo=Naive()))

    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        paris = zoneinfo.ZoneInfo("Europe/Paris")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no tz database on this machine")
    c = NdesConnector(enrolled_date_time=datetime(2026, 7, 1, 12, 0, tzinfo=paris))
    assert b'"enrolledDateTime":"2026-07-01T12:00:00+02:00"' in c.to_json()


def test_str_subclasses_are_stored_as_plain_str():
    class Name(str):
        pass

    c = NdesConnector(display_name=Name("x"), role_scope_tag_ids=[Name("0")])
    assert type(c.display_name) is str
    assert type(c.role_scope_tag_ids[0]) is str


def test_role_scope_tag_ids_are_copied_and_checked_again_on_encode():
    tags = ["0"]
    c = NdesConnector(role_scope_tag_ids=tags)
    tags.append("1")
    assert c.role_scope_tag_ids == ["0"]
    assert NdesConnector(role_scope_tag_ids=("0", "1")).role_scope_tag_ids == ["0", "1"]
    c.role_scope_tag_ids.append(3)  # the list is the user's to change...
    with pytest.raises(ValidationError) as e:
        c.to_json()  # ...and a bad item is still caught before it reaches the wire
    assert e.value.field == "roleScopeTagIds[1]"


def test_additional_data_changed_in_place_is_checked_on_encode():
    c = NdesConnector()
    c.additional_data["newThing"] = 1
    assert c.to_json().endswith(b',"newThing":1}')
    c.additional_data["displayName"] = "shadow"
    with pytest.raises(ValidationError, match="known property"):
        c.to_json()
    del c.additional_data["displayName"]
    c.additional_data["bad"] = object()
    with pytest.raises(ValidationError, match="object is not JSON-compatible"):
        c.to_msgpack()
    with pytest.raises(ValidationError):
        c.to_dict()


def test_equality():
    assert full() == full()
    assert full() != NdesConnector()
    a, b = full(), full()
    b.connector_version = "7"
    assert a != b
    # The same instant in another offset is the same datetime, as in Python.
    a.last_connection_date_time = datetime(2026, 11, 28, 1, 30, tzinfo=PST)
    b = full()
    assert a == b
    assert NdesConnector(additional_data={}) == NdesConnector()
    assert (NdesConnector() == 1) is False
    assert NdesConnector().__eq__(1) is NotImplemented
    with pytest.raises(TypeError):
        hash(NdesConnector())


def test_unknown_state_from_the_wire_is_kept_and_compared():
    c = NdesConnector.from_json(b'{"state":"degraded"}')
    assert c.state == "degraded" and type(c.state) is str
    assert c.to_json() == b'{"@odata.type":"#microsoft.graph.ndesConnector","state":"degraded"}'
    assert c != NdesConnector(state="active")


def test_pickle_and_copy():
    c = full()
    assert pickle.loads(pickle.dumps(c)) == c
    assert copy.copy(c) == c
    d = copy.deepcopy(c)
    d.additional_data["futureProperty"]["a"].append(3)
    assert c.additional_data["futureProperty"]["a"] == [1, 2.5, None, True, "x"]


def test_repr_shows_set_fields_one_line_each_when_long():
    assert repr(NdesConnector()) == "NdesConnector()"
    assert repr(NdesConnector(state="none")) == "NdesConnector(state=NdesConnectorState.NONE)"
    text = repr(full())
    lines = text.splitlines()
    assert lines[0] == "NdesConnector(" and lines[-1] == ")"
    assert "    display_name='NDES-01'," in lines
    assert (
        "    last_connection_date_time=datetime.fromisoformat('2026-11-28T09:30:00+00:00'),"
        in lines
    )
    huge = repr(NdesConnector(display_name="x" * 10_000, machine_name="a\nb"))
    assert all(len(line) < 140 for line in huge.splitlines())
    assert "\\n" in huge and len(huge.splitlines()) == 4


def test_repr_html_is_a_table_and_escapes():
    html = NdesConnector(display_name="<b>&")._repr_html_()
    assert html.startswith("<table>") and "&lt;b&gt;&amp;" in html
    assert "<b>&" not in html.replace("<b>NdesConnector</b>", "")


def test_public_names():
    assert ndes.NdesConnector is NdesConnector
    assert NdesConnector.__module__ == "ndes"
    assert issubclass(ndes.ValidationError, ValueError)
    assert issubclass(ndes.DecodeError, ValueError)
    assert NdesConnectorState.ACTIVE == "active" and str(NdesConnectorState.ACTIVE) == "active"
    with pytest.raises(TypeError):
        type("Sub", (NdesConnector,), {})
