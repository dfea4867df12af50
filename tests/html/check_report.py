#!/usr/bin/env python3
"""Checks an HTML report page with lxml (an independent HTML parser).

    check_report.py FILE [--verdict passed|failed|indeterminate]... [--text TEXT]... [--absent TEXT]...

Every --verdict must be the class of a verdict banner (in page order when several), every --text
must appear in the page's text, no --absent text may. The page must be self-contained: no script,
no element that loads anything (src, link, object, iframe, @import or url() in CSS), and the
Content-Security-Policy must forbid everything but inline styles.
Exit 0 when all holds, 1 with the reasons, 77 when lxml is missing (the test then does not run).
"""
import sys

try:
    import lxml.html
except ImportError:
    print("python3-lxml is not installed")
    sys.exit(77)


def main(argv):
    path, verdicts, texts, absent = argv[0], [], [], []
    i = 1
    while i < len(argv):
        option, value = argv[i], argv[i + 1]
        {"--verdict": verdicts, "--text": texts, "--absent": absent}[option].append(value)
        i += 2
    with open(path, "rb") as f:
        tree = lxml.html.fromstring(f.read())
    problems = []
    if tree.xpath("//script"):
        problems.append("a script element")
    for element in tree.xpath("//*[@src or @href or @srcset or @action or @data]"):
        problems.append("an element that loads or links: <%s>" % element.tag)
    for tag in ("link", "object", "iframe", "embed", "img", "base"):
        if tree.xpath("//" + tag):
            problems.append("a <%s> element" % tag)
    for style in tree.xpath("//style"):
        css = style.text_content()
        if "url(" in css or "@import" in css:
            problems.append("CSS that fetches (url() or @import)")
    csp = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    if not csp or "default-src 'none'" not in csp[0]:
        problems.append("no Content-Security-Policy default-src 'none'")
    found = [c for e in tree.xpath("//div[contains(concat(' ', @class, ' '), ' verdict ')]")
             for c in e.get("class").split() if c != "verdict"]
    if verdicts and found != verdicts:
        problems.append("verdicts %s, expected %s" % (found, verdicts))
    text = tree.text_content()
    for t in texts:
        if t not in text:
            problems.append("text not found: %r" % t)
    for t in absent:
        if t in text:
            problems.append("text present: %r" % t)
    if problems:
        print("\n".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
