"""The leader's side: signing in, schools and people with their QR codes, the certificate, backups."""
