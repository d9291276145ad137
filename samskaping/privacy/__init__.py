"""Personvern: innsyn and erasure for one person."""
