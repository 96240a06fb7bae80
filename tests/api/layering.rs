//! The layering, checked from the source so it cannot drift: imports between the top-level
//! modules of `src/` form no circle, the pure core names no I/O crate and no outer module, and
//! the edges reach the store and the bus only through the application (`ChatService`).
//! Reads `crate::…` paths as text, the way a reviewer would.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules with no I/O: rules, values and wire formats, unit-tested without a network.
const CORE: &[&str] = &[
    "domain",
    "email",
    "commerce",
    "conversation",
    "triggers",
    "library",
    "protocol",
    "template",
    "report",
    "privacy",
    "ai",
    "config",
];
/// Crates the core must not use: its code runs the same in a test, a benchmark or a fuzzer.
const IO_CRATES: &[&str] = &[
    "actix_web",
    "actix_ws",
    "redis",
    "tokio",
    "rusqlite",
    "reqwest",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every library source file with its top-level module (`src/chat/visitor/mod.rs` → `chat`).
fn sources() -> Vec<(String, String, PathBuf)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .filter_map(|path| {
            let rel = path.strip_prefix(&src).unwrap().to_path_buf();
            let first = rel.components().next()?.as_os_str().to_str()?.to_owned();
            let module = first.trim_end_matches(".rs").to_owned();
            // The crate root, the binary and the build script belong to no layer; unit tests
            // may reach anywhere (they build their fixtures with whatever is at hand).
            let is_test = rel.components().any(|c| c.as_os_str() == "tests")
                || rel.file_name().is_some_and(|n| n == "tests.rs");
            if ["lib", "main", "build"].contains(&module.as_str()) || is_test {
                return None;
            }
            Some((
                module,
                code_of(&std::fs::read_to_string(&path).unwrap()),
                rel,
            ))
        })
        .collect()
}

/// The code of a file without its comments (a doc link is not an import).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a file names through `crate::…`.
fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        // `shopchat::crate::` cannot occur; skip `$crate::` in macros.
        if text[..at].ends_with('$') {
            continue;
        }
        let rest = &text[at + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.insert(name);
        }
    }
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, text, _) in sources() {
        let refs = crate_refs(&text);
        let entry = graph.entry(module.clone()).or_default();
        entry.extend(refs.into_iter().filter(|r| *r != module));
    }
    graph
}

/// A circle through the graph, if there is one.
fn find_circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut circle = path[start..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_top_level_modules_import_each_other_without_a_circle() {
    let graph = graph();
    assert!(graph.len() > 15, "read the source tree: {:?}", graph.keys());
    if let Some(circle) = find_circle(&graph) {
        panic!("import circle: {}", circle.join(" → "));
    }
}

#[test]
fn the_core_names_no_io_crate_and_no_outer_module() {
    for (module, text, file) in sources() {
        if !CORE.contains(&module.as_str()) {
            continue;
        }
        for krate in IO_CRATES {
            let used = text.contains(&format!("use {krate}::"))
                || text.contains(&format!(" {krate}::"))
                || text.contains(&format!("({krate}::"));
            assert!(!used, "{} (core) uses {krate}", file.display());
        }
        for named in crate_refs(&text).iter().filter(|r| **r != module) {
            assert!(
                CORE.contains(&named.as_str()),
                "{} (core) imports `{named}`, which is not core",
                file.display()
            );
        }
    }
}

#[test]
fn the_edges_reach_the_store_and_the_bus_only_through_the_application() {
    for (module, text, file) in sources() {
        if module != "http" && module != "ws" {
            continue;
        }
        // Record types may pass through an edge; the traits and backends that do the work
        // may not.
        for outer in [
            "store::prelude",
            "store::Store",
            "store::sqlite",
            "store::redis",
            "bus::Bus",
            "MemoryBus",
            "RedisBus",
            "webhooks::",
            "cluster::",
        ] {
            let named = text.match_indices(outer).any(|(at, _)| {
                let next = text[at + outer.len()..].chars().next();
                !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
            });
            assert!(
                !named,
                "{} (edge) names `{outer}`; call the ChatService instead",
                file.display()
            );
        }
        for call in [".store.", ".bus.", ".publish("] {
            assert!(
                !text.contains(call),
                "{} (edge) calls `{call}`; call the ChatService instead",
                file.display()
            );
        }
    }
}
