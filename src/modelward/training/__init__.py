"""Model search, fitting and export: task detection, features, families, search."""
