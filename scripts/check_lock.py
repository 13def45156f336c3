"""Fails when requirements.lock (hashed, from pip-compile) no longer matches requirements*.txt.

The .txt files say what we chose; the lock pins every package, direct or not, with its hashes, and is what
`make` installs (pip --require-hashes). Regenerate it with `make lock` after editing a requirements file.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;\\]+)", re.M)


def pins(text: str) -> dict[str, str]:
    return {re.sub(r"\[.*\]", "", name).lower().replace("_", "-"): version for name, version in PIN.findall(text)}


def main() -> int:
    chosen = {**pins((ROOT / "requirements.txt").read_text()), **pins((ROOT / "requirements-dev.txt").read_text())}
    locked = pins((ROOT / "requirements.lock").read_text())
    stale = sorted(
        f"{name}=={version} (lock: {locked.get(name, 'missing')})"
        for name, version in chosen.items()
        if locked.get(name) != version
    )
    if stale:
        print("requirements.lock is stale; run `make lock`:\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
