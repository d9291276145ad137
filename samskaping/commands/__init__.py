"""The `flask --app app …` commands."""
