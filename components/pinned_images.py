"""Images the stacks run but do not build, pinned where Dependabot's docker updates see them."""

from pathlib import Path

IMAGES = Path(__file__).resolve().parent.parent / "images"


def pinned_image(name: str) -> str:
    """The image `images/<name>/Dockerfile` names in its FROM line."""
    dockerfile = IMAGES / name / "Dockerfile"
    return next(line.split()[1] for line in dockerfile.read_text().splitlines() if line.startswith("FROM "))
