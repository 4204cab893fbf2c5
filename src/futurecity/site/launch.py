"""Binder and Colab launch buttons only when the book names its repository.

sphinx-book-theme builds each chapter's launch links from ``html_theme_options.repository_url`` (the
``repository.url`` of ``_config.yml``) and fails on an empty one. So with no URL set the launch providers are
dropped here, before the theme reads them, and no button is shown; with a URL every notebook page gets them.
"""

from __future__ import annotations


def _launch_only_with_a_repository(app, config) -> None:
    options = config.html_theme_options
    if not str(options.get("repository_url") or "").strip():
        options.pop("launch_buttons", None)


def setup(app):
    app.connect("config-inited", _launch_only_with_a_repository)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
