"""qualcode: qualitative coding of interview transcripts, with Chinese-aware search."""

__version__ = "0.1.0"
