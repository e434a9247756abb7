"""The YAML examples of the documentation, found and classified (issue 24): every ```yaml (or
```yml) fenced block of README.md and docs/**/*.md, and the EXAMPLES string of every plugin
(plugins/modules/*.py, plugins/filter/*.py, and any other plugin type that has one).

test_doc_examples.py runs them against the lab; this module only reads files, so a new block is
picked up without any change here. A block is one of:

- ``playbook``: a list of plays (each with ``hosts``);
- ``tasks``: a list of tasks (each with exactly one module or ``block``);
- ``vars``: a mapping of inventory variables (such as ``berth_teams``);
- ``awx``: an AWX object definition - tasks of ``awx.awx.*`` modules, or a credential type
  (a mapping with ``inputs`` and ``injectors``);

or unclassified (``kind`` None, with the reason in ``detail``).
"""

import ast
import glob
import os
import re
from dataclasses import dataclass, field

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[^\s`]*)")
YAML_LANGS = ("yaml", "yml")
HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*#*\s*$")

# Keys a task may carry besides its module (Ansible's own task keywords, loops, blocks).
try:
    from ansible.playbook.task import Task as _Task
    TASK_KEYWORDS = frozenset(_Task.fattributes)
except ImportError:  # pragma: no cover - ansible-core is in the test venv
    TASK_KEYWORDS = frozenset()
TASK_KEYWORDS = TASK_KEYWORDS | {"block", "rescue", "always", "loop", "loop_control", "args", "local_action"}
BLOCK_KEYS = ("block", "rescue", "always")


@dataclass
class Block:
    """One YAML example: where it is, its text, its parsed data (or the parse error), its kind."""

    id: str
    path: str  # relative to the repository root
    line: int  # first line of the YAML (1-based); for EXAMPLES the line of ``EXAMPLES =``
    text: str
    data: object = None
    error: str = ""
    kind: str = None
    detail: str = ""
    modules: list = field(default_factory=list)

    def where(self):
        return "%s:%d (%s)" % (self.path, self.line, self.id)


def markdown_files(root=ROOT):
    files = [os.path.join(root, "README.md")]
    files += sorted(glob.glob(os.path.join(root, "docs", "**", "*.md"), recursive=True))
    return [f for f in files if os.path.isfile(f) and "%sbuild%s" % (os.sep, os.sep) not in f]


def plugin_files(root=ROOT):
    """Every plugin source file (modules, filters and any other plugin type), no module_utils."""
    found = []
    for path in sorted(glob.glob(os.path.join(root, "plugins", "*", "*.py"))):
        kind = os.path.basename(os.path.dirname(path))
        if kind in ("module_utils", "doc_fragments") or os.path.basename(path).startswith("__"):
            continue
        found.append(path)
    return found


def markdown_blocks(path, root=ROOT):
    """The ```yaml fenced blocks of a Markdown file, dedented to their fence's indentation."""
    rel = os.path.relpath(path, root)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks, heading, seen = [], rel, {}
    i = 0
    while i < len(lines):
        line = lines[i]
        head = HEADING.match(line)
        if head:
            heading = head.group("title").replace("`", "")
        fence = FENCE.match(line)
        if not fence:
            i += 1
            continue
        indent, marker, lang = fence.group("indent"), fence.group("fence"), fence.group("lang").lower()
        body, j = [], i + 1
        while j < len(lines) and not re.match(r"^[ \t]*%s%s*[ \t]*$" % (re.escape(marker), marker[0]), lines[j]):
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j].lstrip())
            j += 1
        if lang in YAML_LANGS:
            key = "%s § %s" % (rel, heading)
            seen[key] = seen.get(key, 0) + 1
            block_id = key if seen[key] == 1 else "%s (%d)" % (key, seen[key])
            blocks.append(Block(id=block_id, path=rel, line=i + 2, text="\n".join(body) + "\n"))
        i = j + 1
    return blocks


