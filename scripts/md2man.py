#!/usr/bin/env python3
"""md2man.py — turns docs/sova.conf.5.md (the one source of the configuration reference)
into the roff manual page sova.conf(5), at build time.

Only the subset of Markdown that page uses: the title line (`# NAME(SECTION) — summary`),
`##` headings, paragraphs, `-` bullet lists (with continuation lines), pipe tables (each row
becomes a .TP entry: the first cells are the tag, the last its paragraph) and fenced code
blocks; inline `code`, **bold** and *italic*. A construct it does not know is an error,
so the page never silently loses text.

usage: md2man.py INPUT.md OUTPUT VERSION   (the page's date: SOURCE_DATE_EPOCH, else today)
"""
import datetime
import os
import re
import sys


def esc(text):
    """roff-escape plain text: backslashes, dashes (so options copy as ASCII), and every
    non-ASCII character as a named glyph (plain groff reads its input as Latin-1)."""
    text = text.replace('\\', '\\e').replace('-', '\\-')
    return ''.join(c if ord(c) < 128 else '\\[u%04X]' % ord(c) for c in text)


def inline(text):
    """Markdown inline markup to roff fonts; code spans bold, emphasis italic."""
    out, pos = [], 0
    for m in re.finditer(r'`([^`]+)`|\*\*([^*]+)\*\*|\*([^*]+)\*', text):
        out.append(esc(text[pos:m.start()]))
        if m.group(1) is not None:
            out.append('\\fB' + esc(m.group(1)) + '\\fR')
        elif m.group(2) is not None:
            out.append('\\fB' + esc(m.group(2)) + '\\fR')
        else:
            out.append('\\fI' + esc(m.group(3)) + '\\fR')
        pos = m.end()
    out.append(esc(text[pos:]))
    return ''.join(out)


def line(text):
    """one output text line: a leading dot or quote would be read as a request."""
    return '\\&' + text if text[:1] in ('.', "'") else text


def cells(row):
    return [c.strip() for c in row.strip().strip('|').split('|')]


def table(rows, out):
    """a pipe table as .TP entries: the tag is the first cell, with 'header: cell' of the
    middle columns in brackets after it; the last cell is the entry's paragraph."""
    head = cells(rows[0])
    for row in rows[2:]:
        c = cells(row.replace('\\|', '\x00'))
        c = [x.replace('\x00', '|') for x in c]
        if len(c) != len(head):
            raise SystemExit(f'md2man: table row has {len(c)} cells, header {len(head)}: {row}')
        extra = '; '.join(f'{esc(h)}: {inline(v)}' for h, v in zip(head[1:-1], c[1:-1]))
        out.append('.TP')
        out.append(line(inline(c[0]) + (f' ({extra})' if extra else '')))
        out.append(line(inline(c[-1])))


def convert(lines, version, date):
    m = re.match(r'# (\S+)\((\d)\) — (.*)', lines[0])
    if not m:
        raise SystemExit('md2man: the first line must be "# NAME(SECTION) — summary"')
    name, section, summary = m.groups()
    out = [f'.TH {name.upper()} {section} "{date}" "sova {version}" "File Formats"',
           '.SH NAME', f'{esc(name)} \\- {esc(summary)}', '.SH DESCRIPTION']
    i, n = 1, len(lines)
    while i < n:
        ln = lines[i]
        if not ln.strip():
            i += 1
        elif ln.startswith('## '):
            title = ln[3:].strip()   # a [section] keeps its case: it is what the file says
            out.append('.SH ' + esc(title if title.startswith('[') else title.upper()))
            i += 1
        elif ln.startswith('```'):
            out += ['.PP', '.RS 4', '.nf']
            i += 1
            while i < n and not lines[i].startswith('```'):
                out.append(line(esc(lines[i])))
                i += 1
            out += ['.fi', '.RE']
            i += 1
        elif ln.startswith('|'):
            rows = []
            while i < n and lines[i].startswith('|'):
                rows.append(lines[i])
                i += 1
            table(rows, out)
        elif ln.startswith('- '):
            item = [ln[2:].strip()]
            i += 1
            while i < n and lines[i].startswith('  ') and lines[i].strip():
                item.append(lines[i].strip())
                i += 1
            out += ['.IP \\(bu 2', line(inline(' '.join(item)))]
        elif ln.startswith('#') or ln.startswith('>') or re.match(r'\d+\. ', ln):
            raise SystemExit(f'md2man: line {i + 1}: construct not supported: {ln}')
        else:
            para = []
            while i < n and lines[i].strip() and not lines[i].startswith(('|', '```', '- ', '#')):
                para.append(lines[i].strip())
                i += 1
            out += ['.PP', line(inline(' '.join(para)))]
    return '\n'.join(out) + '\n'


def main():
    if len(sys.argv) != 4:
        raise SystemExit('usage: md2man.py INPUT.md OUTPUT VERSION')
    src, dst, version = sys.argv[1:]
    epoch = os.environ.get('SOURCE_DATE_EPOCH')
    when = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch \
        else datetime.datetime.now(datetime.timezone.utc)
    date = when.strftime('%Y-%m-%d')
    with open(src, encoding='utf-8') as f:
        text = convert(f.read().split('\n'), version, date)
    with open(dst, 'w', encoding='utf-8') as f:
        f.write(text)


if __name__ == '__main__':
    main()
