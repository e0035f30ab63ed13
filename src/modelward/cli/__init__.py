"""The command-line interface: parse, call one core function, render."""

from modelward.cli.app import app, main

__all__ = ["app", "main"]
