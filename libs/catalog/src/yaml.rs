//! A tiny, deterministic YAML emitter for the generated deployment files.
//!
//! Only what the generators need: block maps and lists in insertion order, flow lists of
//! scalars, and strings quoted whenever a plain scalar could be misread.

/// A YAML value; maps keep insertion order so output is stable and readable.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    Str(String),
    Int(i64),
    Bool(bool),
    List(Vec<Yaml>),
    /// A list written on one line (`["CMD", "pg_isready"]`); items must be scalars.
    Flow(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
}

/// A string scalar.
pub fn s(value: impl Into<String>) -> Yaml {
    Yaml::Str(value.into())
}

/// An integer scalar.
pub fn int(value: impl Into<i64>) -> Yaml {
    Yaml::Int(value.into())
}

/// A block map from `(key, value)` pairs.
pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Yaml)>) -> Yaml {
    Yaml::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
}

/// A block list.
pub fn list(items: impl IntoIterator<Item = Yaml>) -> Yaml {
    Yaml::List(items.into_iter().collect())
}

/// A one-line list of strings.
pub fn flow<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Yaml {
    Yaml::Flow(
        items
            .into_iter()
            .map(|item| Yaml::Str(item.into()))
            .collect(),
    )
}

impl Yaml {
    /// Renders a whole document (no leading `---`), ending in a newline.
    pub fn render(&self) -> String {
        let mut out = String::new();
        match self {
            Yaml::Map(entries) if !entries.is_empty() => write_map(&mut out, entries, 0),
            Yaml::List(items) if !items.is_empty() => write_list(&mut out, items, 0),
            scalar => {
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
        out
    }
}

/// Renders several documents separated by `---`.
pub fn documents(docs: &[Yaml]) -> String {
    docs.iter()
        .map(Yaml::render)
        .collect::<Vec<_>>()
        .join("---\n")
}

fn write_map(out: &mut String, entries: &[(String, Yaml)], indent: usize) {
    for (key, value) in entries {
        out.push_str(&" ".repeat(indent));
        out.push_str(&quote(key));
        out.push(':');
        write_value_after_key(out, value, indent);
    }
}

fn write_value_after_key(out: &mut String, value: &Yaml, indent: usize) {
    match value {
        Yaml::Map(entries) if !entries.is_empty() => {
            out.push('\n');
            write_map(out, entries, indent + 2);
        }
        Yaml::List(items) if !items.is_empty() => {
            out.push('\n');
            write_list(out, items, indent + 2);
        }
        scalar => {
            out.push(' ');
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
}

fn write_list(out: &mut String, items: &[Yaml], indent: usize) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match item {
            Yaml::Map(entries) if !entries.is_empty() => {
                // The first entry shares the dash's line; the rest align under it.
                let mut first = String::new();
                write_map(&mut first, entries, indent + 2);
                out.push(' ');
                out.push_str(first.trim_start());
            }
            Yaml::List(inner) if !inner.is_empty() => {
                out.push('\n');
                write_list(out, inner, indent + 2);
            }
            scalar => {
                out.push(' ');
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
    }
}

fn inline(value: &Yaml) -> String {
    match value {
        Yaml::Str(text) => quote(text),
        Yaml::Int(number) => number.to_string(),
        Yaml::Bool(flag) => flag.to_string(),
        Yaml::List(_) => "[]".to_string(),
        Yaml::Map(_) => "{}".to_string(),
        Yaml::Flow(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|item| match item {
                    Yaml::Str(text) => double_quoted(text),
                    other => inline(other),
                })
                .collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

/// Plain when unambiguous, double-quoted otherwise.
fn quote(text: &str) -> String {
    if is_plain_safe(text) {
        text.to_string()
    } else {
        double_quoted(text)
    }
}

fn is_plain_safe(text: &str) -> bool {
    const RESERVED: [&str; 12] = [
        "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~", "<<", "=",
    ];
    let Some(first) = text.chars().next() else {
        return false;
    };
    let looks_numeric = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        && text.chars().any(|c| c.is_ascii_digit());
    (first.is_ascii_alphanumeric() || first == '/' || first == '.')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '='))
        && !looks_numeric
        && !RESERVED.contains(&text.to_ascii_lowercase().as_str())
}

fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_maps_and_lists_render_in_order() {
        let doc = map([
            ("kind", s("Service")),
            ("empty", map::<String>([])),
            (
                "ports",
                list([map([("name", s("grpc")), ("port", int(50137))])]),
            ),
            ("test", flow(["CMD", "redis-cli", "ping"])),
            ("nested", list([list([s("a")])])),
        ]);
        let expected = "kind: Service\nempty: {}\nports:\n  - name: grpc\n    port: 50137\n\
                        test: [\"CMD\", \"redis-cli\", \"ping\"]\nnested:\n  -\n    - a\n";
        assert_eq!(doc.render(), expected);
    }

    #[test]
    fn ambiguous_strings_are_quoted() {
        for text in [
            "",
            "true",
            "No",
            "5432:5432",
            "1.5",
            "2",
            "${X:-y}",
            "a b",
            "#c",
            "100m",
            "x: y",
        ] {
            let rendered = quote(text);
            let plain_ok = matches!(text, "100m");
            assert_eq!(
                rendered.starts_with('"'),
                !plain_ok,
                "{text:?} -> {rendered}"
            );
        }
        assert_eq!(quote("quorum/auth-manager"), "quorum/auth-manager");
        assert_eq!(quote("say \"hi\""), "\"say \\\"hi\\\"\"");
    }

    #[test]
    fn documents_are_separated() {
        let out = documents(&[map([("a", int(1))]), map([("b", Yaml::Bool(true))])]);
        assert_eq!(out, "a: 1\n---\nb: true\n");
    }
}
