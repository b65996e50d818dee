"""Storage: the ``Store`` protocol, its in-memory and SQL implementations, and files."""

from .base import (
    AwardFilter,
    CatalogHit,
    CatalogQuery,
    DeliveryFilter,
    PackRecord,
    Page,
    Store,
    SubmissionFilter,
    Transaction,
)
from .blobs import BlobStore, LocalBlobStore, MemoryBlobStore
from .memory import MemoryStore
from .sqlalchemy import SqlStore, StorageError

__all__ = [
    "AwardFilter",
    "BlobStore",
    "CatalogHit",
    "CatalogQuery",
    "DeliveryFilter",
    "LocalBlobStore",
    "MemoryBlobStore",
    "MemoryStore",
    "PackRecord",
    "Page",
    "SqlStore",
    "StorageError",
    "Store",
    "SubmissionFilter",
    "Transaction",
]
