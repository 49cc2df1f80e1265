"""Write a validated RubricSpec into the database.

Takes the model classes as arguments so the data migration can pass its historical
models and the import service the live ones.
"""

from __future__ import annotations

from .schema import RubricSpec


def create_version_rows(spec: RubricSpec, *, RubricVersion, Dimension, Indicator, Element, status: str,
                        EvidenceRequirement=None, **extra):
    """Create one version with all its rows, in order; returns the version.

    Evidence requirements are written when `EvidenceRequirement` is given (a migration written
    before requirements existed passes none; the later migration adds them).
    """
    # Rows are written into a draft and the status set last: a published version is
    # immutable, so its children could not be created after it is published.
    version = RubricVersion.objects.create(
        code=spec.code, name=spec.name, total=spec.total, status="draft", **extra
    )
    elements = []
    order_b = order_c = 0
    for order_a, d in enumerate(spec.dimensions, start=1):
        dim = Dimension.objects.create(version=version, code=d.code, name=d.name, methods=d.methods, order=order_a)
        for i in d.indicators:
            order_b += 1
            ind = Indicator.objects.create(version=version, dimension=dim, code=i.code, text=i.text, order=order_b)
            for e in i.elements:
                order_c += 1
                elements.append(
                    Element(version=version, indicator=ind, code=e.code, text=e.text, points=e.points, step=e.step, order=order_c)
                )
    Element.objects.bulk_create(elements)
    if EvidenceRequirement is not None:
        create_requirement_rows(spec, version=version, Element=Element, EvidenceRequirement=EvidenceRequirement)
    if status != "draft":
        RubricVersion.objects.filter(pk=version.pk).update(status=status)
        version.status = status
    return version


def create_requirement_rows(spec: RubricSpec, *, version, Element, EvidenceRequirement) -> int:
    """Write the spec's evidence requirements onto the version's elements (matched by code)."""
    ids = dict(Element.objects.filter(version=version).values_list("code", "id"))
    rows = [
        EvidenceRequirement(version_id=version.pk, element_id=ids[e.code], name=r.name, required=r.required,
                            kinds=",".join(r.kinds), note=r.note, order=n)
        for e in spec.elements() for n, r in enumerate(e.evidence, start=1)
    ]
    EvidenceRequirement.objects.bulk_create(rows)
    return len(rows)
