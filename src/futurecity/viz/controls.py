"""Controls: each reader-facing assumption declared once, for the website and for Jupyter.

- ``control.param`` is a Vega-Lite parameter bound to an HTML input (slider, dropdown, radio, checkbox): it works
  on the static website with no kernel;
- ``control.widget()`` is the matching ipywidget, and :func:`interact` shows the widgets with a chart computed by
  a Python function of the same arguments, redrawn when a widget moves, for readers who run the notebook.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import altair as alt

from futurecity.config import BUILD_ENV
from futurecity.viz import badges, notebook


@dataclass(frozen=True)
class Control:
    """One reader-facing assumption: its name (also the Vega-Lite parameter name), kind, default and label."""

    name: str
    kind: str
    value: Any
    label: str
    min: float | None = None
    max: float | None = None
    step: float | None = None
    options: tuple = field(default_factory=tuple)
    labels: tuple = field(default_factory=tuple)

    @classmethod
    def range(cls, name: str, min: float, max: float, step: float, value: float, label: str) -> Control:
        return cls(name, "range", value, label, min=min, max=max, step=step)

    @classmethod
    def select(cls, name: str, options: Sequence, value: Any, label: str, labels: Sequence = ()) -> Control:
        return cls(name, "select", value, label, options=tuple(options), labels=tuple(labels))

    @classmethod
    def radio(cls, name: str, options: Sequence, value: Any, label: str, labels: Sequence = ()) -> Control:
        return cls(name, "radio", value, label, options=tuple(options), labels=tuple(labels))

    @classmethod
    def checkbox(cls, name: str, value: bool, label: str) -> Control:
        return cls(name, "checkbox", bool(value), label)

    @property
    def binding(self) -> alt.Binding:
        label = self.label + " "
        if self.kind == "range":
            return alt.binding_range(min=self.min, max=self.max, step=self.step, name=label)
        if self.kind in ("select", "radio"):
            make = alt.binding_select if self.kind == "select" else alt.binding_radio
            extra = {"labels": list(self.labels)} if self.labels else {}
            return make(options=list(self.options), name=label, **extra)
        if self.kind == "checkbox":
            return alt.binding_checkbox(name=label)
        raise ValueError(f"unknown control kind {self.kind!r}")

    @cached_property
    def param(self) -> alt.Parameter:
        """The Vega-Lite parameter bound to an HTML input; usable in expressions: ``alt.datum.year >= c.param``."""
        return alt.param(name=self.name, value=self.value, bind=self.binding)

    @property
    def expr(self) -> alt.Parameter:
        """The parameter's current value inside an Altair expression (the same object as :attr:`param`)."""
        return self.param

    def widget(self):
        """The ipywidgets equivalent of this control."""
        import ipywidgets as w

        style = {"description_width": "initial"}
        if self.kind == "range":
            integral = all(float(x).is_integer() for x in (self.min, self.max, self.step))
            make = w.IntSlider if integral else w.FloatSlider
            return make(min=self.min, max=self.max, step=self.step, value=self.value, description=self.label,
                        style=style, continuous_update=False)
        if self.kind in ("select", "radio"):
            opts = list(zip(self.labels, self.options, strict=True)) if self.labels else list(self.options)
            make = w.Dropdown if self.kind == "select" else w.RadioButtons
            return make(options=opts, value=self.value, description=self.label, style=style)
        return w.Checkbox(value=self.value, description=self.label, style=style)


def bind(chart: alt.TopLevelMixin, *controls: Control) -> alt.TopLevelMixin:
    """Attach the controls' parameters to a chart (its top level, so concatenated views share them), and the
    column's width that the embed script sets (:data:`futurecity.viz.badges.WIDTH_PARAM`, read by badges)."""
    return chart.add_params(*(c.param for c in controls), badges.width_param())


def interact(func: Callable[..., alt.TopLevelMixin], *controls: Control) -> None:
    """Show one widget per control and, below them, the chart ``func(**values)`` (for readers running Jupyter);
    moving a widget redraws that chart in place. Returns None, so the cell shows nothing else.

    Not ``ipywidgets.interact``: its Output widget makes the executing client (nbclient, so papermill) send
    the widget's state back to the kernel on the shell channel while it waits on that channel for the cell's
    reply; jupyter_client sends synchronously on a shadow of its asyncio socket, which can consume the socket's
    edge-triggered wake-up for a reply that has just arrived, and the run then waits for ever (about one run in
    four of chapter 1). Here the chart is a display whose outputs are replaced by id
    (:meth:`futurecity.viz.notebook.Shown.update`), so no client ever sends anything back while a cell runs.

    In the book's build (``FUTURECITY_BUILD`` set; the cell is removed from the website, which has no kernel)
    no widget is created, and ``func`` is called once with every control's default, so the build fails if the
    model behind the widgets does not run.
    """
    defaults = {c.name: c.value for c in controls}
    if os.environ.get(BUILD_ENV):
        func(**defaults)
        return None

    import ipywidgets
    from IPython.display import display

    widgets = {c.name: c.widget() for c in controls}
    display(ipywidgets.VBox(list(widgets.values()), layout=ipywidgets.Layout(margin="0 0 8px 0")))
    shown = notebook.show(func(**defaults), display_id=True)

    def redraw(_change=None) -> None:
        values = {name: w.value for name, w in widgets.items()}
        try:
            chart = func(**values)
        except Exception as exc:  # shown where the caption was, not lost in the kernel's log
            shown.error(f"The chart could not be redrawn for {values}: {type(exc).__name__}: {exc}")
            raise
        shown.update(chart)

    for w in widgets.values():
        w.observe(redraw, names="value")
    return None
