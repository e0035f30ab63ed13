"""`python -m modelward` is the `modelward` command."""

from modelward.cli import main

main()
