"""The name of the image this checkout builds: ``localhost/dump-models:<hash>``.

The hash covers the Dockerfile and every file its ``COPY`` lines take from the build context,
as they are in the working tree (bytecode left out, as .dockerignore leaves it out).
``.ci/image.sh`` builds under this name and ``tests/test_image.py`` runs only the image of this
name, so the image tests never run a build of other sources (the image storage may be shared
by several checkouts). Prints the name; standard library only.
"""

from __future__ import annotations

import hashlib
import shlex
import sys
from pathlib import Path

REPOSITORY = "localhost/dump-models"
HASH_CHARS = 16
SKIPPED_DIRECTORIES = ("__pycache__",)  # .dockerignore: **/__pycache__, **/*.pyc
SKIPPED_SUFFIXES = (".pyc",)


def copied_sources(root: Path) -> list[str]:
    """The build-context paths the Dockerfile's ``COPY`` lines name (``--from`` ones excluded)."""
    text = (root / "Dockerfile").read_text(encoding="utf-8")
    sources = []
    for line in text.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if not words or words[0].upper() not in ("COPY", "ADD"):
            continue
        flags = [w for w in words[1:] if w.startswith("--")]
        if any(flag.startswith("--from=") for flag in flags):
            continue  # copies from another image, not from the context
        paths = [w for w in words[1:] if not w.startswith("--")]
        sources.extend(paths[:-1])  # the last one is the destination
    return sources


def hashed_files(root: Path) -> list[Path]:
    """The Dockerfile and every file the image is built from, sorted, relative to ``root``."""
    files = {Path("Dockerfile")}
    for source in copied_sources(root):
        path = root / source
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in candidates:
            relative = file.relative_to(root)
            if not file.is_file() or file.suffix in SKIPPED_SUFFIXES:
                continue
            if any(part in SKIPPED_DIRECTORIES for part in relative.parts):
                continue
            files.add(relative)
    return sorted(files, key=lambda p: p.as_posix())


def content_hash(root: Path) -> str:
    """A hash of the paths and bytes of :func:`hashed_files` (not their times)."""
    digest = hashlib.sha256()
    for relative in hashed_files(root):
        content = hashlib.sha256((root / relative).read_bytes()).hexdigest()
        digest.update(f"{relative.as_posix()}\0{content}\n".encode())
    return digest.hexdigest()[:HASH_CHARS]


def image_name(root: Path) -> str:
    """``localhost/dump-models:<hash of what root's Dockerfile builds from>``."""
    return f"{REPOSITORY}:{content_hash(root)}"


if __name__ == "__main__":
    here = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    print(image_name(here))
