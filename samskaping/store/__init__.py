"""Storage: the journal, the Store, the data folder's lock, backups and the one clock; imports nothing else of the package."""
