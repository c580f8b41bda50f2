"""``ndes create --from FILE``: one connector per row, through ``Client.create_many``.

stdout gets one JSON line per row, in row order: ``line``, ``status`` and the ``connector`` or
the ``error``. stderr gets a progress bar when it is a terminal, and a summary line at the end.
The exit code is 0 only when every row was created or already existed; otherwise the most
serious outcome seen decides: 6 some outcome unknown, 5 nothing reached Graph, 4 Graph refused
a row, 3 a row was invalid (the codes of ``ndes create``). A run stopped early exits 130 on
Ctrl-C and 141 when stdout's reader goes away (``| head``), and says to re-run with --if-absent.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from typing import IO, Any

from . import errors
from ._bulk_result import UNKNOWN, BulkEntry
from ._cli_progress import Progress
from .cli import EXIT_OK, EXIT_USAGE, exit_code

EXIT_INTERRUPTED = 130  # as a shell reports SIGINT
EXIT_BROKEN_PIPE = 141  # as a shell reports SIGPIPE: stdout's reader went away mid-run
_STOPPED = (
    "rows with no JSON line above were not all settled (a batch may have been in flight): "
    "run again with --if-absent"
)


def add_arguments(create: argparse.ArgumentParser) -> None:
    """The options of bulk create, on the ``create`` command's parser."""
    create.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE",
        help="create one connector per row of FILE: .csv (a header of wire or Python names), "
        ".jsonl or a .json array; - reads stdin",
    )
    create.add_argument(
        "--format",
        choices=("csv", "jsonl", "json"),
        help="when FILE's name "
        "does not say (default: from the name, else from the first character)",
    )
    from ._cli_args import count

    create.add_argument(
        "--batch-size", type=count(1, 20), default=20, help="requests per $batch, 1-20"
    )
    create.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    create.add_argument(
        "--write-limit",
        type=_write_limit,
        default=(100, 20.0),
        metavar="N/SECONDS",
        help="at most N writes in any SECONDS (default 100/20, Intune's per-app limit); "
        "'none' for an emulator",
    )


def add_emulator_arguments(serve: argparse.ArgumentParser) -> None:
    """``ndes emulator --throttle``: Intune's write limits, for a demo of the limiter."""
    serve.add_argument(
        "--throttle",
        type=_throttle,
        metavar="APP/TENANT/SECONDS",
        help="answer 429 with Retry-After past APP writes per app (token) or TENANT writes in "
        "all in any SECONDS; Intune's are 100/200/20",
    )


def configure_emulator(server: Any, args: argparse.Namespace) -> None:
    if args.throttle is not None:
        server.emulator.throttle_writes(*args.throttle)


def _throttle(text: str) -> tuple[int, int, float]:
    try:
        app, tenant, seconds = text.split("/")
        limits = (int(app), int(tenant), float(seconds))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not APP/TENANT/SECONDS, e.g. 100/200/20"
        ) from None
    if min(limits) <= 0:
        raise argparse.ArgumentTypeError("the limits and the window must be positive")
    return limits


def _write_limit(text: str) -> tuple[int, float] | None:
    if text.strip().lower() == "none":
        return None
    try:
        writes, _, seconds = text.partition("/")
        limit = (int(writes), float(seconds))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not N/SECONDS, e.g. 100/20") from None
    from ._policy import WriteLimiter

    try:
        WriteLimiter(*limit)  # the one check of a write limit, the library's own
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return limit


def run(args: argparse.Namespace) -> int:
    from .cli import _checked_token, _fail, _Failed, _fields

    if _fields(args):
        return _fail(EXIT_USAGE, "--from takes the fields from the file; give no field options")
    try:
        token = _checked_token(args.emulator)
    except _Failed as failed:
        return _fail(failed.code, str(failed))
    try:
        stream, fmt = _open(args.from_file, args.format)
    except OSError as exc:
        return _fail(EXIT_USAGE, f"cannot read {args.from_file}: {exc.strerror or exc}")
    show = not args.no_progress and sys.stderr.isatty()
    total = _count(args.from_file, fmt) if show else None
    try:
        return _create_rows(args, token, stream, fmt, total, show)
    finally:
        if stream is not sys.stdin:
            stream.close()


def _open(name: str, fmt: str | None) -> tuple[IO[str], str]:
    from ._cli_rows import MAX_LINE, format_of

    # Bytes that are not UTF-8 become lone surrogates, which the C core refuses with a
    # ValidationError naming the field: a bad row, not the end of the run.
    if name == "-":
        if hasattr(sys.stdin, "reconfigure"):
            sys.stdin.reconfigure(errors="surrogateescape")
        raw: IO[str] = sys.stdin
    else:
        raw = open(name, encoding="utf-8-sig", errors="surrogateescape", newline="")
    if name != "-" and raw.seekable():
        if fmt is None:
            fmt = format_of(name, raw.readline(MAX_LINE))
            raw.seek(0)
        return raw, fmt
    # stdin or a pipe (`--from <(generate)`) cannot be rewound: its first line, read to tell
    # the format and to drop a byte order mark, is put back in front of the rest.
    first = raw.readline(MAX_LINE).removeprefix("\ufeff")
    stream: Any = _Chained(first, raw)
    return stream, fmt or format_of("" if name == "-" else name, first)


class _Chained:
    """A stream that cannot be rewound, with its first line, already read, put back in front."""

    def __init__(self, first: str, rest: IO[str]) -> None:
        self._first = first
        self._rest = rest

    def readline(self, size: int = -1) -> str:
        if self._first:
            first, self._first = self._first, ""
            return first  # read with the limit the row reader uses, so within its size
        return self._rest.readline(size)

    def read(self, size: int = -1) -> str:
        first, self._first = self._first, ""
        if size < 0:
            return first + self._rest.read()
        return first + self._rest.read(max(0, size - len(first)))

    def close(self) -> None:
        if self._rest is not sys.stdin:
            self._rest.close()


