"""Blob storage: a content-addressed store over a small byte-moving backend."""

from modelward.backends.blobs.backend import BlobBackend, open_backend
from modelward.backends.blobs.store import BlobStore

__all__ = ["BlobBackend", "BlobStore", "open_backend"]
