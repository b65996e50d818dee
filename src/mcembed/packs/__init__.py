"""Credential packs: folders of YAML authoring files, loaded into values."""

from .loader import Pack, load_pack
from .schema import pack_schema

__all__ = ["Pack", "load_pack", "pack_schema"]
