"""The leader's export, import and sync pages."""
