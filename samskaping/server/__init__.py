"""The network around the app: the laptop's addresses and its own HTTPS certificate."""
