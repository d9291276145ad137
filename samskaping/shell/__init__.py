"""The installable app shell (service worker, manifest) and the health check."""
