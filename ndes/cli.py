"""The ``ndes`` command: manage connectors from a shell, or serve the Graph emulator.

    ndes create --display-name NDES-01 --state active [--additional-data JSON]
                [--if-absent [--key FIELD]] [--allow-empty]
    ndes list [--filter F] [--select a,b] [--top N] [--orderby F] [--output table|json|jsonl|csv]
    ndes get ID
    ndes update ID --state inactive [--clear FIELD ...]
    ndes delete ID
    ndes emulator [--host H] [--port P] [--page-size N]
    ndes completion bash|zsh|fish

Each command but ``emulator`` takes ``--base-url`` or ``--emulator``, ``--proxy``,
``--timeout``, ``--max-retries``, ``--max-retry-after`` and ``-v``. The token comes from
``NDES_TOKEN``, else from azure-identity's ``DefaultAzureCredential`` (environment, managed
identity, ``az login``) when azure-identity is installed. Connectors are printed on stdout
(JSON for create, get and update); errors go to stderr as one line, never a traceback.

Exit codes: 0 done; 1 another ndes error; 2 usage (bad arguments, no token, a refused URL);
3 a field Graph would refuse; 4 Graph answered with an error (404 not found included);
5 nothing reached Graph; 6 the request may have reached Graph and the outcome is unknown
(look the connector up before trying again); 7 the token source failed (no credential, an
expired ``az login``); 8 ``create --if-absent`` found several connectors with the key's value.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

EXIT_OK, EXIT_OTHER, EXIT_USAGE, EXIT_VALIDATION, EXIT_GRAPH = 0, 1, 2, 3, 4
EXIT_TRANSPORT, EXIT_UNKNOWN, EXIT_CREDENTIAL, EXIT_AMBIGUOUS = 5, 6, 7, 8

FIELDS = (
    ("display_name", "--display-name", "displayName"),
    ("state", "--state", "state: none, active or inactive"),
    ("last_connection_date_time", "--last-connection-date-time", "RFC 3339 with an offset"),
    ("enrolled_date_time", "--enrolled-date-time", "RFC 3339 with an offset"),
    ("machine_name", "--machine-name", "machineName"),
    ("connector_version", "--connector-version", "connectorVersion"),
)
OUTPUTS = ("table", "json", "jsonl", "csv")
TABLE_COLUMNS = ("id", "displayName", "state", "machineName", "lastConnectionDateTime")


def _parser() -> argparse.ArgumentParser:
    from . import __version__, _cli_bulk, _cli_completion
    from ._cli_args import Parser, count, host

    parser = Parser(
        prog="ndes",
        description="Manage Microsoft Graph ndesConnectors (Intune NDES connectors).",
        epilog="Exit codes: 0 done, 1 other error, 2 usage, 3 invalid field, 4 Graph error, "
        "5 nothing reached Graph, 6 outcome unknown, 7 credential failed, 8 several matches.",
    )
    parser.add_argument("--version", action="version", version=f"ndes {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    create = _command(
        commands,
        "create",
        "create a connector and print it as JSON",
        "POST a connector to /deviceManagement/ndesConnectors and print the one Graph made.",
    )
    _field_options(create)
    create.add_argument(
        "--allow-empty",
        action="store_true",
        help="create a connector with no fields at all (refused without this)",
    )
    create.add_argument(
        "--if-absent",
        action="store_true",
        help="create only when no connector has the same --key value (safe to re-run)",
    )
    create.add_argument("--key", default="display_name", help="default display_name")
    _cli_bulk.add_arguments(create)

    listing = _command(commands, "list", "list connectors", "List the connectors, page by page.")
    listing.add_argument("--filter", help="an OData $filter, e.g. \"state eq 'active'\"")
    listing.add_argument("--select", help="properties, comma-separated (Python or wire names)")
    listing.add_argument("--top", type=count(1), help="at most this many connectors")
    listing.add_argument("--orderby", help="e.g. 'displayName desc'")
    listing.add_argument(
        "--output",
        choices=OUTPUTS,
        help="default: a table on a terminal, JSON lines otherwise",
    )

    get = _command(commands, "get", "print one connector as JSON", "GET one connector by id.")
    get.add_argument("id")

    update = _command(
        commands,
        "update",
        "change fields of a connector",
        "PATCH only the given fields; print the connector Graph answers with, if any.",
    )
    update.add_argument("id")
    _field_options(update)
    update.add_argument(
        "--clear", action="append", default=[], metavar="FIELD", help="send null (repeatable)"
    )

    delete = _command(commands, "delete", "delete a connector", "DELETE one connector by id.")
    delete.add_argument("id")

    serve = commands.add_parser("emulator", help="serve the Graph emulator until interrupted")
    serve.add_argument("--host", type=host, default="127.0.0.1", help="an IPv6 one too (::1)")
    serve.add_argument("--port", type=count(0, 65535), default=8080, help="0 picks a free port")
    serve.add_argument("--page-size", type=count(1), default=100, help="connectors per list page")
    _cli_bulk.add_emulator_arguments(serve)
    _cli_completion.add_command(commands)
    return parser


def _command(commands: Any, name: str, help_text: str, description: str) -> Any:
    from ._cli_args import count, seconds

    command = commands.add_parser(name, help=help_text, description=description)
    where = command.add_mutually_exclusive_group()
    where.add_argument("--base-url", default=None, help="default https://graph.microsoft.com/beta")
    where.add_argument("--emulator", action="store_true", help="use an embedded Graph emulator")
    command.add_argument("--proxy", help="http://[user:password@]host:port")
    command.add_argument("--timeout", type=seconds, default=30.0, help="seconds per attempt")
    command.add_argument("--max-retries", type=count(0), default=3, help="for 429, 503, not-sent")
    command.add_argument(
        "--max-retry-after",
        type=seconds,
        default=60.0,
        help="the longest Retry-After waited out; a longer one ends the command",
    )
    command.add_argument("-v", "--verbose", action="store_true", help="log each attempt to stderr")
    return command


def _field_options(command: argparse.ArgumentParser) -> None:
    for dest, flag, help_text in FIELDS:
        command.add_argument(flag, dest=dest, help=help_text)
    command.add_argument(
        "--role-scope-tag-id", dest="role_scope_tag_ids", action="append", help="repeatable"
    )
    from ._cli_args import json_object

    command.add_argument(
        "--additional-data",
        type=json_object,
        metavar="JSON",
        help="extra properties as a JSON object, e.g. '{\"newBetaProperty\": 1}'",
    )


def _fields(args: argparse.Namespace) -> dict[str, Any]:
    fields = {dest: getattr(args, dest) for dest, _, _ in FIELDS}
    fields["role_scope_tag_ids"] = args.role_scope_tag_ids
    fields["additional_data"] = args.additional_data
    return {k: v for k, v in fields.items() if v is not None}


def _token(emulator: bool) -> object | None:
    token = os.environ.get("NDES_TOKEN")
    if token:
        return token
    if emulator:
        return "emulator-token"
    try:
        from azure.identity import (  # type: ignore[import-not-found,unused-ignore]
            DefaultAzureCredential,
        )
    except ImportError:
        return None
    credential: object = DefaultAzureCredential()
    return credential


def _fail(code: int, message: str) -> int:
    # One line, whatever the message holds (a server's text may hold newlines).
    print(f"ndes: error: {' '.join(message.split())}", file=sys.stderr)
    return code


class _Failed(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _checked_token(emulator: bool) -> object:
    """The command's token source, or _Failed saying why there is none."""
    try:
        token = _token(emulator)
    except Exception as exc:  # a credential that cannot even be made
        message = f"the credential failed: {type(exc).__name__}: {exc}"
        raise _Failed(EXIT_CREDENTIAL, message) from exc
    if token is None:
        raise _Failed(EXIT_USAGE, "no token: set NDES_TOKEN, or install azure-identity and sign in")
    return token


