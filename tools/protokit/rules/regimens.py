"""P70x: regimen blocks: systemic-therapy and radiotherapy schedules the checker can verify.

Every rule reads the block the parser kept (:attr:`Document.regimens`) and the
drug vocabulary in ``protocols/drugs.yaml``; the build renders the same block.
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import regimen as rg
from ..formulary import parse_amount
from ..registry import number_text
from ..suggest import did_you_mean, one_of
from . import rule

Hit = Iterator[tuple[int, int, str]]


def _systemic(doc):
    """``(block, data, index, row)`` for each drug row of each readable systemic block."""
    for reg in doc.regimens:
        if rg.kind(reg.data) == rg.SYSTEMIC:
            for n, row in rg.rows(reg.data, "drugs"):
                yield reg, reg.data, n, row


def _title(data) -> str:
    title = data.get("title") if isinstance(data, dict) else None
    return f'"{title}"' if isinstance(title, str) else "the regimen"


def _structure(reg) -> Hit:
    data = reg.data
    kind = rg.kind(data)
    if not isinstance(data, dict):
        yield reg.line, 1, "the regimen block must be YAML fields (title:, drugs: or schedules:); see the authoring guide"
        return
    if kind is None:
        yield (
            reg.line,
            1,
            "a regimen block has either drugs: (systemic therapy) or schedules: (radiotherapy), not both or neither",
        )
        return
    for key in data:
        if key not in rg.TOP_KEYS[kind]:
            yield (*reg.where(f"{key}"), f'unknown field "{key}" in a {kind} regimen{did_you_mean(str(key), rg.TOP_KEYS[kind])}')
    if not isinstance(data.get("title"), str):
        yield reg.line, 1, "the regimen needs a title: (the table's caption, e.g. the regimen and its trial)"
    key, allowed = ("drugs", rg.DRUG_KEYS) if kind == rg.SYSTEMIC else ("schedules", rg.SCHEDULE_KEYS)
    items = data.get(key)
    if not isinstance(items, list) or not items:
        yield (*reg.where(key), f"{key}: must be a list with one entry per {'drug' if key == 'drugs' else 'schedule'}")
        return
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            yield (
                *reg.where(f"{key}.{n}"),
                f"each entry of {key}: must be fields such as {allowed[0]}:, not {type(item).__name__}",
            )
            continue
        for field in item:
            if field not in allowed:
                yield (*reg.where(f"{key}.{n}.{field}"), f'unknown field "{field}"{did_you_mean(str(field), allowed)}')
        yield from (_drug_fields if kind == rg.SYSTEMIC else _schedule_fields)(reg, n, item)


def _drug_fields(reg, n: int, row: dict) -> Hit:
    at = f"drugs.{n}"
    for required in ("drug", "dose", "route"):
        if row.get(required) in (None, ""):
            yield *reg.where(at), f"the row needs {required}: (drug, dose and route are always given)"
    dose = row.get("dose")
    numeric = rg.number(dose) is not None
    if dose is not None and not numeric and not (isinstance(dose, str) and dose.strip().lower() == rg.PER_REGIMEN):
        yield *reg.where(f"{at}.dose"), f'dose must be a number (e.g. 60) or "{rg.PER_REGIMEN}", not "{dose}"'
    if numeric:
        for needed in ("unit", "basis"):
            if row.get(needed) in (None, ""):
                yield *reg.where(at), f"a dose of {rg.text_of(dose)} needs {needed}: (e.g. unit: mg, basis: per m2)"
    if row.get("qualifier") is not None and row.get("qualifier") not in rg.QUALIFIERS:
        yield *reg.where(f"{at}.qualifier"), f"qualifier must be one of: {', '.join(rg.QUALIFIERS)}"
    if row.get("per") is not None and row.get("per") not in rg.PER:
        yield *reg.where(f"{at}.per"), f"per: must be one of: {', '.join(rg.PER)} (what one dose covers)"


def _schedule_fields(reg, n: int, row: dict) -> Hit:
    at = f"schedules.{n}"
    for required in ("setting", "total"):
        if row.get(required) in (None, ""):
            yield *reg.where(at), f"the schedule needs {required}: (setting and total dose are always given)"
    for key in ("total", "per_fraction", "fractions"):
        if row.get(key) is not None and rg.numbers(row[key]) is None:
            yield *reg.where(f"{at}.{key}"), f"{key}: must be a number or [low, high], e.g. 50 or [60, 66]"


@rule("P701", "regimen-invalid", scope="document")
def regimen_invalid(doc, ctx):
    """A regimen block that cannot be read: not YAML, a field unknown or missing, a value of the wrong kind.

    Bad::

        ```{regimen}
        title: VDC
        drugs:
          - drug: vincristine
            dose: two
            rout: IV
        ```

    Good: ``title:``, then ``drugs:`` (systemic therapy) or ``schedules:`` (radiotherapy), each row
    with the fields the authoring guide lists (``drug``, ``dose``, ``unit``, ``basis``, ``route``, ...).
    """
    for reg in doc.regimens:
        for d in reg.defects:
            yield (
                d.line,
                d.col,
                f"the regimen block is not valid YAML ({d.detail}); indent with spaces and quote text containing ': '",
            )
        if not reg.defects:
            yield from _structure(reg)


@rule("P702", "unknown-drug", scope="document")
def unknown_drug(doc, ctx):
    """A regimen names a drug that is not in the drug vocabulary (``protocols/drugs.yaml``).

    Bad: ``drug: vincristin`` (did you mean "vincristine"?), ``drug: VCR``.

    Good: ``drug: vincristine``; a new drug is added to ``protocols/drugs.yaml`` with its cap and
    cumulative-dose class, through the normal review.
    """
    formulary = ctx.formulary
    for reg, _, n, row in _systemic(doc):
        name = row.get("drug")
        if name not in (None, "") and formulary.drug(str(name)) is None:
            hint = did_you_mean(str(name), formulary.names)
            yield *reg.where(f"drugs.{n}.drug"), f'unknown drug "{name}" (not in protocols/drugs.yaml){hint}'


@rule("P703", "unit-not-allowed", scope="document")
def unit_not_allowed(doc, ctx):
    """A dose unit or dose basis that is not allowed (units must be written in full, as the house style says).

    Bad: ``unit: mcg``, ``unit: IU``, ``unit: cc``, ``basis: per m²`` (write ``per m2``), ``unit: cGy`` in radiotherapy.

    Good: ``unit: micrograms``, ``unit: units``, ``unit: mL``, ``basis: per m2`` / ``per kg`` / ``flat``, ``unit: Gy``.
    """
    formulary = ctx.formulary
    for reg, _, n, row in _systemic(doc):
        unit, basis = row.get("unit"), row.get("basis")
        if unit not in (None, "") and unit not in formulary.units:
            alias = formulary.unit_aliases.get(str(unit))
            hint = f'; write "{alias}"' if alias else did_you_mean(str(unit), formulary.units)
            yield *reg.where(f"drugs.{n}.unit"), f'unit "{unit}" is not allowed{hint} (allowed: {one_of(formulary.units)})'
        if basis not in (None, "") and basis not in formulary.bases:
            yield (
                *reg.where(f"drugs.{n}.basis"),
                f'basis "{basis}" is not allowed{did_you_mean(str(basis), formulary.bases)} (allowed: {one_of(formulary.bases)})',
            )
    for reg in doc.regimens:
        if rg.kind(reg.data) == rg.RADIOTHERAPY:
            for n, row in rg.rows(reg.data, "schedules"):
                unit = row.get("unit", "Gy")
                if unit not in formulary.rt_units:
                    yield (
                        *reg.where(f"schedules.{n}.unit"),
                        f'radiotherapy unit "{unit}" is not allowed (allowed: {one_of(formulary.rt_units)})',
                    )


@rule("P704", "route-not-allowed", scope="document")
def route_not_allowed(doc, ctx):
    """A route that is not in the vocabulary, or not allowed for that drug (vincristine is intravenous only).

    Bad: ``route: IT`` for vincristine (fatal), ``route: SC`` (write ``subcutaneous``), ``route: po``.

    Good: ``route: IV`` with ``how: minibag over 5 to 10 minutes``; ``route: oral``; ``route: subcutaneous``;
    ``route: per approved regimen`` when the regimen sets it.
    """
    formulary = ctx.formulary
    for reg, _, n, row in _systemic(doc):
        route = row.get("route")
        if route in (None, "") or str(route).strip().lower() == rg.PER_REGIMEN:
            continue
        where = reg.where(f"drugs.{n}.route")
        if route not in formulary.routes:
            yield (
                *where,
                f'route "{route}" is not allowed{did_you_mean(str(route), formulary.routes)} (allowed: {one_of(formulary.routes)})',
            )
            continue
        drug = formulary.drug(str(row.get("drug", "")))
        if drug and drug.routes and route not in drug.routes:
            yield *where, f'{drug.name} may only be given {" or ".join(drug.routes)}, never "{route}" (protocols/drugs.yaml)'


@rule("P705", "missing-cap", scope="document")
def missing_cap(doc, ctx):
    """A drug whose dose must be capped has no cap in the regimen, or a cap above the required one.

    Bad: vincristine 1.5 mg per m² without ``cap:`` (a large adult would get more than 2 mg); ``cap: 2.5 mg``.

    Good: ``cap: 2 mg per dose`` on every vincristine row (the required caps are in ``protocols/drugs.yaml``).
    """
    formulary = ctx.formulary
    for reg, _, n, row in _systemic(doc):
        drug = formulary.drug(str(row.get("drug", "")))
        if drug is None or drug.cap is None:
            continue
        required = f"{number_text(drug.cap[0])} {drug.cap[1]}"
        cap = row.get("cap")
        if cap in (None, ""):
            yield *reg.where(f"drugs.{n}"), f"{drug.name} needs its cap: add cap: {required} per dose (protocols/drugs.yaml)"
            continue
        amount = parse_amount(cap)
        if amount is None or amount[1] != drug.cap[1] or amount[0] > drug.cap[0]:
            yield (
                *reg.where(f"drugs.{n}.cap"),
                f'{drug.name} cap "{cap}" must be at most {required} per dose (protocols/drugs.yaml)',
            )


def _class_totals(data, formulary, rows):
    """Per arm and class: the total of equivalent doses and how it was counted."""
    arms = sorted({str(r["arm"]) for _, r in rows if r.get("arm") is not None}) or [""]
    for arm in arms:
        totals: dict[str, list] = {}
        for n, row in rows:
            if row.get("arm") is not None and str(row["arm"]) != arm:
                continue
            drug = formulary.drug(str(row.get("drug", "")))
            if drug is None or drug.cumulative is None:
                continue
            cls = formulary.classes[drug.cumulative]
            counted = rg.course_total(row, data)
            totals.setdefault(cls.key, []).append((n, row, drug, counted))
        yield arm, totals


@rule("P706", "cumulative-dose", scope="document")
def cumulative_dose(doc, ctx):
    """The whole regimen adds up to more than the cumulative limit of a dose class (anthracyclines, as doxorubicin-equivalent).

    Each anthracycline row counts dose × days × cycles × its equivalence factor (epirubicin 0.8);
    the sum is compared with the class limit in ``protocols/drugs.yaml``. Rows of different
    ``arm:`` values are alternatives and are added up separately. A row that cannot be counted
    (no number of cycles, days as free text) is reported too.

    Bad: doxorubicin 75 mg per m² per cycle, 8 cycles (600 mg/m², above the 450 mg/m² limit).

    Good: 6 cycles (450 mg/m²); ``cycles: 6`` as a number, ``days: [1, 2]`` or ``days: 1-3``.
    """
    formulary = ctx.formulary
    for reg in doc.regimens:
        if rg.kind(reg.data) != rg.SYSTEMIC:
            continue
        for arm, totals in _class_totals(reg.data, formulary, rg.rows(reg.data, "drugs")):
            for key, items in totals.items():
                cls = formulary.classes[key]
                total, parts = 0.0, []
                for n, row, drug, counted in items:
                    if counted is None:
                        yield (
                            *reg.where(f"drugs.{n}"),
                            f"{drug.name} counts towards the {cls.label} limit: give the dose as a number, the number of cycles "
                            '(6, or text that starts with it: "Up to 6") and the days (days: [1, 2], "Days 1 to 3 ...", or per: cycle) '
                            "so the course total can be added up",
                        )
                        continue
                    if row.get("basis") != cls.basis:
                        continue
                    factor = cls.factors[drug.key]
                    total += counted[0] * factor
                    parts.append(f"{drug.name} {counted[1]}" + (f" × {number_text(factor)}" if factor != 1 else ""))
                if total > cls.limit + 1e-9:
                    where = f" (arm {arm})" if arm else ""
                    yield (
                        reg.line,
                        1,
                        f"{_title(reg.data)}{where} adds up to {number_text(round(total, 2))} {cls.unit}/m² {cls.label} "
                        f"({' + '.join(parts)}), above the limit of {number_text(cls.limit)} {cls.unit}/m² in protocols/drugs.yaml; "
                        "check dose, days and cycles, or mark alternative rows with arm:",
                    )


@rule("P707", "fractions-mismatch", scope="document")
def fractions_mismatch(doc, ctx):
    """A radiotherapy schedule whose total dose is not dose per fraction × number of fractions.

    Bad: ``total: 50``, ``per_fraction: 2``, ``fractions: 20`` (2 × 20 = 40 Gy).

    Good: ``total: 50``, ``per_fraction: 2``, ``fractions: 25``; a range pairs its ends:
    ``total: [60, 66]``, ``per_fraction: 2``, ``fractions: [30, 33]``.
    """
    for reg in doc.regimens:
        if rg.kind(reg.data) != rg.RADIOTHERAPY:
            continue
        for n, row in rg.rows(reg.data, "schedules"):
            total, per, fractions = (rg.numbers(row.get(k)) for k in ("total", "per_fraction", "fractions"))
            if not (total and per and fractions) or len(per) != 1 or len(total) != len(fractions):
                continue
            for t, f in zip(total, fractions, strict=True):
                if abs(per[0] * f - t) > 0.005:
                    unit = row.get("unit", "Gy")
                    yield (
                        *reg.where(f"schedules.{n}.total"),
                        f"{number_text(per[0])} {unit} × {number_text(f)} fractions = {number_text(round(per[0] * f, 3))} {unit}, "
                        f"not {number_text(t)} {unit}; correct the total, the dose per fraction or the number of fractions",
                    )


@rule("P708", "regimen-not-allowed", scope="protocol")
def regimen_not_allowed(doc, ctx):
    """A regimen block in a protocol whose type may not hold one (``regimen_types`` in the schema).

    Bad: a chemotherapy schedule in a rehabilitation protocol; a radiotherapy schedule in a surgery protocol.

    Good: keep the schedule in the protocol that owns it (e.g. ``BST-ONC-04``) and link to it with
    ``{protocol}`BST-ONC-04```.
    """
    ptype = doc.get("type")
    for reg in doc.regimens:
        kind = rg.kind(reg.data)
        if kind is None or not isinstance(ptype, str):
            continue
        allowed = ctx.schema.regimen_types.get(kind, ())
        if ptype not in allowed:
            types = ", ".join(allowed) or "none"
            yield (
                reg.line,
                1,
                f"a {kind} regimen may not appear in a {ptype} protocol (allowed in: {types}); link to the protocol that owns it",
            )
