"""The s2fuzz command line (standard library only)."""
