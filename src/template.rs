//! Owner-written templates — canned replies and rule messages — in one sandbox.
//!
//! Owners write `{{ shopper.name or "there" }}`, `{{ cart.total_formatted }}`, an `if` or a
//! `for` over what the context holds. A template is code run on every preview, suggestion and
//! proactive message, so what it may cost is bounded before it runs, not after:
//! - **Output**: rendering writes into a buffer that refuses more than the message limit;
//!   the render stops at the first byte past it instead of building the whole text first.
//! - **Intermediate values**: minijinja builds the value of an expression before anything is
//!   written (`'x' * 100000000` is 100 MB in one step; `{% set s = s ~ s %}` doubles). The
//!   operators that make a string or list longer than its operands (`*`, `+`, `~`), the
//!   filters that expand text (`replace`, `join`, `indent`, `format`, …), the globals that
//!   make sequences (`range`, `namespace`, `dict`), and the tags that capture output into a
//!   value (`filter`, `macro`, `call`, a block `set`) are refused when the template is saved
//!   and again when it is rendered (templates saved before this rule still run under it).
//! - **Time**: a fuel budget of instructions.
//!
//! What remains can only print values from the context — each bounded where it is accepted —
//! a bounded number of times.

/// Instructions a template may run when rendered: far more than any real message needs.
pub const TEMPLATE_FUEL: u64 = 50_000;

/// Filters that can make a value far longer than their input, or build sequences.
const EXPANDING_FILTERS: &[&str] = &[
    "replace",
    "join",
    "indent",
    "format",
    "pprint",
    "tojson",
    "urlencode",
    "batch",
    "slice",
    "chain",
    "zip",
    "map",
    "select",
    "reject",
    "groupby",
    "dictsort",
    "items",
    "list",
    "split",
    "lines",
    "unique",
    "sort",
    "reverse",
];

/// Globals that make sequences or mutable state across loop iterations.
const EXPANDING_GLOBALS: &[&str] = &["range", "namespace", "dict", "debug", "cycler", "joiner"];

/// Block tags that capture output into a value, or reach outside the template.
const REFUSED_TAGS: &[&str] = &[
    "filter", "macro", "call", "include", "import", "from", "extends", "block",
];

/// Why a template was refused or could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// The template uses something the sandbox does not allow.
    #[error("{0}")]
    Refused(String),
    /// minijinja's own message (syntax, or an error while rendering), with the line.
    #[error("{0}")]
    Invalid(String),
    /// The text would be longer than the message limit.
    #[error("the rendered text is longer than {max} characters")]
    TooLong {
        /// The limit, in characters.
        max: usize,
    },
}

/// The sandboxed environment: the default one less what can expand.
fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    // `{{ order.total }}` with no order renders empty instead of failing on the missing parent.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    // An owner's loop without end must not hold a worker: rendering stops when this runs out.
    env.set_fuel(Some(TEMPLATE_FUEL));
    for name in EXPANDING_FILTERS {
        env.remove_filter(name);
    }
    for name in EXPANDING_GLOBALS {
        env.remove_global(name);
    }
    env
}

/// Checks that a template is allowed and compiles; the error names what is wrong.
pub fn check(body: &str) -> Result<(), TemplateError> {
    policy(body)?;
    ENVIRONMENT
        .template_from_str(body)
        .map(|_| ())
        .map_err(|e| TemplateError::Invalid(e.to_string()))
}

/// Renders a template; `TooLong` as soon as the text passes `max_chars`.
pub fn render(
    body: &str,
    context: impl serde::Serialize,
    max_chars: usize,
) -> Result<String, TemplateError> {
    let (text, complete) = render_bounded(body, context, max_chars)?;
    if complete {
        Ok(text)
    } else {
        Err(TemplateError::TooLong { max: max_chars })
    }
}

/// Renders a template, cutting the text at `max_chars` (for messages that go out anyway).
pub fn render_cut(
    body: &str,
    context: impl serde::Serialize,
    max_chars: usize,
) -> Result<String, TemplateError> {
    render_bounded(body, context, max_chars).map(|(text, _)| text)
}

