"""Why the data folder cannot be opened, in words the leader can act on; a refused open changes no file."""
from __future__ import annotations

import errno
import os
from collections.abc import Callable

# The store knows no Flask and no locale: messages are English msgids rendered by whoever shows them
# (errors.refusal_text: bokmål, then English). N_ only marks them for `pybabel extract`.
N_: Callable[[str], str] = str

# How the tables and records of a damaged file were found, named in the message.
KINDS = {
    dict: N_("an object"), list: N_("a list"), str: N_("a text"), bool: N_("true or false"),
    int: N_("a number"), float: N_("a number"), type(None): N_("null"),
}

BACKUPS_FOLDER = "backups"
NO_SPACE = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
READ_ONLY = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


def kind_of(value: object) -> str:
    """What a value is, in words ("a list"), for a message about a file that holds the wrong thing."""
    return KINDS.get(type(value), N_("something else"))


class StoreRefused(RuntimeError):
    """The data folder cannot be opened as it is; nothing in it was changed.

    `headline` says what is wrong, `detail` where (a msgid filled with `params`; without params, plain
    text), `advice` what the leader can do. str() is the English detail alone, one line as before; render()
    is the whole message. Params listed in `translated` are msgids themselves.
    """

    headline = N_("The data folder cannot be opened.")
    advice = N_("Nothing was changed.")

    def __init__(self, detail: str, *, folder: str | os.PathLike = "", translated: tuple[str, ...] = (),
                 **params: object):
        self.detail = detail
        self.folder = str(folder)
        self.translated = translated
        self.filled = bool(params)
        self.params = {"folder": self.folder, "backups": os.path.join(self.folder, BACKUPS_FOLDER, ""), **params}
        super().__init__(self.render_detail())

    def __str__(self) -> str:  # not OSError's "[Errno …]" for the subclasses that are OSErrors too
        return self.render_detail()

    def render_detail(self, gettext: Callable[[str], str] = str) -> str:
        return gettext(self.detail) % self._params(gettext) if self.filled else self.detail

    def render(self, gettext: Callable[[str], str] = str) -> str:
        """The whole message through `gettext`: headline, detail, advice, one per line."""
        lines = [gettext(self.headline), self.render_detail(gettext)]
        if self.advice:
            lines.append(gettext(self.advice) % self._params(gettext))
        return "\n".join(lines)

    def _params(self, gettext: Callable[[str], str]) -> dict[str, object]:
        return {key: gettext(value) if key in self.translated else value for key, value in self.params.items()}


class FolderUnusable(StoreRefused, OSError):
    """The OS refused to open or write the data folder; still an OSError, with its errno, for callers that
    catch those."""


class DataFolderReadOnly(FolderUnusable):
    """The data folder (or the disk it is on) cannot be written to."""

    headline = N_("The data folder cannot be written to.")
    advice = N_("Nothing was changed. Check that the disk or USB stick is not write-protected and that you may "
                "write to the folder, or start with another data folder (--data).")


class NoSpaceLeft(FolderUnusable):
    """The disk that holds the data folder is full."""

    headline = N_("There is no space left on the disk.")
    advice = N_("Nothing was changed. Free some space on the disk (empty the recycle bin, move large files "
                "elsewhere), then start again.")


def refusal_for(error: OSError, folder: str | os.PathLike) -> FolderUnusable:
    """The refusal an OS error at opening means: a full disk, a read-only folder, or (any other) the error itself."""
    where = str(error.filename or folder)
    reason = error.strerror or str(error)
    if error.errno in NO_SPACE:
        refusal: FolderUnusable = NoSpaceLeft(N_("%(file)s could not be written: the disk is full."), folder=folder,
                                              file=where)
    elif error.errno in READ_ONLY:
        refusal = DataFolderReadOnly(N_("%(file)s could not be written (%(error)s)."), folder=folder, file=where,
                                     error=reason)
    else:
        refusal = FolderUnusable(N_("%(file)s could not be opened (%(error)s)."), folder=folder, file=where,
                                 error=reason)
    refusal.errno, refusal.strerror, refusal.filename = error.errno, error.strerror, error.filename
    return refusal
