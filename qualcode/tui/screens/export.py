"""The export screen (filled in by the exports work): what to export and where it went."""
