"""What the web server sends with the handbook: one Content-Security-Policy.

Shared by the build (which writes ``csp-header.conf`` with the hashes of its few
inline scripts) and ``make versions`` (one policy for the whole archive).
See ``tools/protokit/hosting/nginx.conf``.
"""

from __future__ import annotations

#: The file the build writes beside the pages, for the web server to include.
HEADER_FILE = "csp-header.conf"

POLICY = (
    "default-src 'self'; script-src 'self' {hashes}; "
    # mermaid writes inline styles into each diagram: the one allowance.
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
