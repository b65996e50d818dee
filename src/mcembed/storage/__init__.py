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
from .blobs import BlobStore, LocalBlobStore, MemoryBlobStore, StagedBlob
from .memory import MemoryStore

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .sqlalchemy import SqlStore, StorageError


def __getattr__(name: str) -> object:
    # SQLAlchemy takes a fifth of a second to import; notebooks on the memory
    # store, and commands that need no database, never pay for it.
    if name in ("SqlStore", "StorageError"):
        from . import sqlalchemy

        return getattr(sqlalchemy, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    "StagedBlob",
    "StorageError",
    "Store",
    "SubmissionFilter",
    "Transaction",
]
