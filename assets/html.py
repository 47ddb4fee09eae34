"""What the HTML pages ecostat writes share (the validation report, the dashboard): a Jinja2
environment with autoescaping and the number format, and inline SVG bar charts."""

from __future__ import annotations

from pathlib import Path

import polars as pl


def number(value: object) -> str:
    """3346.259 -> '3,346.259'; 5100.0 -> '5,100'; at most 3 decimals, none trailing."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def render(templates: Path, name: str, **context: object) -> str:
    """Render a template of ``templates`` (autoescaped; the ``number`` filter available)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = number
    return env.get_template(name).render(**context)


def bar_chart(
    frame: pl.DataFrame, title: str, x: str, x_title: str, y: str, colour: str, palette: dict
) -> str:
    """A horizontal stacked bar chart as inline SVG (Vega-Lite, rendered by vl-convert).
    ``palette`` maps each colour value to its colour."""
    import altair as alt
    import vl_convert

    scale = alt.Scale(domain=list(palette), range=list(palette.values()))
    chart = (
        alt.Chart(frame.to_pandas(), title=title)
        .mark_bar()
        .encode(
            x=alt.X(x, title=x_title),
            y=alt.Y(y, title=None),
            color=alt.Color(colour, scale=scale, title=None),
        )
        .properties(width=420)
    )
    return vl_convert.vegalite_to_svg(chart.to_dict())
