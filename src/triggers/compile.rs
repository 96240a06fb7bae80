//! Compiling a condition tree from the owner's JSON: every operator checked against its fact's
//! kind, regexes and globs compiled, every mistake reported with its path.

use super::FieldError;
use super::condition::{Condition, Literal, Op, Test};
use super::facts::{FACT_NAMES, Fact, Kind};
use super::patterns::GlobTest;
use serde_json::{Map, Value};

/// Deepest nesting accepted; deeper trees are surely mistakes and would cost stack.
const MAX_DEPTH: usize = 8;
/// Most tests in one rule.
const MAX_TESTS: usize = 50;

const OPS: &str = "eq, ne, lt, lte, gt, gte, contains, starts_with, matches, in, exists";

struct Compiler<'e> {
    errors: &'e mut Vec<FieldError>,
    tests: usize,
}

impl Compiler<'_> {
    fn error(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            path: path.to_owned(),
            message: message.into(),
        });
    }

    fn condition(&mut self, value: &Value, path: &str, depth: usize) -> Option<Condition> {
        if depth > MAX_DEPTH {
            self.error(
                path,
                format!("conditions nest deeper than {MAX_DEPTH} levels"),
            );
            return None;
        }
        let Some(obj) = value.as_object() else {
            self.error(path, "must be an object with `all`, `any`, `not` or `fact`");
            return None;
        };
        let keys: Vec<&str> = ["all", "any", "not", "fact"]
            .into_iter()
            .filter(|k| obj.contains_key(*k))
            .collect();
        match keys.as_slice() {
            ["all"] | ["any"] => {
                let key = keys[0];
                let Some(list) = obj[key].as_array() else {
                    self.error(&format!("{path}.{key}"), "must be a list of conditions");
                    return None;
                };
                let children: Vec<Option<Condition>> = list
                    .iter()
                    .enumerate()
                    .map(|(i, c)| self.condition(c, &format!("{path}.{key}[{i}]"), depth + 1))
                    .collect();
                let children: Option<Vec<Condition>> = children.into_iter().collect();
                children.map(|c| {
                    if key == "all" {
                        Condition::All(c)
                    } else {
                        Condition::Any(c)
                    }
                })
            }
            ["not"] => self
                .condition(&obj["not"], &format!("{path}.not"), depth + 1)
                .map(|c| Condition::Not(Box::new(c))),
            ["fact"] => self.test(obj, path),
            [] => {
                self.error(path, "must have one of `all`, `any`, `not` or `fact`");
                None
            }
            _ => {
                self.error(
                    path,
                    format!(
                        "has more than one of {}; nest them instead",
                        keys.join(", ")
                    ),
                );
                None
            }
        }
    }

    fn test(&mut self, obj: &Map<String, Value>, path: &str) -> Option<Condition> {
        self.tests += 1;
        if self.tests == MAX_TESTS + 1 {
            self.error(path, format!("a rule may hold at most {MAX_TESTS} tests"));
        }
        for key in obj.keys() {
            if !matches!(key.as_str(), "fact" | "op" | "value" | "glob" | "regex") {
                self.error(&format!("{path}.{key}"), "unknown key");
            }
        }
        // Both the fact and the operator are checked before giving up, so one pass reports
        // every mistake the owner made in this test.
        let fact = self.fact(obj, path);
        let op_path = format!("{path}.op");
        let Some(op_name) = obj.get("op").and_then(Value::as_str) else {
            self.error(&op_path, format!("must be one of {OPS}"));
            return None;
        };
        let fact = fact?;
        let op = self.op(obj, path, op_name, fact.kind())?;
        let operand = obj
            .get("regex")
            .or(obj.get("glob"))
            .or(obj.get("value"))
            .map_or(String::new(), |v| format!(" {v}"));
        let label = format!(
            "{} {op_name}{operand}",
            obj.get("fact").and_then(Value::as_str).unwrap_or("?")
        );
        Some(Condition::Test(Test { fact, op, label }))
    }

    /// The test's `fact`, a known fact name.
    fn fact(&mut self, obj: &Map<String, Value>, path: &str) -> Option<Fact> {
        let fact_path = format!("{path}.fact");
        let Some(name) = obj.get("fact").and_then(Value::as_str) else {
            self.error(&fact_path, "must be a fact name");
            return None;
        };
        let fact = Fact::parse(name);
        if fact.is_none() {
            self.error(
                &fact_path,
                format!("unknown fact \"{name}\"; known: {}", FACT_NAMES.join(", ")),
            );
        }
        fact
    }

    /// The operator named `op_name`, with its operand compiled and checked against the
    /// fact's kind.
    fn op(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        op_name: &str,
        kind: Kind,
    ) -> Option<Op> {
        let op_path = format!("{path}.op");
        let value_path = format!("{path}.value");
        let value = obj.get("value");
        match op_name {
            "eq" | "ne" => {
                let literal = self.literal(value, kind, &value_path)?;
                Some(if op_name == "eq" {
                    Op::Eq(literal)
                } else {
                    Op::Ne(literal)
                })
            }
            "lt" | "lte" | "gt" | "gte" => self.order(op_name, kind, value, path),
            "contains" | "starts_with" => self.text(op_name, kind, value, path),
            "matches" => {
                if !matches!(kind, Kind::Text | Kind::Any) {
                    self.error(&op_path, "`matches` needs a text fact");
                    return None;
                }
                self.pattern(obj, path)
            }
            "in" => {
                let Some(list) = value.and_then(Value::as_array) else {
                    self.error(&value_path, "must be a list");
                    return None;
                };
                let item_kind = if kind == Kind::List { Kind::Text } else { kind };
                let literals: Option<Vec<Literal>> = list
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.literal(Some(v), item_kind, &format!("{value_path}[{i}]")))
                    .collect();
                Some(Op::In(literals?))
            }
            "exists" => match value {
                None => Some(Op::Exists(true)),
                Some(Value::Bool(b)) => Some(Op::Exists(*b)),
                Some(_) => {
                    self.error(&value_path, "must be true or false");
                    None
                }
            },
            other => {
                self.error(
                    &op_path,
                    format!("unknown operator \"{other}\"; expected one of {OPS}"),
                );
                None
            }
        }
    }

    /// `lt`, `lte`, `gt`, `gte`: a number fact against a number.
    fn order(
        &mut self,
        op_name: &str,
        kind: Kind,
        value: Option<&Value>,
        path: &str,
    ) -> Option<Op> {
        if !matches!(kind, Kind::Number | Kind::Any) {
            self.error(
                &format!("{path}.op"),
                format!("`{op_name}` needs a number fact"),
            );
            return None;
        }
        let Some(n) = value.and_then(Value::as_f64) else {
            self.error(&format!("{path}.value"), "must be a number");
            return None;
        };
        Some(match op_name {
            "lt" => Op::Lt(n),
            "lte" => Op::Lte(n),
            "gt" => Op::Gt(n),
            _ => Op::Gte(n),
        })
    }

    /// `contains` (text or list facts) and `starts_with` (text facts) against a text.
    fn text(&mut self, op_name: &str, kind: Kind, value: Option<&Value>, path: &str) -> Option<Op> {
        let fits =
            matches!(kind, Kind::Text | Kind::Any) || (op_name == "contains" && kind == Kind::List);
        if !fits {
            self.error(
                &format!("{path}.op"),
                format!("`{op_name}` needs a text fact"),
            );
            return None;
        }
        let Some(s) = value.and_then(Value::as_str) else {
            self.error(&format!("{path}.value"), "must be text");
            return None;
        };
        Some(if op_name == "contains" {
            Op::Contains(s.to_owned())
        } else {
            Op::StartsWith(s.to_owned())
        })
    }

    /// `matches`: exactly one of a regular expression (`regex`, size-limited) or a glob
    /// (`glob`, or `value`), compiled now so a bad pattern is refused when the rule is saved.
    fn pattern(&mut self, obj: &Map<String, Value>, path: &str) -> Option<Op> {
        match (obj.get("regex"), obj.get("glob").or(obj.get("value"))) {
            (Some(Value::String(re)), None) => {
                match regex::RegexBuilder::new(re).size_limit(1 << 20).build() {
                    Ok(r) => Some(Op::Regex(r)),
                    Err(e) => {
                        self.error(
                            &format!("{path}.regex"),
                            format!("invalid regular expression: {e}"),
                        );
                        None
                    }
                }
            }
            (None, Some(Value::String(glob))) => match globset::Glob::new(glob) {
                Ok(g) => Some(Op::Glob(Box::new(GlobTest::new(g)))),
                Err(e) => {
                    self.error(&format!("{path}.glob"), format!("invalid glob: {e}"));
                    None
                }
            },
            _ => {
                self.error(
                    path,
                    "`matches` takes exactly one of `glob` (or `value`) and `regex`, as text",
                );
                None
            }
        }
    }

    fn literal(&mut self, value: Option<&Value>, kind: Kind, path: &str) -> Option<Literal> {
        let literal = match value {
            Some(Value::Number(n)) => n.as_f64().map(Literal::Number),
            Some(Value::String(s)) => Some(Literal::Text(s.clone())),
            Some(Value::Bool(b)) => Some(Literal::Bool(*b)),
            _ => None,
        };
        let fits = match (&literal, kind) {
            (None, _) => false,
            (_, Kind::Any) => true,
            (Some(Literal::Number(_)), Kind::Number) => true,
            (Some(Literal::Text(_)), Kind::Text | Kind::List) => true,
            (Some(Literal::Bool(_)), Kind::Bool) => true,
            _ => false,
        };
        if !fits {
            let want = match kind {
                Kind::Number => "a number",
                Kind::Text | Kind::List => "text",
                Kind::Bool => "true or false",
                Kind::Any => "a number, text or boolean",
            };
            self.error(path, format!("must be {want} for this fact"));
            return None;
        }
        literal
    }
}

/// Compiles a condition tree; every problem is added to `errors` with its path.
pub(super) fn compile(
    value: &Value,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Condition> {
    Compiler { errors, tests: 0 }.condition(value, path, 0)
}
