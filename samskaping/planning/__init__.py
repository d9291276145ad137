"""Planned meetings: the next meeting of a school, prepared (its views, form and reads)."""
