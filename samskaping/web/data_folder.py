"""The data folder an app works on: its secret key, and pointing a command's app at another folder (--data)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask


def use_data_folder(app: Flask, folder: str | os.PathLike) -> None:
    """Point an app not yet serving at another data folder (a command's --data): its store and, unless
    configured, its secret key (join codes are made with it) come from there."""
    if app.extensions.get("samskaping_store") is not None:
        raise RuntimeError("the store is open already")
    data_dir = Path(folder)
    data_dir.mkdir(parents=True, exist_ok=True)
    app.config["DATA_DIR"] = str(data_dir)
    if app.extensions.get("samskaping_key_from_data"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(data_dir)


def load_or_create_secret_key(data_dir: Path) -> str:
    """Read the persistent secret key, making it on first run so sessions survive restarts."""
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        # O_EXCL: two first runs racing cannot both write a key; 0o600: only this user can read it.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            try:
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_hex(32))
                    f.flush()
                    os.fsync(f.fileno())
            except BaseException:
                key_file.unlink()  # an empty key (a full disk) must not be read as the key at the next start
                raise
    return key_file.read_text().strip()
