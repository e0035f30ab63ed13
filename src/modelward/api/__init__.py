"""The HTTP interface: FastAPI routes over the same service functions as the CLI."""
