"""MkDocs hooks (mkdocs.yml: hooks), beside the theme overrides: the one change made to the theme's HTML after rendering.

mkdocs-material 9.8 writes its two drawer/search toggles as checkboxes with autocomplete="off", which
HTML does not allow on a checkbox (the Nu HTML Checker reports it on every page). The attribute only
stops Firefox restoring a checkbox on back/forward; atlas.js resets both toggles on `pageshow` instead.
"""

from __future__ import annotations

import re

_TOGGLE = re.compile(r'(<input class="md-toggle" data-md-toggle="(?:drawer|search)" type="checkbox" id="__(?:drawer|search)")'
                     r' autocomplete="off">')


def on_post_page(output: str, page, config) -> str:  # noqa: ARG001 (MkDocs passes all three)
    """Drop autocomplete from the theme's two toggle checkboxes."""
    return _TOGGLE.sub(r"\1>", output, count=2)


def on_post_template(output_content: str, template_name: str, config) -> str:  # noqa: ARG001
    """The same for the theme's own pages (404.html)."""
    return _TOGGLE.sub(r"\1>", output_content, count=2) if template_name.endswith(".html") else output_content
