//! Globs matched once per evaluation through the rule set's table answer exactly as each
//! glob's own matcher does, for any glob and any page, with few globs (an inline table) or
//! many (a table on the heap), and on the facts of the visitor's custom attributes too.

use super::*;
use crate::triggers::patterns::Matched;
use serde_json::json;

fn glob_rule(fact: &str, glob: &str) -> Rule {
    rule(
        json!({ "name": format!("{fact} {glob}"), "when": "page_view",
        "conditions": { "all": [{ "fact": fact, "op": "matches", "glob": glob }] },
        "actions": [{ "type": "tag", "tag": "x" }] }),
    )
}

fn on_page(path: &str) -> VisitorRecord {
    let mut v = shopper();
    v.apply(
        &event(
            "page_view",
            json!({ "url": format!("https://s.example{path}"), "title": path }),
        ),
        Timestamp(2000),
    );
    v
}

/// Each rule's condition, tested alone and through the set's table, by rule name.
fn both_ways(set: &RuleSet, v: &VisitorRecord) -> Vec<(String, bool, bool)> {
    let facts = facts(v, 3000);
    let matched: Matched = set.matched(&facts);
    set.rules()
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                r.conditions.holds(&facts),
                r.conditions.holds_with(&facts, Some(&matched)),
            )
        })
        .collect()
}

fn table_says(hits: &[(String, bool, bool)], name: &str) -> bool {
    hits.iter().any(|(n, _, table)| n == name && *table)
}

const GLOBS: [&str; 14] = [
    "/products/*",
    "/products/**",
    "/products/*/reviews",
    "**/*.html",
    "/cart",
    "*jacket*",
    "/p/{a,b}/*",
    "/[a-c]*",
    "/products/?",
    "**",
    "/**/b",
    "*",
    "/a*b/**",
    "https://s.example/**",
];

#[test]
fn a_rule_sets_table_agrees_with_each_glob() {
    let mut rules: Vec<Rule> = GLOBS.iter().map(|g| glob_rule("page.path", g)).collect();
    rules.push(glob_rule("page.url", "https://s.example/products/**"));
    rules.push(glob_rule("page.title", "*jacket*"));
    rules.push(glob_rule("visitor.tier", "g*"));
    rules.push(glob_rule("visitor.orders", "*"));
    let set = RuleSet::new(rules, Fatigue::default());
    for path in [
        "/products/7",
        "/products/7/reviews",
        "/products/",
        "/cart",
        "/p/a/x",
        "/p/c/x",
        "/a/b",
        "/axb/c/d",
        "/jacket.html",
        "/",
    ] {
        for (name, alone, table) in both_ways(&set, &on_page(path)) {
            assert_eq!(alone, table, "{name} on {path}");
        }
    }
    let hits = both_ways(&set, &on_page("/products/7"));
    assert!(table_says(&hits, "page.path /products/*"));
    assert!(table_says(&hits, "visitor.tier g*"));
    assert!(!table_says(&hits, "page.path /products/*/reviews"));
}

#[test]
fn more_globs_than_the_inline_table_holds() {
    let rules: Vec<Rule> = (0..300)
        .map(|i| glob_rule("page.path", &format!("/products/{i}/**")))
        .collect();
    let set = RuleSet::new(rules, Fatigue::default());
    let hits = both_ways(&set, &on_page("/products/250/x"));
    assert!(hits.iter().all(|(_, alone, table)| alone == table));
    assert_eq!(hits.iter().filter(|(_, _, table)| *table).count(), 1);
    assert!(table_says(&hits, "page.path /products/250/**"));
}

#[test]
fn a_table_from_another_set_is_not_read() {
    let set = RuleSet::new(
        vec![glob_rule("page.path", "/products/*")],
        Fatigue::default(),
    );
    let other = RuleSet::new(vec![glob_rule("page.path", "/nothing")], Fatigue::default());
    let v = on_page("/products/7");
    let facts = facts(&v, 3000);
    let foreign = other.matched(&facts);
    assert!(set.rules()[0].conditions.holds_with(&facts, Some(&foreign)));
}

proptest! {
    #[test]
    fn any_glob_on_any_path(
        globs in prop::collection::vec(
            prop::collection::vec(prop_oneof![
                Just("/"), Just("*"), Just("**"), Just("?"), Just("a"), Just("b"), Just("."),
                Just("{a,b}"), Just("[a-b]"), Just("products")], 1..6)
                .prop_map(|parts| parts.concat()),
            1..20),
        paths in prop::collection::vec("(/(a|b|products|\\.|ab|x)){0,4}/?", 1..10),
    ) {
        let rules: Vec<Rule> = globs
            .iter()
            .filter(|g| globset::Glob::new(g).is_ok())
            .map(|g| glob_rule("page.path", g))
            .collect();
        let set = RuleSet::new(rules, Fatigue::default());
        for path in &paths {
            for (name, alone, table) in both_ways(&set, &on_page(path)) {
                prop_assert_eq!(alone, table, "{} on {}", name, path);
            }
        }
    }
}
