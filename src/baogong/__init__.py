"""baogong (保供): emergency supply command platform."""

__version__ = "0.1.0"
