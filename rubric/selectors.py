"""Read queries for rubrics. A's and B's points are derived here from their elements."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .models import Dimension, Element, Indicator, RubricVersion


@dataclass
class IndicatorNode:
    indicator: Indicator
    elements: list[Element] = field(default_factory=list)

    @property
    def points(self) -> Decimal:
        return sum((e.points for e in self.elements), Decimal("0"))

    def __getattr__(self, name):  # code, text … read through to the model
        return getattr(self.indicator, name)


@dataclass
class DimensionNode:
    dimension: Dimension
    indicators: list[IndicatorNode] = field(default_factory=list)

    @property
    def points(self) -> Decimal:
        return sum((i.points for i in self.indicators), Decimal("0"))

    @property
    def elements(self) -> list[Element]:
        return [e for i in self.indicators for e in i.elements]

    def __getattr__(self, name):
        return getattr(self.dimension, name)


@dataclass
class RubricTree:
    version: RubricVersion
    dimensions: list[DimensionNode] = field(default_factory=list)

    @property
    def points(self) -> Decimal:
        return sum((d.points for d in self.dimensions), Decimal("0"))

    @property
    def elements(self) -> list[Element]:
        return [e for d in self.dimensions for e in d.elements]

    @property
    def indicators(self) -> list[IndicatorNode]:
        return [i for d in self.dimensions for i in d.indicators]


def rubric_tree(*, version: RubricVersion) -> RubricTree:
    """The whole A → B → C tree of one version in three queries, points derived."""
    tree = RubricTree(version=version)
    dims = {d.id: DimensionNode(d) for d in Dimension.objects.filter(version=version).order_by("order", "id")}
    inds = {}
    for ind in Indicator.objects.filter(version=version).order_by("order", "id"):
        node = IndicatorNode(ind)
        inds[ind.id] = node
        dims[ind.dimension_id].indicators.append(node)
    for el in Element.objects.filter(version=version).order_by("order", "id"):
        el.indicator = inds[el.indicator_id].indicator
        el.indicator.dimension = dims[el.indicator.dimension_id].dimension
        inds[el.indicator_id].elements.append(el)
    tree.dimensions = list(dims.values())
    return tree


def published_versions():
    return RubricVersion.objects.filter(status=RubricVersion.Status.PUBLISHED)
