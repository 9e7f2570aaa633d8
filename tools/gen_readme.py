#!/usr/bin/env python3
"""Build README.rst from __manifest__.py and the readme/ fragments, laid out as OCA's
``oca-gen-addon-readme`` lays out an addon's README (our own code, standard library only).

    python3 tools/gen_readme.py            # rewrite README.rst
    python3 tools/gen_readme.py --check    # exit 1 when README.rst is out of date

Fragments, in this order, each under its own title: DESCRIPTION (no title, before the table of
contents), CONTEXT, INSTALL, CONFIGURE, USAGE, DEVELOP, ROADMAP, HISTORY; then the bug tracker and
the credits (authors and maintainers from the manifest, CONTRIBUTORS and CREDITS fragments).
A fragment is ``readme/NAME.rst`` (used as it is) or ``readme/NAME.md`` (converted). Titles inside a
fragment are one level below the fragment's title: ``~`` underlines, then ``^``.
"""

import argparse
import ast
import os
import re
import sys
from urllib.parse import quote

ADDON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMAND = "python3 tools/gen_readme.py"

# (fragment, section title); DESCRIPTION has no title of its own.
SECTIONS = [
    ("CONTEXT", "Use Cases / Context"),
    ("INSTALL", "Installation"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("DEVELOP", "Development"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("HISTORY", "Changelog"),
]
CREDIT_FRAGMENTS = [("CONTRIBUTORS", "Contributors"), ("CREDITS", "Other credits")]
FRAGMENTS = ["DESCRIPTION"] + [name for name, _title in SECTIONS + CREDIT_FRAGMENTS]
# Underlines below the fragment's own title (level 2, "="): level 3, then 4, then 5.
SUB_UNDERLINES = '~^"'

STATUS_COLOURS = {"alpha": "red", "beta": "yellow", "production/stable": "green", "mature": "brightgreen"}
LICENSE_URLS = {
    "AGPL-3": "https://www.gnu.org/licenses/agpl-3.0-standalone.html",
    "LGPL-3": "https://www.gnu.org/licenses/lgpl-3.0-standalone.html",
    "GPL-3": "https://www.gnu.org/licenses/gpl-3.0-standalone.html",
}


class FragmentError(Exception):
    """A fragment the generator cannot use; the message names the file and the fix."""


def read_manifest(addon_dir):
    with open(os.path.join(addon_dir, "__manifest__.py"), encoding="utf-8") as handle:
        return ast.literal_eval(handle.read())


def title(text, underline, overline=False):
    bar = underline * len(text)
    return f"{bar}\n{text}\n{bar}\n" if overline else f"{text}\n{bar}\n"


# --- Markdown fragments -------------------------------------------------------------------------
# The subset readme fragments use: paragraphs, # titles, - and 1. lists (nested by indentation),
# fenced code, images on their own line, and inline **bold**, *emphasis*, `code` and [links](url).

INLINE_CODE = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
EMPHASIS = re.compile(r"(?<![\w*])[*_]([^*_\s](?:[^*_]*[^*_\s])?)[*_](?![\w*])")
IMAGE_LINE = re.compile(r"^(\s*)!\[([^\]]*)\]\(([^)\s]+)\)\s*$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
BULLET = re.compile(r"^(\s*)[-*+]\s+")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def indent_of(line):
    return len(line) - len(line.lstrip())


def md_inline(text):
    parts = []
    position = 0
    for match in INLINE_CODE.finditer(text):  # code spans are literal: no markup inside
        parts.append(md_markup(text[position : match.start()]))
        parts.append(f"``{match.group(2).strip()}``")
        position = match.end()
    parts.append(md_markup(text[position:]))
    return "".join(parts)


def md_markup(text):
    text = LINK.sub(lambda m: f"`{m.group(1)} <{m.group(2)}>`__", text)
    text = BOLD.sub(lambda m: f"**{m.group(1) or m.group(2)}**", text)
    return EMPHASIS.sub(lambda m: f"*{m.group(1)}*", text)


def markdown_to_rst(text):
    out = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = line.strip()
        if fence.startswith("```") or fence.startswith("~~~"):
            indent = line[: len(line) - len(line.lstrip())]
            block = []
            index += 1
            while index < len(lines) and lines[index].strip() != fence[:3]:
                block.append(lines[index])
                index += 1
            index += 1  # the closing fence
            if out and out[-1].strip():
                out.append("")
            out += [f"{indent}::", ""] + [f"{indent}    {code}" if code.strip() else "" for code in block] + [""]
            continue
        heading = HEADING.match(line)
        image = IMAGE_LINE.match(line)
        if heading:
            level = min(len(heading.group(1)), len(SUB_UNDERLINES)) - 1
            out += title(md_inline(heading.group(2)), SUB_UNDERLINES[level]).splitlines()
        elif image:
            indent, alt, path = image.groups()
            out.append(f"{indent}.. image:: {path}")
            if alt:
                out.append(f"{indent}   :alt: {alt}")
        else:
            previous = out[-1] if out else ""
            if LIST_ITEM.match(line) and previous.strip():
                # reStructuredText needs a blank line before a list, or a list nested in an item
                same_list = LIST_ITEM.match(previous) and indent_of(previous) == indent_of(line)
                if not same_list:
                    out.append("")
            out.append(md_inline(BULLET.sub(lambda m: f"{m.group(1)}* ", line)))
        index += 1
    return "\n".join(out)


# --- Fragments ----------------------------------------------------------------------------------

IMAGE_DIRECTIVE = re.compile(r"^(\s*\.\. (?:\|[^|]+\| )?(?:image|figure)::\s+)(\.\./)+")


def read_fragment(addon_dir, name):
    """The fragment's reStructuredText, or None when it does not exist (or is empty)."""
    paths = {ext: os.path.join(addon_dir, "readme", name + ext) for ext in (".rst", ".md")}
    present = [ext for ext, path in paths.items() if os.path.exists(path)]
    if len(present) > 1:
        raise FragmentError(f"readme/{name}.rst and readme/{name}.md both exist: keep one of them.")
    if not present:
        return None
    with open(paths[present[0]], encoding="utf-8") as handle:
        text = handle.read()
    if present[0] == ".md":
        text = markdown_to_rst(text)
    # A fragment may point at ../static/... so that it also shows its images from readme/.
    lines = [IMAGE_DIRECTIVE.sub(r"\1", line.rstrip()) for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines) + "\n" if lines else None


# --- README -------------------------------------------------------------------------------------


def badge(number, image, target, alt):
    return f".. |badge{number}| image:: {image}\n    :target: {target}\n    :alt: {alt}\n"


def render(addon_dir=ADDON_DIR):
    manifest = read_manifest(addon_dir)
    fragments = {name: read_fragment(addon_dir, name) for name in FRAGMENTS}
    website = manifest.get("website", "").rstrip("/")
    series = ".".join(manifest["version"].split(".")[:2])
    status = manifest.get("development_status", "Beta")

    out = [title(manifest["name"], "=", overline=True)]
    out.append(
        "..\n"
        "   This file is generated from __manifest__.py and the fragments in readme/ by\n"
        f"   tools/gen_readme.py: edit those, then run `{COMMAND}`.\n"
    )
    badges = []
    if status.lower() in STATUS_COLOURS:
        badges.append(
            (
                f"https://img.shields.io/badge/maturity-{quote(status, safe='')}-{STATUS_COLOURS[status.lower()]}.png",
                "https://odoo-community.org/page/development-status",
                status,
            )
        )
    license_name = manifest.get("license", "")
    if license_name in LICENSE_URLS:
        badges.append(
            (
                f"https://img.shields.io/badge/license-{license_name.replace('-', '--')}-blue.png",
                LICENSE_URLS[license_name],
                f"License: {license_name}",
            )
        )
    repository = re.match(r"https://github\.com/([^/]+/[^/]+)$", website)
    if repository:
        slug = repository.group(1).replace("-", "--").replace("/", "%2F")
        badges.append(
            (f"https://img.shields.io/badge/github-{slug}-lightgray.png?logo=github", website, repository.group(1))
        )
    if badges:
        out.append("".join(badge(number, *spec) for number, spec in enumerate(badges, 1)))
        out.append(" ".join(f"|badge{number}|" for number in range(1, len(badges) + 1)) + "\n")
    if fragments["DESCRIPTION"]:
        out.append(fragments["DESCRIPTION"])
    if status.lower() == "alpha":
        out.append(
            ".. IMPORTANT::\n"
            "   Alpha: the data model and the design may still change without notice. Do not use it\n"
            "   in production.\n"
        )
    out.append("**Table of contents**\n\n.. contents::\n   :local:\n")
    for name, section_title in SECTIONS:
        if fragments[name]:
            out.append(title(section_title, "=") + "\n" + fragments[name])

    if repository:
        issues = f"{website}/issues"
        body = f"module: {manifest['name']}\nversion: {manifest['version']}\n\nSteps to reproduce:\n\n"
        body += "What happened:\n\nWhat was expected:\n"
        out.append(
            title("Bug Tracker", "=") + f"\nProblems are tracked on `GitHub Issues <{issues}>`_:\n"
            "look there first, someone may have reported yours already. A new report helps most with\n"
            "the module's version, the steps that lead to the problem, what happened and what you\n"
            f"expected: `report a problem <{issues}/new?body={quote(body)}>`_.\n"
        )

    credits = [title("Credits", "=")]
    authors = [author.strip() for author in manifest.get("author", "").split(",") if author.strip()]
    if authors:
        credits.append(title("Authors", "~") + "\n" + "".join(f"* {author}\n" for author in authors))
    for name, section_title in CREDIT_FRAGMENTS:
        if fragments[name]:
            credits.append(title(section_title, "~") + "\n" + fragments[name])
    maintainers = manifest.get("maintainers", [])
    lines = [title("Maintainers", "~")]
    if maintainers:
        lines.append("".join(f"* `{login} <https://github.com/{login}>`_\n" for login in maintainers))
    if website:
        lines.append(f"This module is developed at {website}, branch {series}. Contributions are welcome.\n")
    credits.append("\n".join(lines))
    out.append("\n".join(credits))
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--addon-dir", default=ADDON_DIR)
    parser.add_argument("--check", action="store_true", help="exit 1 when README.rst is out of date")
    args = parser.parse_args(argv)
    try:
        text = render(args.addon_dir)
    except FragmentError as err:
        sys.exit(f"gen_readme: {err}")
    path = os.path.join(args.addon_dir, "README.rst")
    try:
        with open(path, encoding="utf-8") as handle:
            current = handle.read()
    except FileNotFoundError:
        current = None
    if current == text:
        return 0
    if args.check:
        sys.exit(f"gen_readme: README.rst is out of date: run `{COMMAND}`.")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"gen_readme: wrote {path}")  # pylint: disable=print-used
    return 0


if __name__ == "__main__":
    sys.exit(main())