def plugin_examples(path, root=ROOT):
    """The EXAMPLES string of a plugin as a Block, or None when the file has none."""
    rel = os.path.relpath(path, root)
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXAMPLES" for t in node.targets):
            return Block(id=rel, path=rel, line=node.lineno, text=ast.literal_eval(node.value))
    return None


def parse(block):
    try:
        block.data = yaml.safe_load(block.text)
    except yaml.YAMLError as exc:
        block.error = "not valid YAML: %s" % " ".join(str(exc).split())
    return block


def task_module(task):
    """The module (action) name of a task dict, None for a block, or raise ValueError."""
    if not isinstance(task, dict):
        raise ValueError("a task must be a mapping, got %r" % (task,))
    if any(k in task for k in BLOCK_KEYS):
        return None
    actions = [k for k in task if k not in TASK_KEYWORDS and not k.startswith("with_")]
    if len(actions) != 1:
        raise ValueError("task %r: expected exactly one module, found %s" % (task.get("name"), actions or "none"))
    return actions[0]


def task_modules(tasks):
    """Every module the tasks use (blocks descended), in order; ValueError on a malformed task."""
    found = []
    for task in tasks or []:
        module = task_module(task)
        if module is None:
            for key in BLOCK_KEYS:
                found += task_modules(task.get(key))
        else:
            found.append(module)
    return found


ROLE_MODULES = ("ansible.builtin.include_role", "ansible.builtin.import_role", "include_role", "import_role")


def task_uses(task):
    """What one task uses: its module, and ``role:<name>`` for a role it includes."""
    module = task_module(task)
    if module is None:
        return [u for key in BLOCK_KEYS for t in task.get(key) or [] for u in task_uses(t)]
    args = task.get(module)
    if module in ROLE_MODULES and isinstance(args, dict) and args.get("name"):
        return [module, "role:%s" % args["name"]]
    return [module]


def classify(block, vars_kinds=()):
    """Set ``block.kind`` (or leave it None with ``detail`` saying why). ``vars_kinds``: the
    variable names a ``vars`` snippet may hold (the test knows how to check each)."""
    parse(block)
    data = block.data
    if block.error:
        block.detail = block.error
    elif isinstance(data, list) and data and all(isinstance(p, dict) and "hosts" in p for p in data):
        try:
            block.modules = [m for play in data for key in ("pre_tasks", "tasks", "post_tasks")
                             for m in task_modules(play.get(key))]
        except ValueError as exc:
            block.detail = str(exc)
            return block
        block.kind = "playbook"
    elif isinstance(data, list) and data and all(isinstance(t, dict) and "hosts" not in t for t in data):
        try:
            block.modules = task_modules(data)
        except ValueError as exc:
            block.detail = str(exc)
            return block
        block.kind = "awx" if any(m.startswith("awx.awx.") for m in block.modules) else "tasks"
    elif isinstance(data, dict) and data and {"inputs", "injectors"} <= set(data):
        block.kind = "awx"
    elif isinstance(data, dict) and data and set(data) <= set(vars_kinds):
        block.kind = "vars"
    elif isinstance(data, dict) and data:
        block.detail = "a mapping of %s: no known inventory variables (known: %s)" % (
            ", ".join(sorted(map(str, data))), ", ".join(sorted(vars_kinds)) or "none")
    else:
        block.detail = "neither a playbook, a task list, variables nor an AWX definition: %s" % type(data).__name__
    return block


def all_blocks(root=ROOT, vars_kinds=()):
    """(blocks, problems): every example classified; ``problems`` lists modules and filters
    without EXAMPLES."""
    blocks, problems = [], []
    for path in markdown_files(root):
        blocks += markdown_blocks(path, root)
    for path in plugin_files(root):
        block = plugin_examples(path, root)
        if block is None:
            if os.path.basename(os.path.dirname(path)) in ("modules", "filter"):
                problems.append("%s has no EXAMPLES" % os.path.relpath(path, root))
            continue
        blocks.append(block)
    for block in blocks:
        classify(block, vars_kinds)
    return blocks, problems
