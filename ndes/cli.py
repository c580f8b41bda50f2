"""The ``ndes`` command: create a connector from a shell, or serve the Graph emulator.

Exit codes: 0 created; 2 usage (bad arguments, no token or an unusable one); 3 a field Graph
would refuse; 4 Graph answered with an error; 5 nothing reached Graph; 6 the request may have
reached Graph and the outcome is unknown (look the connector up before trying again). Each
error is one line on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

EXIT_OK, EXIT_USAGE, EXIT_VALIDATION, EXIT_GRAPH, EXIT_TRANSPORT, EXIT_UNKNOWN = 0, 2, 3, 4, 5, 6

FIELDS = (
    ("display_name", "--display-name", "displayName"),
    ("state", "--state", "state: none, active or inactive"),
    ("last_connection_date_time", "--last-connection-date-time", "RFC 3339 with an offset"),
    ("enrolled_date_time", "--enrolled-date-time", "RFC 3339 with an offset"),
    ("machine_name", "--machine-name", "machineName"),
    ("connector_version", "--connector-version", "connectorVersion"),
)


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="ndes", description="Create Microsoft Graph ndesConnectors (Intune NDES connectors)."
    )
    parser.add_argument("--version", action="version", version=f"ndes {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    create = commands.add_parser(
        "create",
        help="create a connector and print it as JSON",
        description="POST a connector to /deviceManagement/ndesConnectors and print the one "
        "Graph made. The token comes from NDES_TOKEN, or from azure-identity's environment "
        "credentials (AZURE_TENANT_ID, AZURE_CLIENT_ID, ...) when it is installed.",
    )
    for dest, flag, help_text in FIELDS:
        create.add_argument(flag, dest=dest, help=help_text)
    create.add_argument(
        "--role-scope-tag-id", dest="role_scope_tag_ids", action="append", help="repeatable"
    )
    where = create.add_mutually_exclusive_group()
    where.add_argument("--base-url", default=None, help="default https://graph.microsoft.com/beta")
    where.add_argument(
        "--emulator", action="store_true", help="create against an embedded Graph emulator"
    )
    create.add_argument("--timeout", type=float, default=30.0, help="seconds per attempt")
    create.add_argument("--max-retries", type=int, default=3, help="for 429, 503, not-sent")
    create.add_argument("-v", "--verbose", action="store_true", help="log each attempt to stderr")

    serve = commands.add_parser("emulator", help="serve the Graph emulator until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    return parser


def _token(emulator: bool) -> object | None:
    token = os.environ.get("NDES_TOKEN")
    if token:
        return token
    if emulator:
        return "emulator-token"
    try:
        from azure.identity import EnvironmentCredential  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    if not os.environ.get("AZURE_CLIENT_ID"):
        return None
    credential: object = EnvironmentCredential()
    return credential


def _fail(code: int, message: str) -> int:
    # One line, whatever the message holds (a server's text may hold newlines).
    print(f"ndes: error: {' '.join(message.split())}", file=sys.stderr)
    return code


def _exit_code(exc: BaseException) -> tuple[int, str]:
    """The documented exit code for an error create() raised, and the line that says it."""
    from . import errors

    # An answer that may carry a created connector (ServerError, UnexpectedResponseError) is
    # a GraphError too: "may exist" comes first.
    if isinstance(exc, errors.OutcomeUnknownError):
        return EXIT_UNKNOWN, f"{exc}; the connector may exist: look it up before retrying"
    if isinstance(exc, errors.GraphError):
        return EXIT_GRAPH, str(exc)
    if isinstance(exc, errors.TransportError):
        return EXIT_TRANSPORT, str(exc)
    if isinstance(exc, errors.ValidationError):
        return EXIT_VALIDATION, str(exc)
    return EXIT_USAGE, str(exc)  # CredentialError, a refused base URL, a bad option value


def _create(args: argparse.Namespace) -> int:
    from . import errors
    from ._core import NdesConnector
    from .client import DEFAULT_BASE_URL, Client

    fields = {dest: getattr(args, dest) for dest, _, _ in FIELDS}
    fields["role_scope_tag_ids"] = args.role_scope_tag_ids
    try:
        connector = NdesConnector(**{k: v for k, v in fields.items() if v is not None})
    except errors.ValidationError as exc:
        return _fail(EXIT_VALIDATION, str(exc))
    token = _token(args.emulator)
    if token is None:
        return _fail(EXIT_USAGE, "no token: set NDES_TOKEN (or azure-identity's AZURE_* variables)")
    if args.verbose:
        import logging

        logging.basicConfig(format="ndes: %(message)s", level=logging.DEBUG)
    server = None
    if args.emulator:
        from .emulator import serve

        server = serve()
        base_url = server.base_url
    else:
        base_url = args.base_url or DEFAULT_BASE_URL
    try:
        with Client(
            token,  # type: ignore[arg-type]
            base_url=base_url,
            timeout=args.timeout,
            max_retries=args.max_retries,
        ) as client:
            created = client.create(connector)
    except (errors.NdesError, ValueError) as exc:  # ValueError: a refused base URL or option
        return _fail(*_exit_code(exc))
    finally:
        if server is not None:
            server.close()
    sys.stdout.write(created.to_json().decode() + "\n")
    return EXIT_OK


def _emulator(args: argparse.Namespace) -> int:
    from .emulator import serve

    try:
        server = serve(args.host, args.port)
    except OSError as exc:
        return _fail(EXIT_USAGE, f"cannot listen on {args.host}:{args.port}: {exc}")
    print(server.base_url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.close()
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "create":
        return _create(args)
    return _emulator(args)


if __name__ == "__main__":
    sys.exit(main())
