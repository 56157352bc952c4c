"""regen: regeneration learning, conditional generation as X -> Y' -> Y."""

__version__ = "0.1.0"
