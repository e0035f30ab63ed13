"""Backends: the metadata store, the blob store and (later) executors, each behind a small
interface chosen by a URL."""
