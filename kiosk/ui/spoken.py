"""What the voice says when a citizen asks for a screen to be read aloud. Pure text, no Qt.

Summaries, never everything: the first few answers, the number of entries of a table, the
verification code letter by letter. An ID number is never spoken in full (the hall may hear
it): every ID-number-shaped run is read as its masked form (services_catalog.model).
"""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.ui.table_layout import shown_value
from services_catalog.model import QueryResult, Service, mask_id_numbers_in

MAX_SPOKEN_FIELDS = 6  # a summary, not the whole page: the rest is on the screen
MAX_SPOKEN_SERVICES = 5



def without_id_numbers(text: str) -> str:
    """Every ID-number-like run masked as on the audit log (4104**********1238)."""
    return mask_id_numbers_in(text)


def joined(parts: Sequence[str], language: str) -> str:
    """Sentences joined with the language's pause."""
    clean = [p.strip() for p in parts if p and p.strip()]
    return ("" if language == "zh" else " ").join(
        p if p[-1] in "。！？.!?" else p + ("。" if language == "zh" else ".") for p in clean)


def spell_code(code: str, language: str) -> str:
    """A verification code one character at a time (K7Q2-9XHD -> "K 7 Q 2, 9 X H D")."""
    groups = [" ".join(group) for group in code.split("-") if group]
    return ("，" if language == "zh" else ", ").join(groups)


def result_summary(service: Service, result: QueryResult, language: str) -> str:
    zh = language == "zh"
    parts = [service.name_zh if zh else service.name_en]
    if not result.record_found:
        parts.append("未查询到相关记录，这是正常的查询结果" if zh else
                     "No record was found; this is a normal answer")
        return without_id_numbers(joined(parts, language))
    spoken = 0
    for spec in service.result_fields:
        if spoken >= MAX_SPOKEN_FIELDS:
            break
        label = spec.label_zh if zh else spec.label_en
        if spec.format == "table":
            rows = result.tables.get(spec.key)
            if rows is None:
                continue
            parts.append(f"{label}，共 {len(rows)} 条" if zh else f"{label}: {len(rows)} entries")
        elif spec.key in result.values:
            value = shown_value(result.values[spec.key], spec.format, language)
            parts.append(f"{label}：{value}" if zh else f"{label}: {value}")
        else:
            continue
        spoken += 1
    parts.append("详细内容请看屏幕" if zh else "The details are on the screen")
    return without_id_numbers(joined(parts, language))


def services_summary(title: str, names: Sequence[str], language: str) -> str:
    zh = language == "zh"
    shown = "、".join(names[:MAX_SPOKEN_SERVICES]) if zh else \
        ", ".join(names[:MAX_SPOKEN_SERVICES])
    count = f"共 {len(names)} 项" if zh else f"{len(names)} services"
    if not names:
        return joined([title], language)
    more = ("等" if zh else " and more") if len(names) > MAX_SPOKEN_SERVICES else ""
    return joined([title, f"{count}：{shown}{more}" if zh else f"{count}: {shown}{more}"],
                  language)
