//! The Markdown Baton writes (the docs, the action plan) as HTML: headings with anchors,
//! paragraphs, lists (task lists too), tables, fenced code, block quotes, and inline code,
//! emphasis, links and backslash escapes. Everything is escaped; nothing raw passes through.

use super::charts::esc;

/// A heading's anchor, as GitHub makes it: lower case, spaces to `-`, other punctuation
/// dropped.
pub fn anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(c.to_lowercase().next().unwrap_or(c))
            } else if c == ' ' {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// Inline Markdown to HTML.
pub fn inline(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut strong = false;
    let mut em = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() && chars[i + 1].is_ascii_punctuation() => {
                out.push_str(&esc(&chars[i + 1].to_string()));
                i += 2;
            }
            '`' => {
                let end = chars[i + 1..].iter().position(|&x| x == '`');
                match end {
                    Some(n) => {
                        let code: String = chars[i + 1..i + 1 + n].iter().collect();
                        out.push_str(&format!("<code>{}</code>", esc(&code)));
                        i += n + 2;
                    }
                    None => {
                        out.push('`');
                        i += 1;
                    }
                }
            }
            '*' if chars.get(i + 1) == Some(&'*') => {
                out.push_str(if strong { "</strong>" } else { "<strong>" });
                strong = !strong;
                i += 2;
            }
            '*' | '_'
                if em
                    || chars
                        .get(i + 1)
                        .is_some_and(|n| !n.is_whitespace() && *n != c)
                        && (i == 0 || !chars[i - 1].is_alphanumeric()) =>
            {
                out.push_str(if em { "</em>" } else { "<em>" });
                em = !em;
                i += 1;
            }
            '[' => {
                // [text](url)
                let rest: String = chars[i..].iter().collect();
                if let Some((label, url, used)) = link(&rest) {
                    let href = if url.starts_with("http://")
                        || url.starts_with("https://")
                        || url.starts_with('#')
                        || url.starts_with('/')
                    {
                        url.to_string()
                    } else {
                        // A link between docs: `MODEL.md#x` → `/docs/model#x`.
                        let (file, frag) = url.split_once('#').unwrap_or((url, ""));
                        let name = file
                            .rsplit('/')
                            .next()
                            .unwrap_or(file)
                            .trim_end_matches(".md")
                            .to_lowercase();
                        if frag.is_empty() {
                            format!("/docs/{name}")
                        } else {
                            format!("/docs/{name}#{frag}")
                        }
                    };
                    out.push_str(&format!("<a href=\"{}\">{}</a>", esc(&href), inline(label)));
                    i += used;
                } else {
                    out.push('[');
                    i += 1;
                }
            }
            c => {
                out.push_str(&esc(&c.to_string()));
                i += 1;
            }
        }
    }
    if em {
        out.push_str("</em>");
    }
    if strong {
        out.push_str("</strong>");
    }
    out
}

/// `[label](url)` at the start of `s`: the label, the url and the characters used.
fn link(s: &str) -> Option<(&str, &str, usize)> {
    let close = s.find("](")?;
    let end = s[close..].find(')')? + close;
    let label = &s[1..close];
    let url = &s[close + 2..end];
    if label.contains('\n') || url.contains(' ') {
        return None;
    }
    Some((label, url, s[..=end].chars().count()))
}

fn cells(line: &str) -> Vec<String> {
    let line = line.trim().trim_start_matches('|');
    let line = line.strip_suffix('|').unwrap_or(line);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push_str("\\|");
                chars.next();
            }
            '|' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|') && t.contains('-') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// A Markdown document as HTML. Headings get `id`s ([`anchor`]).