@contextlib.contextmanager
def _client(args: argparse.Namespace) -> Iterator[Any]:
    """A Client for the command's options, with its embedded emulator if it asked for one."""
    from .client import DEFAULT_BASE_URL, Client

    token = _checked_token(args.emulator)
    if args.verbose:
        import logging

        logging.basicConfig(format="ndes: %(message)s", level=logging.DEBUG)
    with contextlib.ExitStack() as stack:
        if args.emulator:
            from .emulator import serve

            base_url = stack.enter_context(serve()).base_url
        else:
            base_url = args.base_url or DEFAULT_BASE_URL
        try:
            client = Client(
                token,  # type: ignore[arg-type]
                base_url=base_url,
                timeout=args.timeout,
                max_retries=args.max_retries,
                max_retry_after=args.max_retry_after,
                proxy=args.proxy,
            )
        except (ValueError, TypeError) as exc:  # a refused base URL, token or proxy
            raise _Failed(EXIT_USAGE, str(exc)) from exc
        with client:
            yield client


def exit_code(exc: BaseException) -> int:
    """The documented exit code of an error: the one mapping every command uses."""
    from . import errors

    # Most specific first: ValidationError is a ValueError, and an answer that may carry a
    # created connector (ServerError, UnexpectedResponseError) is a GraphError too.
    table: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], int], ...] = (
        ((errors.ValidationError, errors.DecodeError), EXIT_VALIDATION),
        (errors.CredentialError, EXIT_CREDENTIAL),
        (errors.AmbiguousKeyError, EXIT_AMBIGUOUS),
        (errors.OutcomeUnknownError, EXIT_UNKNOWN),
        (errors.GraphError, EXIT_GRAPH),
        (errors.TransportError, EXIT_TRANSPORT),
        (errors.NdesError, EXIT_OTHER),
    )
    for kind, code in table:
        if isinstance(exc, kind):
            return code
    return EXIT_USAGE  # arguments the library refused (ValueError, TypeError)


