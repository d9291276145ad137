"""The Flask glue the views share: store per app, access, the outbox policy, forms, pages, errors, language."""
