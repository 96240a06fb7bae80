//! Build script: makes the `/widget.js` the server embeds from the widget's readable source.
//!
//! The widget is plain JavaScript with no npm build, split into parts a newcomer can read
//! (`widget/src/*.js`, numbered in the order they run). They share one scope, so this joins
//! them in name order inside one strict-mode closure, then minifies that with oxc: comments
//! and spaces go, and every name local to the closure (all of the widget's own) is shortened,
//! which is most of what keeps a readable widget inside its 12 KB gzipped budget. Property
//! names, `data-role`s and frame fields stay, so the served script can still be followed with
//! the source beside it (its first line says where that is). The result goes to
//! `OUT_DIR/widget.js`, which `src/http/assets.rs` includes in the binary.
//!
//! The widget's strings are plain JSON catalogues, one per language (`widget/lang/xx.json`).
//! English, the fallback, is written into the core in place of the `__SHOPCHAT_EN__` token;
//! every catalogue (English too) is listed in `OUT_DIR/widget_lang.rs` for the server to
//! embed and serve at `/widget/lang/xx.json`, so adding a language is adding one file.

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

/// Where the parts live, relative to the package root (the build script's working directory).
const SOURCE_DIR: &str = "widget/src";

/// Where the catalogues live: one `xx.json` per language.
const LANG_DIR: &str = "widget/lang";

/// Where the lazily loaded parts live: one `name.js` each, served at `/widget/part/name.js`.
const PARTS_DIR: &str = "widget/parts";

/// What `1-setup.js` writes where the English catalogue goes.
const EN_TOKEN: &str = "__SHOPCHAT_EN__";

/// First line of the served script: where a developer who finds it on a shop's page reads it.
const BANNER: &str =
    "/* shopchat widget; readable source: widget/src/ in the shopchat repository */\n";

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed=src/build.rs");
    // The dashboard and the demo shop are embedded from `static/` at compile time; without
    // this, an edited page kept being served from the last build until a Rust file changed.
    println!("cargo:rerun-if-changed=static");
    // The folder itself, so an added or removed part rebuilds too.
    println!("cargo:rerun-if-changed={SOURCE_DIR}");
    let parts = widget_parts(Path::new(SOURCE_DIR))?;
    let mut joined = String::from("(() => {\n\"use strict\";\n");
    for part in &parts {
        println!("cargo:rerun-if-changed={}", part.display());
        joined.push_str(&fs::read_to_string(part)?);
        // A part ending without a newline must not glue its last line to the next part's first.
        joined.push('\n');
    }
    joined.push_str("})();\n");
    let english = catalogues(Path::new(LANG_DIR))?;
    if !joined.contains(EN_TOKEN) {
        return Err(format!("the widget has no {EN_TOKEN} for its English strings").into());
    }
    let joined = joined.replace(EN_TOKEN, &english);
    let minified = minify(&joined)?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    fs::write(out_dir.join("widget.js"), format!("{BANNER}{minified}\n"))?;
    lazy_parts(Path::new(PARTS_DIR), &out_dir)?;
    Ok(())
}

/// Minifies every lazily loaded part of `dir` and lists them in `OUT_DIR/widget_parts.rs` (a
/// `&[(name, script)]`, in name order) for the server to serve at `/widget/part/{name}.js`.
///
/// A part's file is the body of a function of `core` (what the widget lends it) that returns
/// the part's own functions. Wrapped here, it hands that function to the widget with a
/// `shopchat:part` event on the document, so a part needs no global of its own.
fn lazy_parts(dir: &Path, out_dir: &Path) -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut listing = String::from("&[\n");
    for path in widget_parts(dir)? {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
            .ok_or_else(|| format!("{}: a part is named a-z and `-`", path.display()))?;
        let wrapped = format!(
            "(() => {{\n\"use strict\";\nconst part = (core) => {{\n{}\n}};\n\
             document.dispatchEvent(new CustomEvent(\"shopchat:part\", {{ detail: {{ name: {name:?}, part }} }}));\n}})();\n",
            fs::read_to_string(&path)?
        );
        let script = format!(
            "/* shopchat widget part; readable source: {PARTS_DIR}/{name}.js */\n{}\n",
            minify(&wrapped)?
        );
        listing.push_str(&format!("    ({name:?}, {script:?}),\n"));
    }
    listing.push_str("]\n");
    fs::write(out_dir.join("widget_parts.rs"), listing)?;
    Ok(())
}

/// The widget minified: parsed (a syntax error fails the build, with oxc's message), local
/// names mangled, compressed, printed without comments or spaces.
fn minify(source: &str) -> Result<String, Box<dyn Error>> {
    use oxc_codegen::{Codegen, CodegenOptions, CommentOptions};
    use oxc_minifier::{CompressOptions, Minifier, MinifierOptions};
    let allocator = oxc_allocator::Allocator::default();
    let parsed = oxc_parser::Parser::new(&allocator, source, oxc_span::SourceType::cjs()).parse();
    if let Some(first) = parsed.diagnostics.first() {
        return Err(format!("the widget does not parse: {first:?}").into());
    }
    let mut program = parsed.program;
    let options = MinifierOptions {
        mangle: Some(oxc_mangler::MangleOptions::default()),
        mangle_properties: None,
        compress: Some(CompressOptions::smallest()),
    };
    let minified = Minifier::new(options).minify(&allocator, &mut program);
    let printed = Codegen::new()
        .with_options(CodegenOptions {
            minify: true,
            comments: CommentOptions::disabled(),
            ..CodegenOptions::default()
        })
        .with_scoping(minified.scoping)
        .build(&program);
    Ok(printed.code)
}

/// Checks every catalogue of `dir` is a JSON object, writes `OUT_DIR/widget_lang.rs` (a
/// `&[(code, json)]` of them all, in code order) and returns the English one.
fn catalogues(dir: &Path) -> Result<String, Box<dyn Error>> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "json") {
            files.push(path);
        }
    }
    files.sort();
    let mut english = None;
    let mut listing = String::from("&[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let code = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| format!("{} has no usable name", path.display()))?;
        let text = fs::read_to_string(path)?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        if !value.is_object() {
            return Err(format!("{} is not a JSON object", path.display()).into());
        }
        if code == "en" {
            english = Some(value.to_string());
        }
        let absolute = fs::canonicalize(path)?;
        listing.push_str(&format!("    ({code:?}, include_str!({absolute:?})),\n"));
    }
    listing.push_str("]\n");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    fs::write(out_dir.join("widget_lang.rs"), listing)?;
    english.ok_or_else(|| format!("no {}/en.json", dir.display()).into())
}

/// The `.js` files of `dir` in name order, which is the order they run in (their names start
/// with one digit, so name order is number order).
fn widget_parts(dir: &Path) -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let mut parts = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "js") {
            parts.push(path);
        }
    }
    parts.sort();
    if parts.is_empty() {
        return Err(format!("no widget source in {}", dir.display()).into());
    }
    Ok(parts)
}
