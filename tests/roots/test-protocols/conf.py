from protokit import settings

extensions = ["myst_parser", "sphinx_design", "sphinxcontrib.mermaid", "protokit.sphinxext"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
nitpicky = True
myst_enable_extensions = settings.MYST_ENABLE_EXTENSIONS
myst_heading_anchors = settings.MYST_HEADING_ANCHORS
myst_fence_as_directive = settings.MYST_FENCE_AS_DIRECTIVE
mermaid_use_local = "mermaid/mermaid.esm.min.mjs"
html_theme = "basic"