def _count(name: str, fmt: str) -> int | None:
    import os
    import stat

    from ._cli_rows import FileError, count_rows

    if name == "-" or fmt == "json":
        return None  # stdin cannot be read twice; a JSON array's count comes when it is parsed
    try:
        if not stat.S_ISREG(os.stat(name).st_mode):
            return None  # a pipe (`--from <(generate)`) read to count it would be drained
        with open(name, encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
            return count_rows(f, fmt)
    except (OSError, FileError):  # the run itself says what is wrong
        return None


def _create_rows(
    args: argparse.Namespace, token: Any, stream: IO[str], fmt: str, total: int | None, show: bool
) -> int:
    from . import _bulk
    from ._cli_rows import FileError, rows
    from .client import DEFAULT_BASE_URL, Client

    lines: dict[int, int] = {}  # input index -> line, until its JSON line is written
    try:
        source = rows(stream, fmt)
        if fmt == "json":
            source = list(source)  # type: ignore[assignment]
            total = len(source)  # type: ignore[arg-type]
    except FileError as exc:
        from .cli import _fail

        return _fail(EXIT_USAGE, f"{args.from_file}: {exc}")

    def items() -> Any:
        for index, (line, item) in enumerate(source):
            lines[index] = line
            yield item

    progress = Progress(sys.stderr, total) if show else None
    out = _Output(sys.stdout, lines)
    server = None
    started = time.monotonic()
    if args.emulator:
        from .emulator import serve

        server = serve()
        base_url = server.base_url
    else:
        base_url = args.base_url or DEFAULT_BASE_URL
    if args.verbose:
        import logging

        logging.basicConfig(format="ndes: %(message)s", level=logging.DEBUG)
    try:
        with Client(
            token,
            base_url=base_url,
            timeout=args.timeout,
            max_retries=args.max_retries,
            max_retry_after=args.max_retry_after,
            write_limit=args.write_limit,
        ) as client:
            result = client._run(
                _bulk.create_many(
                    client._settings,
                    items(),
                    if_absent=args.if_absent,
                    key=args.key,
                    batch_size=args.batch_size,
                    on_progress=progress.update if progress else None,
                    on_entry=out.entry,
                )
            )
    except BrokenPipeError:
        # Whoever read the JSON lines is gone (`| head`): creating more that nobody sees
        # reported would only make the re-run's work harder, so the run stops here.
        _drop_stdout()
        return _stop(progress, EXIT_BROKEN_PIPE, f"stdout was closed; {_STOPPED}")
    except (FileError, csv.Error) as exc:
        out.flush()
        return _stop(progress, EXIT_USAGE, f"{args.from_file}: {exc}; {_STOPPED}")
    except ValueError as exc:  # a refused base URL, batch size or key
        return _stop(progress, EXIT_USAGE, str(exc))
    except errors.NdesError as exc:  # reading the collection for --if-absent failed
        return _stop(progress, exit_code(exc), str(exc))
    except KeyboardInterrupt:
        out.flush()
        return _stop(progress, EXIT_INTERRUPTED, f"interrupted; {_STOPPED}")
    finally:
        if server is not None:
            server.close()
    if progress:
        progress.close()
    elapsed = time.monotonic() - started
    rate = f", {len(result) / elapsed:,.0f}/s" if elapsed > 0 and len(result) else ""
    print(f"ndes: {result.summary()} ({elapsed:.1f} s{rate})", file=sys.stderr)
    codes = [exit_code(e.error) for e in result if not e.ok and e.error is not None]
    return max(codes, default=EXIT_OK)


def _drop_stdout() -> None:
    """Points stdout at /dev/null, so that the interpreter's flush at exit does not fail too."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor behind it (a test's stdout)
        pass


def _stop(progress: Progress | None, code: int, message: str) -> int:
    from .cli import _fail

    if progress:
        progress.close()
    return _fail(code, message)


class _Output:
    """One JSON line per row, in row order: entries settle out of order (a row re-sent after
    its Retry-After), so the ones ahead of a gap wait here until it fills."""

    def __init__(self, stream: IO[str], lines: dict[int, int]) -> None:
        self._stream = stream
        self._lines = lines
        self._next = 0
        self._held: dict[int, BulkEntry] = {}

    def entry(self, entry: BulkEntry) -> None:
        self._held[entry.index] = entry
        while self._next in self._held:
            self._write(self._held.pop(self._next))
            self._next += 1

    def flush(self) -> None:
        """The run stopped early: what is settled is written, past the gaps."""
        for index in sorted(self._held):
            self._write(self._held.pop(index))
        self._stream.flush()

    def _write(self, entry: BulkEntry) -> None:
        head = f'{{"line":{self._lines.pop(entry.index)},"status":"{entry.status}"'
        if entry.connector is not None:
            text = head + ',"connector":' + entry.connector.to_json().decode() + "}"
        else:
            text = head + ',"error":' + json.dumps(_error_doc(entry), separators=(",", ":")) + "}"
        self._stream.write(text + "\n")


def _error_doc(entry: BulkEntry) -> dict[str, Any]:
    error = entry.error
    doc: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, errors.ValidationError):
        doc["field"] = error.field
    elif isinstance(error, errors.DecodeError):
        doc["offset"] = error.offset
    if isinstance(error, errors.GraphError):
        doc.update(status=error.status, code=error.code, request_id=error.request_id)
    client_request_id = getattr(error, "client_request_id", None)
    if client_request_id:
        doc["client_request_id"] = client_request_id
    if entry.status == UNKNOWN:
        doc["hint"] = "the connector may exist: run again with --if-absent"
    return doc