pub fn to_html(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut para: Vec<&str> = Vec::new();
    let flush = |para: &mut Vec<&str>, out: &mut String| {
        if !para.is_empty() {
            out.push_str(&format!("<p>{}</p>\n", inline(&para.join(" "))));
            para.clear();
        }
    };
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim_start();
        if t.is_empty() {
            flush(&mut para, &mut out);
            i += 1;
        } else if t.starts_with("```") {
            flush(&mut para, &mut out);
            let mut code = String::new();
            i += 1;
            while i < lines.len() && !lines[i].trim_start().starts_with("```") {
                code.push_str(lines[i]);
                code.push('\n');
                i += 1;
            }
            out.push_str(&format!("<pre><code>{}</code></pre>\n", esc(&code)));
            i += 1;
        } else if let Some(level) =
            (1..=6).find(|&n| t.starts_with(&"#".repeat(n)) && t[n..].starts_with(' '))
        {
            flush(&mut para, &mut out);
            let heading = t[level..].trim();
            let plain = heading.replace(['`', '*', '\\'], "");
            out.push_str(&format!(
                "<h{level} id=\"{}\">{}</h{level}>\n",
                esc(&anchor(&plain)),
                inline(heading)
            ));
            i += 1;
        } else if t.starts_with('|') && i + 1 < lines.len() && is_rule(lines[i + 1]) {
            flush(&mut para, &mut out);
            out.push_str("<table>\n<thead><tr>");
            for c in cells(t) {
                out.push_str(&format!("<th scope=\"col\">{}</th>", inline(&c)));
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            i += 2;
            while i < lines.len() && lines[i].trim_start().starts_with('|') {
                out.push_str("<tr>");
                for c in cells(lines[i]) {
                    out.push_str(&format!("<td>{}</td>", inline(&c)));
                }
                out.push_str("</tr>\n");
                i += 1;
            }
            out.push_str("</tbody>\n</table>\n");
        } else if t.starts_with("- ") || t.starts_with("* ") || ordered(t).is_some() {
            flush(&mut para, &mut out);
            let numbered = ordered(t).is_some();
            out.push_str(if numbered { "<ol>\n" } else { "<ul>\n" });
            while i < lines.len() {
                let t = lines[i].trim_start();
                let item = if numbered {
                    ordered(t)
                } else {
                    t.strip_prefix("- ").or_else(|| t.strip_prefix("* "))
                };
                let Some(item) = item else {
                    // A continuation line of the item.
                    if !t.is_empty() && lines[i].starts_with(' ') {
                        out.truncate(out.len() - "</li>\n".len());
                        out.push_str(&format!(" {}</li>\n", inline(t)));
                        i += 1;
                        continue;
                    }
                    break;
                };
                let (mark, item) = if let Some(rest) = item.strip_prefix("[x] ") {
                    (
                        "<span class=\"task done\" aria-label=\"done\">☑</span> ",
                        rest,
                    )
                } else if let Some(rest) = item.strip_prefix("[ ] ") {
                    ("<span class=\"task\" aria-label=\"to do\">☐</span> ", rest)
                } else {
                    ("", item)
                };
                out.push_str(&format!("<li>{mark}{}</li>\n", inline(item)));
                i += 1;
            }
            out.push_str(if numbered { "</ol>\n" } else { "</ul>\n" });
        } else if let Some(q) = t.strip_prefix('>') {
            flush(&mut para, &mut out);
            let mut quote = vec![q.trim()];
            i += 1;
            while i < lines.len() {
                match lines[i].trim_start().strip_prefix('>') {
                    Some(q) => quote.push(q.trim()),
                    None => break,
                }
                i += 1;
            }
            out.push_str(&format!(
                "<blockquote><p>{}</p></blockquote>\n",
                inline(&quote.join(" "))
            ));
        } else {
            para.push(t);
            i += 1;
        }
    }
    flush(&mut para, &mut out);
    out
}

fn ordered(t: &str) -> Option<&str> {
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    t[digits..].strip_prefix(". ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_as_github_makes_them() {
        assert_eq!(anchor("Proficiency vs target"), "proficiency-vs-target");
        assert_eq!(
            anchor("Audience — who the rates are about"),
            "audience--who-the-rates-are-about"
        );
        assert_eq!(anchor("Follow-ups"), "follow-ups");
    }

    #[test]
    fn blocks_and_escapes() {
        let html = to_html(
            "# Plan <x>\n\nSome `code` and **bold** and \\_kept\\_.\n\n- [x] done\n- [ ] to do\n\n| a | b \\| c |\n|---|---|\n| <b> | 2 |\n",
        );
        assert!(
            html.contains("<h1 id=\"plan-x\">Plan &lt;x&gt;</h1>"),
            "{html}"
        );
        assert!(html.contains("<code>code</code>") && html.contains("<strong>bold</strong>"));
        assert!(html.contains("_kept_"), "{html}");
        assert!(html.contains("☑") && html.contains("☐"));
        assert!(html.contains("<th scope=\"col\">b | c</th>"), "{html}");
        assert!(html.contains("<td>&lt;b&gt;</td>"));
        assert!(!html.contains("<b>"));
    }
}
