"""Controls: each reader-facing assumption declared once, for the website and for Jupyter.

- ``control.param`` is a Vega-Lite parameter bound to an HTML input (slider, dropdown, radio, checkbox): it works
  on the static website with no kernel;
- ``control.widget()`` is the matching ipywidget, and :func:`interact` runs a Python function of the same
  arguments through ``ipywidgets.interact`` for readers who run the notebook.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import altair as alt

from futurecity.config import BUILD_ENV


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
    """Attach the controls' parameters to a chart (its top level, so concatenated views share them)."""
    return chart.add_params(*(c.param for c in controls))


def interact(func: Callable[..., alt.TopLevelMixin], *controls: Control):
    """Run ``func(**values)`` under ``ipywidgets.interact`` with one widget per control (Jupyter readers).

    In the book build (papermill, no frontend, the cell removed from the page) no widget is created: the
    widgets' comm traffic under papermill now and then never returns (seen on this project's builds, about one
    build in fifteen). ``func`` is still called once with every control's default, so the build fails if the
    model behind the widgets does not run.
    """
    import ipywidgets
    from IPython.display import display

    if os.environ.get(BUILD_ENV):
        func(**{c.name: c.value for c in controls})
        return None

    def show(**values):
        display(func(**values))

    return ipywidgets.interact(show, **{c.name: c.widget() for c in controls})
