# -*- coding: utf-8 -*-
# Copyright: berth.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: drift_report
short_description: Drift rows as a text table, JSON or Markdown
version_added: 0.2.0
description:
  - Renders the rows of P(berth.platform.drift_rows#filter) for people (a text table for the play
    output, Markdown for a ticket or a chat message) or for machines (JSON).
author:
  - berth.platform maintainers (@berth)
options:
  _input:
    description: Drift rows.
    type: list
    elements: dict
    required: true
  format:
    description:
      - C(table), C(json) or C(markdown); a file name picks by its extension (C(.json), C(.md)), else table.
    type: str
    default: table
"""

EXAMPLES = r"""
- name: Drift table in the play output
  ansible.builtin.debug:
    msg: "{{ drift_rows | berth.platform.drift_report }}"

- name: Drift report as Markdown
  ansible.builtin.copy:
    content: "{{ drift_rows | berth.platform.drift_report('drift.md') }}"
    dest: drift.md
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The rendered report; the table is a list of lines (readable in the play output).
  type: raw
"""

import json

from ansible.errors import AnsibleFilterError

COLUMNS = ("cluster", "team", "namespace", "object", "action")


def _format(name):
    lowered = (name or "table").lower()
    if lowered in ("table", "json", "markdown"):
        return lowered
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith((".md", ".markdown")):
        return "markdown"
    return "table"


def drift_report(rows, format="table"):  # pylint: disable=redefined-builtin
    if not isinstance(rows, list):
        raise AnsibleFilterError("drift_report expects the list drift_rows returns")
    kind = _format(format)
    if kind == "json":
        clusters = sorted(set(r.get("cluster") for r in rows))
        return json.dumps(dict(drift=bool(rows), objects=len(rows), clusters=clusters, rows=rows),
                          indent=2, sort_keys=True) + "\n"
    cells = [[str(r.get(c, "")) for c in COLUMNS] for r in rows]
    if kind == "markdown":
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
        if not rows:
            lines.append("| - | - | - | - | no drift |")
        return "\n".join(lines) + "\n"
    if not rows:
        return ["no drift"]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(COLUMNS)]
    out = ["  ".join(h.ljust(w) for h, w in zip(COLUMNS, widths))]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return out


class FilterModule(object):
    def filters(self):
        return {"drift_report": drift_report}