def _run(args: argparse.Namespace, work: Callable[[Any], None]) -> int:
    """Runs ``work(client)``; every ndes error becomes one line on stderr and its exit code."""
    from . import errors

    try:
        with _client(args) as client:
            work(client)
    except BrokenPipeError:  # `ndes list | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except _Failed as failed:
        return _fail(failed.code, str(failed))
    except (errors.NdesError, ValueError, TypeError) as exc:
        code = exit_code(exc)
        if code == EXIT_UNKNOWN:
            return _fail(code, f"{exc}; the connector may exist: look it up before retrying")
        return _fail(code, str(exc))
    return EXIT_OK


def _print_connector(connector: Any) -> None:
    sys.stdout.write(connector.to_json().decode() + "\n")


def _create(args: argparse.Namespace) -> int:
    from ._core import NdesConnector

    if args.from_file is not None:
        from . import _cli_bulk

        return _cli_bulk.run(args)
    if not _fields(args) and not args.allow_empty:
        return _fail(EXIT_USAGE, _EMPTY)
    try:
        connector = NdesConnector(**_fields(args))
    except ValueError as exc:
        return _fail(EXIT_VALIDATION, str(exc))

    def work(client: Any) -> None:
        if not args.if_absent:
            _print_connector(client.create(connector))
            return
        found, created = client.get_or_create(connector, key=args.key)
        if not created:
            print(
                f"ndes: {args.key} matches connector {found.id}; nothing created", file=sys.stderr
            )
        _print_connector(found)

    return _run(args, work)


_EMPTY = (
    "give at least one field (--display-name, --state, ...): a connector with none has "
    "nothing to find it by, and each run would add another; --allow-empty if that is meant"
)


def _list(args: argparse.Namespace) -> int:
    from . import _protocol

    columns = None
    if args.select:
        try:
            columns = [_protocol.wire_name(n.strip()) for n in args.select.split(",")]
        except ValueError as exc:
            return _fail(EXIT_USAGE, str(exc))
    output = args.output or ("table" if sys.stdout.isatty() else "jsonl")

    def work(client: Any) -> None:
        items = client.list(
            filter=args.filter, select=args.select, top=args.top, orderby=args.orderby
        )
        _write(items, output, columns)

    return _run(args, work)


def _write(items: Any, output: str, columns: list[str] | None) -> None:
    """Connectors as JSON lines or a JSON array (as they come), or a CSV or a table."""
    import json

    out = sys.stdout
    if output == "jsonl":
        for c in items:
            out.write(c.to_json().decode() + "\n")
        return
    if output == "json":
        first = True
        out.write("[")
        for c in items:
            out.write(("" if first else ",") + c.to_json().decode())
            first = False
        out.write("]\n")
        return
    rows = [c.to_dict() for c in items]
    names = columns or list(TABLE_COLUMNS)

    def text(row: dict[str, Any], name: str) -> str:
        value = row.get(name)
        if value is None:
            return ""
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    if output == "csv":
        import csv

        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([text(r, n) for n in names] for r in rows)
        return
    # A table is for a terminal, and the text is whoever named the connector's: what a
    # terminal would obey (escapes, CR, LF) or hide (bidi overrides) is shown escaped.
    cells = [names] + [[_visible(text(r, n)) for n in names] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(names))]
    for row in cells:
        out.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")


def _visible(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _get(args: argparse.Namespace) -> int:
    return _run(args, lambda client: _print_connector(client.get(args.id)))


def _update(args: argparse.Namespace) -> int:
    from ._fields import python_name

    changes: dict[str, Any] = _fields(args)
    try:
        for name in args.clear:
            changes[python_name(name)] = None
    except ValueError as exc:
        return _fail(EXIT_USAGE, str(exc))

    def work(client: Any) -> None:
        updated = client.update(args.id, **changes)
        if updated is not None:
            _print_connector(updated)

    return _run(args, work)


def _delete(args: argparse.Namespace) -> int:
    return _run(args, lambda client: client.delete(args.id))


def _emulator(args: argparse.Namespace) -> int:
    import logging

    from ._protocol import url_host
    from .emulator import GraphEmulator, serve

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    log = logging.getLogger("ndes.emulator")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        server = serve(args.host, args.port, GraphEmulator(page_size=args.page_size))
    except OSError as exc:
        return _fail(EXIT_USAGE, f"cannot listen on {url_host(args.host)}:{args.port}: {exc}")
    warning = _exposure_warning(args.host)
    if warning:
        print(warning, file=sys.stderr)
    from . import _cli_bulk

    _cli_bulk.configure_emulator(server, args)
    print(server.base_url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.close()
    return EXIT_OK


def _exposure_warning(host: str) -> str | None:
    from ._protocol import is_loopback

    if is_loopback(host):
        return None
    return (
        f"ndes: warning: the emulator listens on {host}, reachable beyond this machine; it "
        "takes any token and anyone there can read and change what it holds"
    )


def _completion(args: argparse.Namespace) -> int:
    from . import _cli_completion

    sys.stdout.write(_cli_completion.script(args.shell, _parser()))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {
        "create": _create,
        "list": _list,
        "get": _get,
        "update": _update,
        "delete": _delete,
        "emulator": _emulator,
        "completion": _completion,
    }
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
