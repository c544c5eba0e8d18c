"""Exports: factor-strength tables, matrices, quote reports, REFI-QDA exchange files."""
