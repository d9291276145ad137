"""Find things: a search over the records a reader may read, and the per-school view."""
