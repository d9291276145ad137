"""A second process for the storage tests: writes records, printing each id once create() has returned."""
from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from samskaping.store.database import DataFolderInUse, Store  # noqa: E402

EXIT_IN_USE = 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--compact-every", type=int)
    parser.add_argument("--count", type=int, help="write this many records per thread, then exit without close()")
    parser.add_argument("--try-open", action="store_true", help="only open and close the store")
    args = parser.parse_args()

    try:
        store = Store(args.folder, compact_every=args.compact_every)
    except DataFolderInUse as error:
        print(error, flush=True)
        return EXIT_IN_USE
    if args.try_open:
        store.close()
        return 0

    printing = threading.Lock()

    def write(writer: int) -> None:
        number = 0
        while args.count is None or number < args.count:
            record, _ = store.create("meetings", {"writer": writer, "number": number, "notes": "x" * 300})
            with printing:
                print(record["id"], flush=True)
            number += 1

    threads = [threading.Thread(target=write, args=(n,)) for n in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Leave as a crash would: no close(), so the journal is not folded into the snapshot.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