/// The text, at most `max_chars` long, and whether it is all of it.
fn render_bounded(
    body: &str,
    context: impl serde::Serialize,
    max_chars: usize,
) -> Result<(String, bool), TemplateError> {
    if is_plain(body) {
        let complete = body.chars().count() <= max_chars;
        return Ok((cut(body.to_owned(), max_chars), complete));
    }
    render_compiled(body, context, max_chars)
}

/// Text in which no template syntax can start (every delimiter begins with `{`) renders as
/// itself, so most rule messages need no compiling. A final newline still goes through
/// minijinja, which drops one.
fn is_plain(body: &str) -> bool {
    !body.contains('{') && !body.ends_with('\n')
}

/// The sandboxed environment, built once: each render only compiles its template in it.
static ENVIRONMENT: std::sync::LazyLock<minijinja::Environment<'static>> =
    std::sync::LazyLock::new(environment);

/// [`render_bounded`] through minijinja.
fn render_compiled(
    body: &str,
    context: impl serde::Serialize,
    max_chars: usize,
) -> Result<(String, bool), TemplateError> {
    policy(body)?;
    let template = ENVIRONMENT
        .template_from_str(body)
        .map_err(|e| TemplateError::Invalid(e.to_string()))?;
    // A character is at most four bytes: stop writing past that, count characters after.
    let mut out = Bounded {
        text: String::new(),
        cap: max_chars.saturating_mul(4),
        overflowed: false,
    };
    let rendered = template.render_captured_to(minijinja::value::Serde(context), &mut out);
    if out.overflowed {
        return Ok((cut(out.text, max_chars), false));
    }
    rendered.map_err(|e| TemplateError::Invalid(e.to_string()))?;
    let complete = out.text.chars().count() <= max_chars;
    Ok((cut(out.text, max_chars), complete))
}

fn cut(mut text: String, max_chars: usize) -> String {
    if let Some((end, _)) = text.char_indices().nth(max_chars) {
        text.truncate(end);
    }
    text
}

/// A writer that takes at most `cap` bytes and then fails, which stops the render.
struct Bounded {
    text: String,
    cap: usize,
    overflowed: bool,
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = self.cap.saturating_sub(self.text.len());
        if buf.len() > room {
            self.overflowed = true;
            // Keep what fits, on a character boundary, for a cut text.
            let fits = &buf[..room];
            let valid = match std::str::from_utf8(fits) {
                Ok(s) => s,
                Err(e) => std::str::from_utf8(&fits[..e.valid_up_to()]).unwrap_or_default(),
            };
            self.text.push_str(valid);
            return Err(std::io::Error::other("template output limit reached"));
        }
        // minijinja writes whole UTF-8 strings; anything else is replaced, never trusted.
        self.text.push_str(&String::from_utf8_lossy(buf));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Refuses the constructs that can build large values before anything is written. Scans the
/// inside of every `{{ … }}` and `{% … %}` outside string literals.
fn policy(body: &str) -> Result<(), TemplateError> {
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let (close, is_statement) = match after.as_bytes().first() {
            Some(b'{') => ("}}", false),
            Some(b'%') => ("%}", true),
            Some(b'#') => {
                // A comment: skip to its end (unterminated is the compiler's error).
                rest = after.find("#}").map_or("", |end| &after[end + 2..]);
                continue;
            }
            _ => {
                rest = after;
                continue;
            }
        };
        let inside = &after[1..];
        let (code, end) = tag_code(inside, close);
        check_tag(&code, is_statement)?;
        rest = &inside[end.min(inside.len())..];
    }
    Ok(())
}

/// The code of one tag with string literals blanked out, and where the tag ends.
fn tag_code(inside: &str, close: &str) -> (String, usize) {
    let mut code = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in inside.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
                code.push(' ');
            }
            None => {
                if inside[i..].starts_with(close) {
                    return (code, i + close.len());
                }
                if c == '"' || c == '\'' {
                    quote = Some(c);
                    code.push(' ');
                } else {
                    code.push(c);
                }
            }
        }
    }
    (code, inside.len())
}

