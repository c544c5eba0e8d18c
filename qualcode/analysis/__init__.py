"""Analyses over codings: ratings of factor strength, matrices, co-occurrence."""
