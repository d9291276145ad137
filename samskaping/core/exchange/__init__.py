"""Data between installations: export, import files and their rules, merging, and sync's pages."""
