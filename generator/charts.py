"""SVG charts drawn at build time: no script, no request, readable from file://.

Every chart is an <svg> with a <title> and a <desc> that states all its data in words, and the
page sets the same data beside it as a table. Text from data is escaped. A bar chart is one
image (role="img"); the citation graph holds links, so it is a group whose links stay reachable.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from markupsafe import Markup


@dataclass
class Bar:
    """One value of a bar chart."""

    label: str  # e.g. 临县 2027
    value: float
    value_max: float | None  # upper end of a range
    text: str  # the value as read out, e.g. ≥40%


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _fmt(value: float) -> str:
    return f"{value:,.10g}"


def bar_chart(chart_id: str, title: str, unit: str, bars: list[Bar]) -> Markup:
    """Draw horizontal bars on one scale starting at zero; a range shows its upper end lighter."""
    width, label_w, value_w, row, top = 640, 190, 110, 30, 8
    plot = width - label_w - value_w
    top_value = max((b.value_max or b.value) for b in bars) or 1
    height = top + row * len(bars) + 22
    desc = ";".join(f"{b.label}: {b.text}" for b in bars)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="atlas-chart-svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d">',
           f'<title id="{chart_id}-t">{_e(title)}</title><desc id="{chart_id}-d">{_e(desc)}</desc>']
    for i, b in enumerate(bars):
        y = top + i * row
        w = plot * b.value / top_value
        out.append(f'<text class="atlas-chart-label" x="{label_w - 8}" y="{y + 19}" text-anchor="end">{_e(b.label)}</text>')
        out.append(f'<rect class="atlas-bar" x="{label_w}" y="{y + 5}" width="{w:.1f}" height="{row - 10}"/>')
        if b.value_max is not None:
            w2 = plot * (b.value_max - b.value) / top_value
            out.append(f'<rect class="atlas-bar-range" x="{label_w + w:.1f}" y="{y + 5}" width="{w2:.1f}" height="{row - 10}"/>')
            w += w2
        out.append(f'<text class="atlas-chart-value" x="{label_w + w + 6:.1f}" y="{y + 19}">{_e(b.text)}</text>')
    axis_y = top + row * len(bars) + 2
    out.append(f'<line class="atlas-axis" x1="{label_w}" y1="{top}" x2="{label_w}" y2="{axis_y}"/>')
    out.append(f'<text class="atlas-chart-label" x="{label_w}" y="{axis_y + 16}">0</text>')
    out.append(f'<text class="atlas-chart-label" x="{label_w + plot}" y="{axis_y + 16}" text-anchor="end">'
               f'{_e(_fmt(top_value))} {_e(unit)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


@dataclass
class Node:
    """A box of the citation graph."""

    key: object  # identifies the node for edges
    label: str  # shown in the box
    title: str  # shown on hover and read out
    href: str | None  # link, relative to the page
    group: str  # group heading the node is listed under


def link_graph(chart_id: str, title: str, left: list[Node], right: list[Node], edges: list[tuple[object, object]],
               left_head: str, right_head: str) -> Markup:
    """Draw two columns of boxes joined by lines: who (left) cites what (right), groups headed on the right."""
    width, box_h, gap, left_w, right_x, right_w, top = 760, 24, 8, 200, 330, 420, 30
    heads: list[tuple[str, float]] = []  # group headings on the right and where they stand
    y_of: dict[object, float] = {}
    y, previous = top, None
    for node in right:
        if node.group != previous:
            heads.append((node.group, y))
            y, previous = y + 22, node.group
        y_of[("r", node.key)] = y
        y += box_h + gap
    right_height = y
    step = max(box_h + gap, (right_height - top) / max(len(left), 1))
    for i, node in enumerate(left):
        y_of[("l", node.key)] = top + i * step
    height = int(max(right_height, top + len(left) * step)) + 10
    by_key = {n.key: n for n in right} | {n.key: n for n in left}
    desc = ";".join(f"{by_key[a].title} → {by_key[b].title}" for a, b in edges)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="atlas-chart-svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="group" aria-labelledby="{chart_id}-t {chart_id}-d">',
           f'<title id="{chart_id}-t">{_e(title)}</title><desc id="{chart_id}-d">{_e(desc)}</desc>',
           f'<text class="atlas-chart-head" x="0" y="16">{_e(left_head)}</text>',
           f'<text class="atlas-chart-head" x="{right_x}" y="16">{_e(right_head)}</text>']
    for a, b in edges:
        y1, y2 = y_of[("l", a)] + box_h / 2, y_of[("r", b)] + box_h / 2
        out.append(f'<path class="atlas-edge" d="M{left_w},{y1:.1f} C{(left_w + right_x) / 2},{y1:.1f} '
                   f'{(left_w + right_x) / 2},{y2:.1f} {right_x},{y2:.1f}"/>')
    for group, at in heads:
        out.append(f'<text class="atlas-chart-group" x="{right_x}" y="{at + 15}">{_e(group)}</text>')
    for node in right:
        out.append(_box(node, right_x, y_of[("r", node.key)], right_w, box_h))
    for node in left:
        out.append(_box(node, 0, y_of[("l", node.key)], left_w, box_h))
    out.append("</svg>")
    return Markup("".join(out))


def _box(node: Node, x: float, y: float, w: float, h: float) -> str:
    inner = (f'<title>{_e(node.title)}</title><rect class="atlas-node" x="{x}" y="{y:.1f}" width="{w}" height="{h}" rx="4"/>'
             f'<text class="atlas-chart-label" x="{x + 8}" y="{y + 16:.1f}">{_e(node.label)}</text>')
    if node.href:
        return f'<a href="{_e(node.href)}">{inner}</a>'
    return f"<g>{inner}</g>"