fn check_tag(code: &str, is_statement: bool) -> Result<(), TemplateError> {
    if let Some(op) = code.chars().find(|c| matches!(c, '*' | '+' | '~')) {
        return Err(TemplateError::Refused(format!(
            "templates may not use the `{op}` operator (it can build very long text); \
             print the values instead"
        )));
    }
    if is_statement {
        let code = code.trim().trim_start_matches('-').trim_start();
        let keyword: String = code
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if REFUSED_TAGS.contains(&keyword.as_str()) {
            return Err(TemplateError::Refused(format!(
                "templates may not use `{{% {keyword} %}}`"
            )));
        }
        // `{% set x = … %}` is fine; the block form captures output into a value.
        if keyword == "set" && !code.contains('=') {
            return Err(TemplateError::Refused(
                "templates may not use a `{% set %}` block; use `{% set name = value %}`".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_text_renders_as_minijinja_renders_it() {
        let long = "ä".repeat(30);
        for (body, max) in [
            ("Need help choosing a size?", 500),
            ("Größe – 50 % off! ✓\tsee below", 500),
            ("two\nlines", 500),
            ("ends with a newline\n", 500),
            ("", 500),
            (long.as_str(), 10),
        ] {
            assert_eq!(is_plain(body), !body.ends_with('\n'), "{body:?}");
            assert_eq!(
                render_bounded(body, json!({}), max).ok(),
                render_compiled(body, json!({}), max).ok(),
                "{body:?}"
            );
        }
    }

    #[test]
    fn ordinary_templates_render() {
        let ctx =
            json!({ "shopper": { "name": "Ann" }, "cart": { "total": "90" }, "items": ["a", "b"] });
        assert_eq!(
            render(
                "Hi {{ shopper.name or \"there\" }}, {{ cart.total }}!",
                &ctx,
                100
            )
            .unwrap(),
            "Hi Ann, 90!"
        );
        assert_eq!(
            render("{% if cart.total %}yes{% else %}no{% endif %}{% for i in items %}{{ i|upper }}{% endfor %}", &ctx, 100).unwrap(),
            "yesAB"
        );
        assert_eq!(
            render(
                "{{ order.id }}|{% set n = shopper.name %}{{ n }}",
                &ctx,
                100
            )
            .unwrap(),
            "|Ann"
        );
        // Operators and tags inside string literals are text.
        assert_eq!(
            render("{{ 'a * b + c ~ d' }}", &ctx, 100).unwrap(),
            "a * b + c ~ d"
        );
    }

    #[test]
    fn what_can_build_long_values_is_refused_before_it_runs() {
        for body in [
            "{{ 'x' * 100000000 }}",
            "{{ 'x' ** 3 }}",
            "{% set s = 'x' %}{% set s = s ~ s %}{{ s }}",
            "{{ shopper.name + shopper.name }}",
            "{% filter upper %}x{% endfilter %}",
            "{% macro m() %}x{% endmacro %}",
            "{%- set s -%}x{% endset %}",
        ] {
            assert!(
                matches!(check(body), Err(TemplateError::Refused(_))),
                "{body}"
            );
            assert!(
                matches!(render(body, json!({}), 10), Err(TemplateError::Refused(_))),
                "{body}"
            );
        }
        // Removed filters and globals are unknown when the template runs.
        for body in [
            "{{ 'x'|indent(100000000) }}",
            "{{ ['x']|join }}",
            "{% for i in range(9) %}{% endfor %}",
        ] {
            let err = render(body, json!({}), 10).unwrap_err();
            assert!(
                matches!(err, TemplateError::Invalid(ref m) if m.contains("unknown")),
                "{body}: {err}"
            );
        }
    }

    #[test]
    fn output_stops_at_the_limit() {
        let ctx = json!({ "items": vec!["0123456789"; 1000] });
        let body = "{% for i in items %}{{ i }}{% endfor %}";
        assert_eq!(
            render(body, &ctx, 25),
            Err(TemplateError::TooLong { max: 25 })
        );
        assert_eq!(
            render_cut(body, &ctx, 25).unwrap(),
            "0123456789012345678901234"
        );
        assert_eq!(render("é{{ 'éé' }}", &ctx, 3).unwrap(), "ééé");
        assert_eq!(
            render("é{{ 'éé' }}x", &ctx, 3),
            Err(TemplateError::TooLong { max: 3 })
        );
    }
}
