"""The home page's charts, drawn on the server as SVG with pygal: no script, nothing fetched.

pygal writes a chart's colours and fonts as a `<style>` element inside the SVG, and a `<script>`
with its configuration for its (optional, remote) tooltip script. The script is taken out here,
and the charts are served as images (`<img src>`, views/figures.py): an SVG shown as an image
never runs script or loads anything, and the page's content security policy is untouched. The
SVG's own response allows only its inline styles, for whoever opens it on its own.
"""

from __future__ import annotations

import sys
from typing import Any

import pygal
from pygal.etree import etree
from pygal.style import Style

from intake.backoffice.dashboard import Figure

# Importing pygal appends a finder of the old kind (no `find_spec`) to sys.meta_path, for its map
# plugins, which we do not use; Python 3.11 warns on every import that reaches it ("falling back
# to find_module"), and the test suite turns warnings into errors. Taken out again.
sys.meta_path[:] = [
    finder for finder in sys.meta_path if not type(finder).__module__.startswith("pygal")
]

# The admin's own font stack, black text on white: the axis labels read as the page does.
FONTS = (
    '-apple-system, BlinkMacSystemFont, "Segoe UI", system-ui, Roboto, "Helvetica Neue", '
    "Arial, sans-serif"
)
WIDTH, HEIGHT = 760, 340


def _style(colours: tuple[str, ...]) -> Style:
    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1a1a1a",
        foreground_strong="#000000",
        foreground_subtle="#595959",
        font_family=FONTS,
        label_font_size=13,
        major_label_font_size=13,
        legend_font_size=14,
        title_font_size=16,
        value_font_size=12,
        opacity="1",
        opacity_hover="1",
        transition="0ms",
        colors=colours,
    )


def chart_for(figure: Figure) -> Any:
    """The pygal chart of a figure (not rendered)."""
    options: dict[str, Any] = {
        "style": _style(tuple(series.colour for series in figure.series)),
        "width": WIDTH,
        "height": HEIGHT,
        # The <img> says what the chart is (its alt text) and the page has the heading: the
        # title inside the picture would repeat it.
        "show_legend": True,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": len(figure.series),
        "y_title": figure.y_title,
        "x_labels": figure.x_labels,
        "js": [],
        "disable_xml_declaration": True,
        "show_y_guides": True,
        "print_values": False,
        "margin": 12,
        "no_data_text": "No data",
    }
    if figure.kind == "stacked":
        chart = pygal.StackedBar(
            x_label_rotation=-45, show_minor_x_labels=False, x_labels_major_every=3, **options
        )
    elif figure.kind == "share":
        chart = pygal.Bar(range=(0, 100), **{**options, "print_values": True})
    elif figure.logarithmic:
        chart = pygal.Bar(logarithmic=True, y_labels=_duration_ticks(figure), **options)
    else:
        chart = pygal.Bar(**options)
    for series in figure.series:
        chart.add(series.title, series.values)
    return chart


# Durations in hours, as staff say them: the log scale's labels (pygal's own would be 0.3, 0.4...).
DURATION_TICKS = (
    (1 / 60, "1 min"),
    (0.25, "15 min"),
    (1, "1 h"),
    (4, "4 h"),
    (24, "1 day"),
    (7 * 24, "1 week"),
    (14 * 24, "2 weeks"),
    (6 * 7 * 24, "6 weeks"),
    (26 * 7 * 24, "26 weeks"),
)


def _duration_ticks(figure: Figure) -> list[dict[str, Any]]:
    values = [v for series in figure.series for v in series.values if v is not None]
    if not values:
        return []
    low, high = min(values) / 4, max(values) * 4
    return [
        {"value": hours, "label": label} for hours, label in DURATION_TICKS if low <= hours <= high
    ]


def render_svg(figure: Figure) -> str:
    """The figure as a standalone SVG document, without pygal's script."""
    root = chart_for(figure).render_tree()
    for parent in list(root.iter()):
        for child in list(parent):
            if str(child.tag).rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    # pygal's own etree: the standard library's, or lxml's where that is installed.
    return str(etree.tostring(root, encoding="unicode"))
