"""All terminal output goes through one `Output`: Rich for people, exactly one JSON document
for scripts (`--json`). Errors and progress go to stderr so stdout stays parseable."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, RenderableType
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class Output:
    """Renders results for a person, or as one JSON document under `--json`."""

    def __init__(self, *, json_mode: bool = False) -> None:
        self.json_mode = json_mode
        self.out = Console(highlight=False, soft_wrap=True)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    def result(self, data: Any, render: Callable[[], RenderableType | str | None]) -> None:
        """Print `data` as JSON in JSON mode, else whatever `render` builds."""
        if self.json_mode:
            sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
            return
        shown = render()
        if shown is not None:
            self.out.print(shown)

    def note(self, message: str) -> None:
        """A status line for people, on stderr (stdout stays for results)."""
        self.err.print(message, markup=False, highlight=False)

    def error(self, message: str) -> None:
        self.err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)

    @contextmanager
    def progress(self, description: str) -> Iterator[Callable[[str], None]]:
        """A live spinner with elapsed time on stderr; yields a function that names the step."""
        if self.json_mode or not self.err.is_terminal:
            yield lambda _step: None
            return
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        with Progress(*columns, console=self.err, transient=True) as bar:
            task = bar.add_task(description)
            yield lambda step: bar.update(task, description=f"{description}: {step}")
