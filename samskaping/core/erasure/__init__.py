"""Erasing a person: the plan, the erasure itself with its tombstones, and what merges do with them."""
