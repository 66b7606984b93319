"""How every CLI command talks: one JSON document on stdout with ``--json``, human text otherwise.

Errors are one line on stderr and exit code 2 (bad usage or bad input), never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer

from paramstack.errors import ParamstackError

BAD_INPUT_EXIT_CODE = 2


def emit(data: Any, as_json: bool, render: Callable[[Any], str] | None = None) -> None:
    """Print ``data`` as one JSON document, or as the text ``render`` makes of it."""
    if as_json or render is None:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=None if as_json else 2, default=str))
    else:
        typer.echo(render(data))


def fail(message: str, exit_code: int = BAD_INPUT_EXIT_CODE) -> NoReturn:
    """Print one line on stderr and stop with ``exit_code``."""
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(exit_code)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn paramstack's typed errors (and unreadable files) into ``fail`` lines."""
    try:
        yield
    except ParamstackError as error:
        fail(error.message)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        fail(f"{error.strerror}: {error.filename}")
