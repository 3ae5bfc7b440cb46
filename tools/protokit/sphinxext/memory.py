"""Keep what lives until the build ends out of the garbage collector's scans.

Reading and writing allocate millions of short-lived nodes, and each full
collection rescans every object alive: the environment, the parsed pages the
checker's cache loaded (thousands of objects each), the diagram verdicts. So
they are frozen as soon as they exist: before reading (with the parse cache
loaded), after reading, and after the rules ran. Unfrozen when the build
finishes, so ``make serve``'s long-lived process still collects what a rebuild
drops.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from .domain import protocol_domain

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata


def freeze_before_reading(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """``env-before-read-docs``: load the parse cache first, then freeze."""
    protocol_domain(env).document_cache  # noqa: B018 - loads it
    gc.freeze()


def freeze(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """``env-updated`` and ``env-check-consistency``: freeze what reading and the rules kept."""
    gc.freeze()
    return []


def unfreeze(app: Sphinx, exception: BaseException | None) -> None:
    gc.unfreeze()


def setup(app: Sphinx) -> ExtensionMetadata:
    # Priority 900: after every other handler of these events.
    app.connect("env-before-read-docs", freeze_before_reading, priority=900)
    app.connect("env-updated", freeze, priority=900)
    app.connect("env-check-consistency", freeze, priority=900)
    app.connect("build-finished", unfreeze)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
